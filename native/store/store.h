#pragma once
// The IMC store: one SQLite file holding runs, transcripts (written turn by turn), wire logs,
// replay events, jury verdicts and expert annotations (docs/FORMATS.md, "Store (SQLite)").
//
// Durability. The file is in WAL mode with synchronous=NORMAL: every committed transaction
// survives the process being killed at any instant (SIGKILL, a crash) — the WAL is written
// before COMMIT returns and SQLite recovers it on the next open. A power cut or kernel crash can
// lose the last transactions committed before it (never corrupt the file); that trade buys
// commits without an fsync each. Each completed turn is one transaction, so a crash loses at
// most the turn in flight, and a transcript reads as complete only after finish_transcript.
//
// Threads. A Store is one SQLite connection with its cache of prepared statements: use it from
// one thread at a time. A worker pool gives each worker its own connection (open_connection());
// WAL lets any number of connections read while one writes, and a writer that finds the file
// locked waits up to OpenOptions::busy_timeout_ms instead of failing.
//
// Errors. Every operation returns a Result. Errors about the input (an unknown id, a duplicate,
// a bad JSON Lines line, a file that is not a store) name the store file or the input line;
// failures of SQLite itself (I/O, a full disk, corruption, a lock held past the busy timeout)
// carry the pointer kStorageFailure, so a command line can exit 1 for those and 2 for the rest.
#include "store/store_records.h"

#include "imc/result.h"
#include "imc/transcript.h"
#include "imc/verdict.h"

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace imc::store {

class Connection;

inline constexpr const char *kStorageFailure = "sqlite";
// True when any error is a failure of SQLite itself rather than of the input.
bool is_storage_failure(const Errors &errors);

struct OpenOptions {
  bool create_if_missing = true; // false: a missing file is an error (readers, `imc store info`)
  int busy_timeout_ms = 10000;   // how long a writer waits for another connection's write lock
};

class Store {
public:
  // Opens the store at `path` (creating it unless options say not to), switches it to WAL and
  // brings its schema to the latest version. Errors: a missing file (create_if_missing off), a
  // file that is not a SQLite database or is another program's, a store written by a newer imc.
  static Result<Store> open(const std::string &path, const OpenOptions &options = {});
  // Another connection to the same file, for another thread.
  Result<Store> open_connection() const;

  Store(Store &&) noexcept;
  Store &operator=(Store &&) noexcept;
  ~Store();

  const std::string &path() const { return path_; }
  Result<StoreCounts> counts();

  // --- Runs ------------------------------------------------------------------------------------
  // Adds a run, or a further shard of a run already here with the same config and shard count.
  // Errors: empty id, config_json not JSON, shard outside 0..count-1, the run exists with another
  // config or shard count, the shard exists.
  Status create_run(const RunRecord &run);
  // Sets one shard's progress; a queued run becomes running.
  Status update_run_progress(const std::string &run_id, const RunProgress &progress,
                             int shard_index = 0);
  // Sets a final status (complete, failed or cancelled) and appends `notes` to the run's notes.
  Status finish_run(const std::string &run_id, RunStatus status, const std::string &notes = "");
  // Errors when there is no such run ("no run 'x'; runs: a, b").
  Result<RunRecord> get_run(const std::string &run_id);
  Result<std::vector<RunRecord>> list_runs(); // by created_at, then id

  // --- Transcripts -----------------------------------------------------------------------------
  // Inserts the transcript as incomplete ("in progress"), with any turns it already holds.
  // Errors: a header the transcript format rejects (so every stored transcript exports and
  // imports), the id exists, the run does not, or the run already holds its work key.
  Status begin_transcript(const Transcript &header);
  // Commits one completed turn in its own transaction. turn.index must be the number of turns
  // already stored. Errors: a turn the format rejects, no such transcript, it is complete or
  // failed, index out of order.
  Status append_turn(const std::string &transcript_id, const Turn &turn);
  // Sets the final status; the only way a transcript becomes complete.
  Status finish_transcript(const std::string &transcript_id, const TranscriptStatus &status);
  // Header and turns, parsed with the core codec. Errors when there is no such transcript.
  Result<Transcript> get_transcript(const std::string &transcript_id);
  Result<std::vector<TranscriptSummary>> list_transcripts(const TranscriptFilter &filter = {});
  Result<std::optional<TranscriptSummary>> find_by_work_key(const WorkKey &key);

  // Resume. A resumed run skips complete transcripts and restarts the others: reset_transcript
  // deletes a transcript's turns, wire logs, events and verdicts and sets it back to incomplete
  // (its header is kept); delete_incomplete deletes every transcript of a run that is not
  // complete (incomplete or failed) with everything that hangs off it, returning how many.
  // Complete transcripts are never touched (reset_transcript refuses one).
  Status reset_transcript(const std::string &transcript_id);
  Result<int64_t> delete_incomplete(const std::string &run_id);

  // --- Replay events and wire logs -------------------------------------------------------------
  // Appends an event (JSON text) and returns its sequence number (0, 1, ...).
  Result<int64_t> append_event(const std::string &transcript_id, const std::string &json);
  Result<std::vector<EventRecord>> list_events(const std::string &transcript_id);
  // Stores an exchange (already redacted, see WireLogRecord) and returns its row id. Errors:
  // unknown transcript, call_id already logged for the transcript, request_json not JSON.
  Result<int64_t> add_wire_log(const WireLogRecord &log);
  // The transcript's exchanges by turn and start, or only those of `turn_index`.
  Result<std::vector<WireLogRecord>> list_wire_logs(const std::string &transcript_id,
                                                    std::optional<int> turn_index = std::nullopt);

  // --- Verdicts and annotations ----------------------------------------------------------------
  // Inserts all verdicts in one transaction, or none. Errors name the first bad verdict: unknown
  // transcript, duplicate id, score inconsistent with status.
  Status add_verdicts(const std::vector<JurorVerdict> &verdicts);
  Result<std::vector<JurorVerdict>> list_verdicts(const std::string &transcript_id);
  // Inserts, or updates the annotator's existing annotation of the transcript in place (its id
  // is kept; scores, note and created_at are the new ones). An empty id or created_at is filled
  // in. Returns the stored annotation.
  Result<ExpertAnnotation> save_annotation(const ExpertAnnotation &annotation);
  // One transcript's annotations, or every annotation in the store (nullopt), by transcript and
  // annotator.
  Result<std::vector<ExpertAnnotation>>
  list_annotations(const std::optional<std::string> &transcript_id);

  // --- Reports ---------------------------------------------------------------------------------
  // Streams one row per verdict joined with its transcript's columns, grouped by transcript (in
  // run and id order), from covering indexes only: no JSON, no table rows, no sort. `visit`
  // must not call back into this Store.
  Status for_each_score(const ScoreFilter &filter,
                        const std::function<void(const ScoreRow &)> &visit);

  // --- Interchange -----------------------------------------------------------------------------
  // Writes one serialize_transcript(t, false) line per transcript of the run (every transcript
  // when nullopt; "" = those outside any run), ordered by id. Returns how many.
  Result<int64_t> export_jsonl(const std::optional<std::string> &run_id, std::ostream &out);
  // Reads one transcript per line (blank lines skipped) and stores them in one transaction: on
  // any bad line nothing is stored, and the errors name "SOURCE:LINE". A transcript already
  // stored identically is skipped; one whose id or work key is taken by a different transcript
  // is an error. Runs the transcripts name that the store lacks are created (status complete).
  Result<ImportReport> import_jsonl(std::istream &in, const std::string &source_name);
  // Copies from the store at `other_path` whatever this one lacks, in one transaction: runs and
  // run shards (by id), transcripts with their turns, wire logs and events (by id and work key),
  // verdicts (by id) and annotations (by id and annotator). Identical records are skipped; a
  // record that differs is a conflict and this store's is kept — except that an unfinished
  // transcript is replaced by the other's complete one. Never duplicates. The other store is
  // opened (and so migrated to the latest schema) first.
  Result<MergeReport> merge(const std::string &other_path);

private:
  Store(std::string path, OpenOptions options, std::unique_ptr<Connection> connection);

  std::string path_;
  OpenOptions options_;
  std::unique_ptr<Connection> db_;
};

} // namespace imc::store
