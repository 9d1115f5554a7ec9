#pragma once
// Plain records the Store reads and writes besides the core's Transcript, JurorVerdict and
// ExpertAnnotation (docs/FORMATS.md, "Store (SQLite)").
#include "imc/transcript.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imc::store {

enum class RunStatus { queued, running, complete, failed, cancelled };
const char *to_string(RunStatus status);
std::optional<RunStatus> parse_run_status(std::string_view text);

struct RunProgress {
  int64_t planned = 0;   // work items (case x clinician x condition) the shard will produce
  int64_t completed = 0; // transcripts finished complete
  int64_t failed = 0;    // transcripts finished failed
};

// `imc run --shard I/N`: this store produces the work items whose position modulo N is I.
struct Shard {
  int index = 0; // 0..count-1
  int count = 1;
};

struct RunRecord {
  std::string id;
  std::string config_json = "{}"; // the run's configuration as JSON (opaque to the store)
  RunStatus status = RunStatus::queued;
  Shard shard;          // create_run: the shard this store runs; read: the first held
  RunProgress progress; // create_run: the shard's start; read: summed over held shards
  std::string notes;
  std::string created_at;       // create_run: "" = now
  std::string updated_at;       // set by the store
  std::vector<int> shards_held; // read: indices of the shards whose rows this store holds
};

// A transcript's columns without its turns or JSON: what lists and resume decisions need.
struct TranscriptSummary {
  std::string id;
  std::string run_id; // "" outside any run
  std::string case_id;
  std::string clinician_endpoint;
  std::string clinician_model;
  std::string condition; // Condition::name()
  std::string patient_kind;
  std::string patient_endpoint;
  std::string pack_hash;
  std::string title;
  std::string created_at;
  TranscriptStatus status;
  int64_t turn_count = 0;
};

struct TranscriptFilter {
  std::optional<std::string> run_id; // "" selects transcripts outside any run
  std::optional<std::string> case_id;
  std::optional<TranscriptState> state;
};

// What a batch run produces exactly once: one transcript per (case, clinician, condition).
struct WorkKey {
  std::string run_id;
  std::string case_id;
  std::string clinician_endpoint;
  std::string condition; // Condition::name()
  static WorkKey of(const Transcript &t) {
    return {t.run_id, t.case_id, t.clinician.endpoint, t.condition.name()};
  }
};

// One HTTP exchange behind a turn. The caller redacts before storing: request_json holds the
// request as sent minus secrets (no Authorization, x-api-key or signature headers).
struct WireLogRecord {
  int64_t id = 0; // assigned by the store
  std::string transcript_id;
  int turn_index = 0;
  std::string call_id; // the id a turn's wire_log_refs names
  std::string started_at;
  std::string ended_at;
  std::string request_json = "{}";
  std::string response_text;
  std::string status = "ok"; // "ok" or a normalised error kind (FORMATS.md)
  std::optional<int> http_status;
};

// One engine event of a transcript, in order, for deterministic replay.
struct EventRecord {
  std::string transcript_id;
  int64_t seq = 0;
  std::string json;
};

// One verdict row as a report reads it. The views point into SQLite's row buffer: valid only
// during the callback that receives the row.
struct ScoreRow {
  std::string_view transcript_id;
  std::string_view run_id;
  std::string_view case_id;
  std::string_view clinician_endpoint;
  std::string_view clinician_model;
  std::string_view condition;
  std::string_view dimension;
  std::string_view juror_endpoint;
  std::optional<int> score; // null unless the verdict's status is ok
};

struct ScoreFilter {
  std::optional<std::string> run_id;
  bool complete_only = true; // skip verdicts of transcripts that are not complete
};

struct ImportReport {
  int64_t imported = 0;
  int64_t already_present = 0;           // identical transcripts the store already held
  std::vector<std::string> runs_created; // runs the transcripts named that the store lacked
};

// What merging one store into another did, per kind of record.
struct MergeCounts {
  int64_t added = 0;
  int64_t already_present = 0; // identical record already there
  int64_t replaced = 0;        // an unfinished transcript replaced by the other's complete one
  int64_t conflicting = 0;     // differs from the record there; the target's is kept
};

struct MergeReport {
  MergeCounts runs, run_shards, transcripts, verdicts, annotations, wire_logs, events;
  std::vector<std::string> conflicts; // one line per conflict (the first 100)
  int64_t conflict_count() const {
    return runs.conflicting + run_shards.conflicting + transcripts.conflicting +
           verdicts.conflicting + annotations.conflicting + wire_logs.conflicting +
           events.conflicting;
  }
};

struct StoreCounts {
  int schema_version = 0;
  int64_t runs = 0;
  int64_t transcripts_complete = 0;
  int64_t transcripts_incomplete = 0;
  int64_t transcripts_failed = 0;
  int64_t turns = 0;
  int64_t verdicts = 0;
  int64_t annotations = 0;
  int64_t wire_logs = 0;
  int64_t events = 0;
};

} // namespace imc::store
