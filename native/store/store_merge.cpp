// Store: merging another store into this one (sharded runs, stores from several machines).
//
// The other store is ATTACHed as `src` and copied with INSERT ... SELECT inside one transaction,
// so rows move without being parsed and a failure leaves this store as it was.
#include "store/store.h"

#include "store/store_internal.h"

#include <filesystem>
#include <set>

namespace imc::store {

using internal::guarded;
using internal::input_error;
using internal::single_quoted;

namespace {

constexpr size_t kMaxConflictLines = 100;

constexpr const char *kRunColumns =
    "id, created_at, updated_at, config_json, status, shard_count, notes";
constexpr const char *kTranscriptColumns =
    "id, run_id, case_id, clinician_endpoint, clinician_model, condition, patient_kind,"
    " patient_endpoint, pack_hash, title, state, reason, created_at, header_json";
constexpr const char *kTurnColumns = "transcript_id, idx, role, text, json";

// A table whose rows hang off transcripts, merged as a set: rows of accepted transcripts that
// this store lacks are inserted; the rest are identical (already present) or conflicts.
struct DependentTable {
  const char *table;
  const char *columns;  // copied columns (a rowid alias is left out: it is renumbered)
  const char *identity; // SQL over m (this store) and s (the other): the same record
  const char *taken;    // SQL over m and s: s cannot be inserted (identity or another unique key)
  const char *label;    // SQL over s naming the record in messages
  MergeCounts MergeReport::*counts;
};

const DependentTable kDependentTables[] = {
    {"verdicts",
     "id, transcript_id, juror_endpoint, juror_model, dimension, score, status, attempts,"
     " rubric_hash, rationale, raw_output, created_at",
     "m.id = s.id", "m.id = s.id", "'verdict ''' || s.id || ''''", &MergeReport::verdicts},
    {"annotations", "id, transcript_id, annotator, safety, accuracy, uncertainty, note, created_at",
     "m.id = s.id",
     "m.id = s.id OR (m.transcript_id = s.transcript_id AND m.annotator = s.annotator)",
     "'annotation ''' || s.id || ''' by ' || s.annotator", &MergeReport::annotations},
    {"wire_logs",
     "transcript_id, turn_index, call_id, started_at, ended_at, request_json, response_text,"
     " status, http_status",
     "m.transcript_id = s.transcript_id AND m.call_id = s.call_id",
     "m.transcript_id = s.transcript_id AND m.call_id = s.call_id",
     "'wire log ''' || s.call_id || ''' of transcript ''' || s.transcript_id || ''''",
     &MergeReport::wire_logs},
    {"event_log", "transcript_id, seq, json", "m.transcript_id = s.transcript_id AND m.seq = s.seq",
     "m.transcript_id = s.transcript_id AND m.seq = s.seq",
     "'event ' || s.seq || ' of transcript ''' || s.transcript_id || ''''", &MergeReport::events},
};

// "(p.a, p.b, ...)" for a column list "a, b, ...".
std::string row_value(const std::string &prefix, const char *columns) {
  std::string out = "(";
  std::string_view rest = columns;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view column = rest.substr(0, comma);
    while (!column.empty() && column.front() == ' ')
      column.remove_prefix(1);
    out += (out.size() > 1 ? ", " : "") + prefix + "." + std::string(column);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return out + ")";
}

std::string prefixed(const std::string &prefix, const char *columns) {
  const std::string row = row_value(prefix, columns);
  return row.substr(1, row.size() - 2);
}

class Merger {
public:
  Merger(Connection &db, std::string into) : db_(db), into_(std::move(into)) {}

  MergeReport run() {
    db_.exec("CREATE TEMP TABLE IF NOT EXISTS merge_accepted (id TEXT PRIMARY KEY);"
             "DELETE FROM temp.merge_accepted;");
    merge_runs();
    merge_run_shards();
    merge_transcripts();
    for (const DependentTable &table : kDependentTables)
      merge_dependent(table);
    db_.exec("DELETE FROM temp.merge_accepted");
    return std::move(report_);
  }

private:
  void conflict(MergeCounts &counts, const std::string &line) {
    ++counts.conflicting;
    if (report_.conflicts.size() < kMaxConflictLines)
      report_.conflicts.push_back(line);
  }

  void merge_runs() {
    Statement runs = db_.prepare("SELECT id, config_json, shard_count FROM src.runs ORDER BY id");
    while (runs.step()) {
      const std::string id = runs.string(0);
      Statement mine = db_.prepare("SELECT config_json, shard_count FROM main.runs WHERE id = ?1");
      mine.bind(1, id);
      if (!mine.step()) {
        db_.prepare(std::string("INSERT INTO main.runs (") + kRunColumns + ") SELECT " +
                    kRunColumns + " FROM src.runs WHERE id = ?1")
            .bind(1, id)
            .run();
        ++report_.runs.added;
        accepted_runs_.insert(id);
      } else if (mine.text(0) == runs.text(1) && mine.integer(1) == runs.integer(2)) {
        ++report_.runs.already_present; // the same run, maybe another shard of it
        accepted_runs_.insert(id);
      } else {
        conflict(report_.runs, "run " + single_quoted(id) +
                                   ": its config or shard count differs from "
                                   "the run of this id in " +
                                   into_ + "; its transcripts were not merged");
      }
    }
  }

  // A shard held by both stores keeps the copy that got further (resumed, then merged again).
  void merge_run_shards() {
    Statement shards = db_.prepare("SELECT run_id, shard_index, completed + failed"
                                   " FROM src.run_shards ORDER BY run_id, shard_index");
    while (shards.step()) {
      const std::string run = shards.string(0);
      if (!accepted_runs_.count(run)) {
        conflict(report_.run_shards, "run " + single_quoted(run) + " shard " +
                                         std::to_string(shards.int64(1)) +
                                         ": its run was not merged");
        continue;
      }
      Statement mine = db_.prepare("SELECT completed + failed FROM main.run_shards"
                                   " WHERE run_id = ?1 AND shard_index = ?2");
      mine.bind(1, run).bind(2, shards.int64(1));
      const bool held = mine.step();
      if (held && mine.int64(0) >= shards.int64(2)) {
        ++report_.run_shards.already_present;
        continue;
      }
      db_.prepare("INSERT OR REPLACE INTO main.run_shards (run_id, shard_index, planned,"
                  " completed, failed, updated_at) SELECT run_id, shard_index, planned,"
                  " completed, failed, updated_at FROM src.run_shards"
                  " WHERE run_id = ?1 AND shard_index = ?2")
          .bind(1, run)
          .bind(2, shards.int64(1))
          .run();
      ++(held ? report_.run_shards.replaced : report_.run_shards.added);
    }
  }

  void copy_transcript(const std::string &id) {
    db_.prepare(std::string("INSERT INTO main.transcripts (") + kTranscriptColumns + ") SELECT " +
                kTranscriptColumns + " FROM src.transcripts WHERE id = ?1")
        .bind(1, id)
        .run();
    db_.prepare(std::string("INSERT INTO main.turns (") + kTurnColumns + ") SELECT " +
                kTurnColumns + " FROM src.turns WHERE transcript_id = ?1")
        .bind(1, id)
        .run();
  }

  void accept(const std::string &id) {
    db_.prepare("INSERT INTO temp.merge_accepted (id) VALUES (?1)").bind(1, id).run();
  }

  void merge_transcripts() {
    Statement theirs = db_.prepare("SELECT id, coalesce(run_id, ''), case_id, clinician_endpoint,"
                                   " condition, state FROM src.transcripts ORDER BY id");
    while (theirs.step()) {
      const std::string id = theirs.string(0), run = theirs.string(1);
      const bool their_complete = theirs.text(5) == "complete";
      MergeCounts &counts = report_.transcripts;
      if (!run.empty() && !accepted_runs_.count(run)) {
        conflict(counts, "transcript " + single_quoted(id) + ": its run " + single_quoted(run) +
                             " was not merged");
        continue;
      }
      const auto by_id = internal::transcript_state(db_, id);
      std::optional<std::string> by_key;
      if (!run.empty()) {
        Statement key =
            db_.prepare("SELECT id FROM main.transcripts WHERE run_id = ?1 AND case_id = ?2"
                        " AND clinician_endpoint = ?3 AND condition = ?4");
        key.bind(1, run).bind(2, theirs.text(2)).bind(3, theirs.text(3)).bind(4, theirs.text(4));
        if (key.step())
          by_key = key.string(0);
      }
      if (!by_id && !by_key) {
        copy_transcript(id);
        ++counts.added;
        accept(id);
        continue;
      }
      if (by_id && by_key && *by_key != id) {
        conflict(counts, "transcript " + single_quoted(id) + ": its work item is held in " + into_ +
                             " by transcript " + single_quoted(*by_key));
        continue;
      }
      const std::string mine = by_id ? id : *by_key;
      const bool my_complete = internal::transcript_state(db_, mine) == TranscriptState::complete;
      if (mine == id &&
          internal::transcript_document(db_, id) == internal::transcript_document(db_, id, "src")) {
        ++counts.already_present;
        accept(id);
      } else if (!my_complete && their_complete) {
        internal::delete_transcript(db_, mine);
        copy_transcript(id);
        ++counts.replaced;
        accept(id);
      } else if (my_complete && !their_complete) {
        ++counts.already_present; // theirs is an unfinished copy of work finished here
      } else {
        conflict(counts,
                 "transcript " + single_quoted(id) + ": differs from " +
                     (mine == id ? "the one of this id"
                                 : "transcript " + single_quoted(mine) + " (same work item)") +
                     " in " + into_ + "; kept " + into_ + "'s");
      }
    }
  }

  void merge_dependent(const DependentTable &t) {
    MergeCounts &counts = report_.*(t.counts);
    const std::string table = t.table;
    Statement total = db_.prepare("SELECT count(*) FROM src." + table);
    total.step();
    const int64_t all = total.int64(0);
    total.reset();

    db_.prepare("INSERT INTO main." + table + " (" + t.columns + ") SELECT " +
                prefixed("s", t.columns) + " FROM src." + table + " s" +
                " WHERE s.transcript_id IN (SELECT id FROM temp.merge_accepted)" +
                " AND NOT EXISTS (SELECT 1 FROM main." + table + " m WHERE " + t.taken + ")")
        .run();
    counts.added = db_.changes();

    // Whatever has no identical row here now was not merged: a conflict.
    Statement unmatched = db_.prepare(
        std::string("SELECT ") + t.label +
        ", s.transcript_id IN (SELECT id FROM temp.merge_accepted) FROM src." + table + " s" +
        " WHERE NOT EXISTS (SELECT 1 FROM main." + table + " m WHERE (" + t.identity + ") AND " +
        row_value("m", t.columns) + " IS " + row_value("s", t.columns) + ")");
    while (unmatched.step())
      conflict(counts, std::string(unmatched.text(0)) +
                           (unmatched.int64(1) ? ": differs from the one in " + into_
                                               : std::string(": its transcript was not merged")));
    unmatched.reset();
    counts.already_present = all - counts.added - counts.conflicting;
  }

  Connection &db_;
  std::string into_; // the target's path, for messages
  MergeReport report_;
  std::set<std::string> accepted_runs_;
};

} // namespace

Result<MergeReport> Store::merge(const std::string &other_path) {
  std::error_code ec;
  if (std::filesystem::equivalent(path_, other_path, ec))
    return input_error(other_path, "is the store being merged into (" + path_ + ")");
  {
    // Checks that the other file is a store and brings it to this schema; closed again at once.
    OpenOptions options = options_;
    options.create_if_missing = false;
    auto other = Store::open(other_path, options);
    if (!other)
      return other.errors();
  }
  return guarded(path_, "merging " + other_path, [&]() -> Result<MergeReport> {
    db_->prepare("ATTACH DATABASE ?1 AS src").bind(1, other_path).run();
    struct Detach {
      Connection &db;
      ~Detach() {
        try {
          db.exec("DETACH DATABASE src");
        } catch (...) {
        }
      }
    } detach{*db_};
    Transaction tx(*db_);
    MergeReport report = Merger(*db_, path_).run();
    tx.commit();
    return report;
  });
}

} // namespace imc::store
