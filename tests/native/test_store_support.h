#pragma once
// Helpers for the store tests: transcripts, verdicts and runs built with the core types, and a
// raw SQLite look at a store file (what a second program would see).
#include "store/store.h"
#include "support/subprocess.h"

#include "imc/transcript.h"
#include "imc/verdict.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace imc::test {

// Unwraps a Result in a test, failing with the store's messages.
template <class T> T must(Result<T> result) {
  if (!result)
    throw std::runtime_error("unexpected error:\n" + format_errors(result.errors()));
  return std::move(result).value();
}
inline void must(const Status &status) {
  if (!status)
    throw std::runtime_error("unexpected error:\n" + format_errors(status.errors()));
}

inline std::string messages(const Errors &errors) { return format_errors(errors); }

inline Turn make_turn(int index, const std::string &text) {
  Turn turn;
  turn.index = index;
  turn.role = index % 2 == 0 ? Role::patient : Role::clinician;
  turn.text = text;
  if (turn.role == Role::clinician) {
    turn.started_at = "2026-11-27T10:00:01.000Z";
    turn.ended_at = "2026-11-27T10:00:04.200Z";
    turn.latency_ms = 3200;
    turn.tokens_out = 164;
    turn.finish_reason = "stop";
    turn.wire_log_refs = {"wl-" + std::to_string(index)};
  } else if (index == 0) {
    turn.images = {"images/a.jpg"};
  }
  return turn;
}

// A transcript of `turns` turns for a work item of `run` ("" = outside any run).
inline Transcript make_transcript(const std::string &id, const std::string &run,
                                  const std::string &case_id = "case-a",
                                  const std::string &clinician = "clinician-a",
                                  Condition condition = {}, int turns = 2) {
  Transcript t;
  t.id = id;
  t.case_id = case_id;
  t.run_id = run;
  t.pack_hash = "sha256:" + std::string(64, 'a');
  t.created_at = "2026-11-27T10:00:00.000Z";
  t.title = "Transcript " + id;
  t.provenance.kind = ProvenanceKind::model_run;
  t.clinician.endpoint = clinician;
  t.clinician.model = "model-of-" + clinician;
  t.clinician.parameters.temperature = 0.2;
  t.clinician.parameters.max_tokens = 512;
  t.patient.endpoint = "patient-sim";
  t.patient.model = "patient-model";
  t.condition = condition;
  t.prompt_hashes = {{"clinician_system", "sha256:" + std::string(64, 'b')}};
  for (int i = 0; i < turns; ++i)
    t.turns.push_back(make_turn(i, "Turn " + std::to_string(i) + " of " + id +
                                       ": \"quoted\", a tab\t, é and 漢字"));
  t.status = {TranscriptState::complete, ""};
  return t;
}

inline JurorVerdict make_verdict(const std::string &id, const std::string &transcript,
                                 const std::string &juror, Dimension dimension, int score) {
  JurorVerdict v;
  v.id = id;
  v.transcript_id = transcript;
  v.juror_endpoint = juror;
  v.juror_model = "model-of-" + juror;
  v.dimension = dimension;
  v.score = score;
  v.status = VerdictStatus::ok;
  v.rationale = "Because.";
  v.raw_output = "{\"score\": " + std::to_string(score) + "}";
  v.rubric_hash = "sha256:" + std::string(64, 'c');
  v.created_at = "2026-11-27T11:00:00.000Z";
  return v;
}

inline store::RunRecord make_run(const std::string &id, int shard_index = 0, int shard_count = 1,
                                 int64_t planned = 0) {
  store::RunRecord run;
  run.id = id;
  run.config_json = R"({"pack":"assets/demo","clinicians":["clinician-a"]})";
  run.shard = {shard_index, shard_count};
  run.progress.planned = planned;
  return run;
}

// Begins, appends and finishes `t` through the store as a batch run would.
inline void record(store::Store &db, const Transcript &t) {
  Transcript header = t;
  header.turns.clear();
  must(db.begin_transcript(header));
  for (const Turn &turn : t.turns)
    must(db.append_turn(t.id, turn));
  must(db.finish_transcript(t.id, t.status));
}

// A plain SQLite connection to a store file, for looking underneath the Store.
class RawDb {
public:
  explicit RawDb(const std::string &path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
      throw std::runtime_error("cannot open " + path);
    sqlite3_busy_timeout(db_, 10000);
  }
  ~RawDb() { sqlite3_close_v2(db_); }
  RawDb(const RawDb &) = delete;
  RawDb &operator=(const RawDb &) = delete;

  // Column `index` of every row of `sql`, as text ("" for NULL).
  std::vector<std::string> column(const std::string &sql, int index = 0) {
    sqlite3_stmt *stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("cannot prepare: ") + sqlite3_errmsg(db_));
    std::vector<std::string> out;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      const auto *text = reinterpret_cast<const char *>(sqlite3_column_text(stmt, index));
      out.emplace_back(text ? text : "");
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
      throw std::runtime_error(std::string("cannot run: ") + sqlite3_errmsg(db_));
    return out;
  }
  std::string value(const std::string &sql) {
    const auto rows = column(sql);
    return rows.empty() ? "" : rows.front();
  }
  long long count(const std::string &table) {
    return std::stoll(value("SELECT count(*) FROM " + table));
  }
  // SQLite's result code of running `sql` (SQLITE_OK on success).
  int exec(const std::string &sql) {
    return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  }

private:
  sqlite3 *db_ = nullptr;
};

} // namespace imc::test
