#pragma once
// Batch runs (`imc run`): every (case, clinician, condition) of a case pack conversed once with a
// simulated patient, on a pool of worker threads, each conversation a ConversationDriver writing
// to the store turn by turn (docs/ARCHITECTURE.md, "Drivers and batch runs").
//
// Work items are ordered case (pack order) x clinician (as given) x condition (as given); item i
// belongs to shard i % N. A work item's transcript id is a hash of (run, case, clinician,
// condition), so every machine, shard and resume names it alike and the store's work-key
// uniqueness makes a second copy impossible.
//
// Exactly once: a run is created in the store (or, when resuming, its transcripts that are not
// complete are deleted) before any conversation starts; complete transcripts are skipped; the
// rest run again. Since a transcript becomes complete only through finish_transcript, a process
// killed at any instant leaves nothing that a resume would count as done twice or skip wrongly.
//
// Scheduling: a worker takes the first waiting item whose clinician endpoint has fewer
// conversations running than its `limits.concurrency`, so no worker sits in an endpoint's limiter
// while another endpoint's work waits; the transport's limiters pace the requests themselves.
#include "conversation_driver.h"

#include "store/store.h"
#include "transport/http_transport.h"
#include "transport/rate_limiter.h"

#include "imc/casepack.h"
#include "imc/endpoint_config.h"
#include "imc/result.h"
#include "imc/transcript.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace imc::drivers {

struct WorkItem {
  size_t index = 0; // position in the whole run's order, before sharding
  std::string case_id;
  std::string clinician; // endpoint name
  Condition condition;
  std::string transcript_id;
};

// "t-" and 24 hex digits of SHA-256 over run id, case id, clinician endpoint and condition name
// (NUL-separated).
std::string transcript_id_for(const std::string &run_id, const std::string &case_id,
                              const std::string &clinician, const Condition &condition);

// Every work item of a run, in its fixed order: cases in pack order, then clinicians as given,
// then conditions as given.
std::vector<WorkItem> plan_work(const CasePack &pack, const std::vector<std::string> &clinicians,
                                const std::vector<Condition> &conditions,
                                const std::string &run_id);

// The items of shard `shard.index` of `shard.count` (0-based): those whose index modulo the
// count is the shard's index. Shards of one plan are disjoint and together are the plan.
std::vector<WorkItem> select_shard(const std::vector<WorkItem> &items, store::Shard shard);

struct BatchSettings {
  std::string run_id;      // required: [a-z0-9][a-z0-9-]* (a transcript field)
  std::string config_json; // recorded with the run; a resume must present the same
  const CasePack *pack = nullptr;
  PackFiles *files = nullptr; // the pack's files, for case images (read one at a time)
  const EndpointConfig *endpoints = nullptr;
  std::vector<std::string> clinicians; // endpoint names
  std::string patient;                 // endpoint name of the simulated patient
  std::vector<Condition> conditions;
  int max_clinician_turns = 6;
  int64_t call_timeout_ms = 0; // CallModel timeout; 0 = the endpoints' own timeouts
  int concurrency = 4;         // worker threads (conversations at once, at most)
  store::Shard shard;          // which part of the plan this process runs
  bool resume = false;         // continue run_id when the store holds it (else start it)
  // Empty each endpoint's request bucket when the run's first call goes out, so the first second
  // is paced like the rest instead of bursting a second's worth of requests on top (a limiter
  // bucket fills up while nothing is sent).
  bool pace_from_start = true;
  // Fraction of each endpoint's requests_per_minute and tokens_per_minute left unused. The
  // limiter admits calls at exactly the rate; a provider counts them when they arrive, a few
  // milliseconds of thread and network jitter later, and would then see one request too many in
  // some 1-second windows. 2 % leaves room for 20 ms of jitter at 20 requests per second.
  double rate_headroom = 0.02;
  transport::LimiterRegistry *limiters = nullptr; // the transport's; default the process's
};

// The run's configuration as it is recorded (runs.config_json): what defines the science and is
// the same on every machine — pack name, version and content hash, each clinician's and the
// patient's endpoint name, protocol, model and default parameters, the conditions, the turn
// limit, the call timeout and the prompt templates' hashes. Paths, concurrency and the shard
// are left out, so shards of one run record identical configs.
std::string run_config_json(const BatchSettings &settings);
// "run-" and 12 hex digits of SHA-256 over the config: the same for every shard of a run.
std::string default_run_id(const std::string &config_json);

struct BatchProgress {
  int64_t planned = 0;   // items of this shard
  int64_t skipped = 0;   // already complete in the store when this invocation began
  int64_t completed = 0; // completed by this invocation
  int64_t failed = 0;    // failed in this invocation
  int64_t running = 0;
  int64_t calls = 0; // model calls ended
  Usage tokens;      // as the endpoints reported them
  double elapsed_s = 0;
  int64_t finished() const { return completed + failed; }
  int64_t remaining() const { return planned - skipped - completed - failed; }
};

struct FailedItem {
  WorkItem item;
  std::string reason; // the transcript's status reason ("server: HTTP 500 ...", "store: ...")
};

struct BatchSummary {
  BatchProgress progress;
  std::vector<FailedItem> failures; // in work order
  bool resumed = false;             // the store already held the run
  int64_t redone = 0;               // unfinished transcripts deleted to run again
  bool cancelled = false;           // cancel() was called
  bool storage_failed = false;      // some failure was the store's (I/O, disk full, locks)
};

class BatchRunner {
public:
  // `transport` and `store` (used on run()'s thread; workers open their own connections) must
  // outlive the runner.
  BatchRunner(BatchSettings settings, transport::HttpTransport &transport, store::Store &store);

  // Prepares the store, then runs the shard's remaining items and records progress (every
  // second) and the final status of the run. `on_progress` is called on run()'s thread about
  // ten times a second and once at the end. Errors (nothing is run): bad settings, case images
  // that cannot be read (under conditions that show them), the store holds the run but resume
  // is off, or it holds it with another config or shard count; and failures of the store itself
  // (Error::pointer store::kStorageFailure). A conversation that fails is an outcome, not an
  // error: it is in the summary, and its transcript in the store says why.
  Result<BatchSummary> run(const std::function<void(const BatchProgress &)> &on_progress = {});

  // Thread-safe: no new conversation starts; those running stop as incomplete ("the run was
  // interrupted"), so a resume redoes them. run() returns soon after.
  void cancel();

private:
  struct Prepared;
  Result<Prepared> prepare();
  Status check_images(const std::vector<WorkItem> &items);
  void pace_endpoints();
  void work(store::Store &connection);
  void run_item(const WorkItem &item, store::Store &connection);
  ConversationConfig conversation_config(const WorkItem &item) const;
  bool take_next(WorkItem &item); // under mutex_
  BatchProgress snapshot() const; // under mutex_

  BatchSettings settings_;
  EndpointConfig paced_endpoints_; // settings_.endpoints with rate_headroom taken off
  transport::HttpTransport &transport_;
  store::Store &store_;

  std::mutex files_mutex_; // PackFiles promises nothing about threads
  std::once_flag paced_;   // pace_endpoints() at the first call
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  // Items not started, one queue per clinician endpoint, each in work order: taking the next
  // item is a look at each queue's head, however long the run.
  std::map<std::string, std::deque<WorkItem>> waiting_;
  int64_t waiting_count_ = 0;
  std::map<std::string, int> running_per_endpoint_;
  std::set<ConversationDriver *> drivers_; // running, for cancel()
  std::vector<FailedItem> failures_;
  BatchProgress progress_;
  bool cancelled_ = false;
  bool storage_failed_ = false;
  int workers_left_ = 0;
};

} // namespace imc::drivers
