#pragma once
// Runs one Jury (core/include/imc/jury.h) over a transcript against real endpoints: every
// JurorCall goes out through the HTTP transport on its own thread, at once (the transport's
// per-endpoint limiter holds back what exceeds an endpoint's `limits.concurrency` or rates),
// and what comes back is fed to the jury on run()'s thread, stamped with the wall clock.
// `imc score` runs one driver per transcript; `imc serve` (POST /api/jury) one per request.
//
//   JuryDriver driver(endpoints, transport, jury_config, transcript, patient_case, {&store});
//   auto outcome = driver.run();       // blocks until JuryFinished
//   ... from another thread: driver.stop() ...
//
// Effects:
// - JurorCall: the endpoint is looked up by name (an unknown name fails the call with a
//   `config` error); its model is the juror's (JurorEndpoint::model, which the jury config may
//   set apart from the endpoint's); JurorCall::timeout_ms caps the endpoint's timeouts. The
//   transport's call id is "<jury call id>@<Begin's at_ms>" (jury-3@1795773600000), unique per
//   scoring, so a transcript scored twice keeps both scorings' wire logs apart.
// - CancelCall: cancels that call (after stop()).
// - VerdictRecorded: kept, and reported through on_verdict (progress: done / expected).
// - JuryFinished: when complete, every verdict is stored in ONE transaction (add_verdicts):
//   a transcript is scored whole or not at all. A stopped jury stores no verdict.
//
// Wire logs (when a store is given and store_wire_logs): one wire_logs row per call, stored as
// the call ends, with turn_index = the transcript's turn count (one past its last turn: jury
// calls follow the conversation) and the call id above.
//
// Threads: run() does all jury and store work on the calling thread, which must own `store`
// (one connection per thread). stop() may be called from any thread, also before run().
// Callbacks run on run()'s thread.
#include "store/store.h"
#include "transport/http_transport.h"

#include "imc/casepack.h"
#include "imc/endpoint_config.h"
#include "imc/jury.h"
#include "imc/result.h"
#include "imc/transcript.h"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

namespace imc::drivers {

struct JuryCallbacks {
  // A verdict is complete: `done` of `expected` verdicts of this transcript.
  std::function<void(const JurorVerdict &, size_t done, size_t expected)> on_verdict;
  std::function<void(const JurorCall &)> on_call;              // a call is about to go out
  std::function<void(const transport::WireLog &)> on_call_end; // a call ended (ok or not)
};

struct JuryDriverOptions {
  store::Store *store = nullptr;   // verdicts and wire logs go here; nullptr = nowhere
  bool store_wire_logs = true;     // one wire_logs row per call (only with a store)
  std::function<int64_t()> now_ms; // wall clock, ms since the Unix epoch; default system clock
  JuryCallbacks callbacks;
};

struct JuryOutcome {
  bool complete = false;              // JuryFinished::complete
  std::string reason;                 // JuryFinished::reason when not complete
  std::vector<JurorVerdict> verdicts; // in the order they completed
  JuryResult result;                  // aggregate_verdicts, panel order
  bool stored = false;                // the verdicts are in the store
  int calls = 0;                      // juror calls made (re-asks included)
  int retries = 0;                    // extra attempts the transport made
  Usage tokens;                       // summed over the calls that reported usage
};

class JuryDriver {
public:
  // `endpoints` and `transport` must outlive the driver.
  JuryDriver(const EndpointConfig &endpoints, transport::HttpTransport &transport,
             JuryConfig config, Transcript transcript, Case patient_case,
             JuryDriverOptions options = {});
  ~JuryDriver(); // cancels and joins any call still running
  JuryDriver(const JuryDriver &) = delete;
  JuryDriver &operator=(const JuryDriver &) = delete;

  // Runs the jury until it finishes; call once. A failed juror call is an outcome (an `error`
  // verdict), not an error. Errors only when the store refuses or fails a write: the jury is
  // then stopped at once, its calls cancelled, and nothing more is stored.
  Result<JuryOutcome> run();

  // Thread-safe: stops the jury (calls in flight are cancelled; no verdict is stored).
  void stop(std::string reason = "");

  const Jury &jury() const { return jury_; } // run()'s thread only

private:
  struct CallEnded {
    std::string call_id;
    transport::CallResult result;
  };
  using Message = std::variant<JuryEvent, CallEnded>;
  using Effects = std::vector<JuryEffect>;

  int64_t now() const;
  void post(Message message);
  Status handle(const JuryEvent &event);
  Status carry_out(const JuryEffect &effect);
  void start_call(const JurorCall &call);
  Status call_ended(CallEnded &ended);
  void cancel_all();

  const EndpointConfig &endpoints_;
  transport::HttpTransport &transport_;
  JuryDriverOptions options_;
  Jury jury_;
  std::deque<JuryEffect> pending_;
  int64_t begun_at_ms_ = 0;
  JuryOutcome outcome_;
  bool finished_ = false;

  // Shared with the call threads and stop().
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Message> inbox_;
  bool stop_requested_ = false;
  std::string stop_reason_;
  std::map<std::string, transport::CancelToken> in_flight_; // jury call id -> its token
  std::vector<std::thread> threads_;
};

} // namespace imc::drivers
