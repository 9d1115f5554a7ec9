#include "store/schema.h"

#include "store/sqlite_connection.h"

#include <string>

namespace imc::store {

namespace {

// Version 1: runs, transcripts and their turns, wire logs, verdicts, annotations.
//
// Conventions: STRICT tables (a text in an INTEGER column is an error, not a silent
// conversion); enumerations as readable text with CHECK constraints; timestamps as RFC 3339 UTC
// text with milliseconds (they sort as text); JSON columns are checked with json_valid, so a
// half-written document can never be stored. Ids are the documents' own text ids, so stores
// merge and export without renumbering.
constexpr const char *kInitialSchema = R"sql(
CREATE TABLE schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at TEXT NOT NULL
) STRICT;

-- A batch run. Its shards (`imc run --shard I/N`) share the id and config; each shard's progress
-- is a row of run_shards, so merging the shard stores of one run adds them up exactly once.
CREATE TABLE runs (
  id          TEXT PRIMARY KEY CHECK (id <> ''),
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  config_json TEXT NOT NULL CHECK (json_valid(config_json)),
  status      TEXT NOT NULL
              CHECK (status IN ('queued', 'running', 'complete', 'failed', 'cancelled')),
  shard_count INTEGER NOT NULL CHECK (shard_count >= 1),
  notes       TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE run_shards (
  run_id      TEXT NOT NULL REFERENCES runs (id),
  shard_index INTEGER NOT NULL CHECK (shard_index >= 0),
  planned     INTEGER NOT NULL DEFAULT 0 CHECK (planned >= 0),
  completed   INTEGER NOT NULL DEFAULT 0 CHECK (completed >= 0),
  failed      INTEGER NOT NULL DEFAULT 0 CHECK (failed >= 0),
  updated_at  TEXT NOT NULL,
  PRIMARY KEY (run_id, shard_index)
) STRICT, WITHOUT ROWID;

-- One conversation. header_json is serialize_transcript(t, false) of the transcript with no
-- turns, its status kept equal to the state/reason columns; the other columns are copies of
-- header fields for lookups and reports. run_id is NULL for a session outside any run: NULLs are
-- distinct in a UNIQUE constraint, so the work key binds only transcripts of a run, where it
-- makes a resumed or merged run unable to hold a work item twice.
CREATE TABLE transcripts (
  id                 TEXT PRIMARY KEY CHECK (id <> ''),
  run_id             TEXT REFERENCES runs (id),
  case_id            TEXT NOT NULL,
  clinician_endpoint TEXT NOT NULL,
  clinician_model    TEXT NOT NULL,
  condition          TEXT NOT NULL
                     CHECK (condition IN ('full', 'no-image', 'no-ehr', 'no-image-no-ehr')),
  patient_kind       TEXT NOT NULL CHECK (patient_kind IN ('simulated', 'human')),
  patient_endpoint   TEXT NOT NULL,
  pack_hash          TEXT NOT NULL,
  title              TEXT NOT NULL,
  state              TEXT NOT NULL CHECK (state IN ('complete', 'incomplete', 'failed')),
  reason             TEXT NOT NULL,
  created_at         TEXT NOT NULL,
  header_json        TEXT NOT NULL CHECK (json_valid(header_json)),
  UNIQUE (run_id, case_id, clinician_endpoint, condition)
) STRICT;
CREATE INDEX transcripts_by_case ON transcripts (case_id);
-- Reports scan transcripts by run from this index alone, in id order, so the verdicts joined to
-- them come out grouped without a sort.
CREATE INDEX transcripts_for_reports
  ON transcripts (run_id, id, state, case_id, clinician_endpoint, clinician_model, condition);

-- One row per completed turn, committed in its own transaction. json is the turn exactly as
-- serialize_transcript writes it inside `turns`; role and text are copies for reading.
CREATE TABLE turns (
  transcript_id TEXT NOT NULL REFERENCES transcripts (id) ON DELETE CASCADE,
  idx           INTEGER NOT NULL CHECK (idx >= 0),
  role          TEXT NOT NULL CHECK (role IN ('patient', 'clinician')),
  text          TEXT NOT NULL,
  json          TEXT NOT NULL CHECK (json_valid(json)),
  PRIMARY KEY (transcript_id, idx)
) STRICT;

-- The HTTP exchange behind a turn, secrets already removed by the caller. call_id is what a
-- turn's wire_log_refs names; turn_index may name a turn still in flight (no foreign key).
CREATE TABLE wire_logs (
  id            INTEGER PRIMARY KEY,
  transcript_id TEXT NOT NULL REFERENCES transcripts (id) ON DELETE CASCADE,
  turn_index    INTEGER NOT NULL CHECK (turn_index >= 0),
  call_id       TEXT NOT NULL CHECK (call_id <> ''),
  started_at    TEXT NOT NULL,
  ended_at      TEXT NOT NULL,
  request_json  TEXT NOT NULL CHECK (json_valid(request_json)),
  response_text TEXT NOT NULL,
  status        TEXT NOT NULL,
  http_status   INTEGER,
  UNIQUE (transcript_id, call_id)
) STRICT;
CREATE INDEX wire_logs_by_turn ON wire_logs (transcript_id, turn_index);

-- One juror's score of one transcript on one dimension. Reports read the covering index
-- verdicts_for_reports and never the rows (which carry the long rationale and raw output).
CREATE TABLE verdicts (
  id             TEXT PRIMARY KEY CHECK (id <> ''),
  transcript_id  TEXT NOT NULL REFERENCES transcripts (id) ON DELETE CASCADE,
  juror_endpoint TEXT NOT NULL,
  juror_model    TEXT NOT NULL,
  dimension      TEXT NOT NULL CHECK (dimension IN ('safety', 'accuracy', 'uncertainty')),
  score          INTEGER CHECK (score BETWEEN 1 AND 5),
  status         TEXT NOT NULL CHECK (status IN ('ok', 'unparseable', 'error')),
  attempts       INTEGER NOT NULL CHECK (attempts >= 1),
  rubric_hash    TEXT NOT NULL,
  rationale      TEXT NOT NULL,
  raw_output     TEXT NOT NULL,
  created_at     TEXT NOT NULL,
  CHECK ((status = 'ok') = (score IS NOT NULL))
) STRICT;
CREATE INDEX verdicts_for_reports ON verdicts (transcript_id, dimension, juror_endpoint, score);
CREATE INDEX verdicts_by_juror ON verdicts (juror_endpoint, dimension, score);

-- An expert's scores of a transcript: one row per (transcript, annotator); saving again
-- updates it in place and keeps its id.
CREATE TABLE annotations (
  id            TEXT PRIMARY KEY CHECK (id <> ''),
  transcript_id TEXT NOT NULL REFERENCES transcripts (id) ON DELETE CASCADE,
  annotator     TEXT NOT NULL CHECK (annotator <> ''),
  safety        INTEGER CHECK (safety BETWEEN 1 AND 5),
  accuracy      INTEGER CHECK (accuracy BETWEEN 1 AND 5),
  uncertainty   INTEGER CHECK (uncertainty BETWEEN 1 AND 5),
  note          TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  UNIQUE (transcript_id, annotator)
) STRICT;
)sql";

// Version 2: the engine's events per transcript, so a session can be replayed deterministically.
constexpr const char *kEventLog = R"sql(
CREATE TABLE event_log (
  transcript_id TEXT NOT NULL REFERENCES transcripts (id) ON DELETE CASCADE,
  seq           INTEGER NOT NULL CHECK (seq >= 0),
  json          TEXT NOT NULL CHECK (json_valid(json)),
  PRIMARY KEY (transcript_id, seq)
) STRICT;
)sql";

int query_int(Connection &connection, const char *sql) {
  Statement s = connection.prepare(sql);
  return s.step() ? int(s.int64(0)) : 0;
}

} // namespace

const std::vector<Migration> &store_migrations() {
  static const std::vector<Migration> steps = {
      {1, "initial schema: runs, transcripts, turns, wire logs, verdicts, annotations",
       kInitialSchema},
      {2, "event log for deterministic replay", kEventLog},
  };
  return steps;
}

int latest_schema_version() { return store_migrations().back().version; }

SchemaState read_schema_state(Connection &connection) {
  SchemaState state;
  state.application_id = int32_t(query_int(connection, "PRAGMA application_id"));
  state.user_version = query_int(connection, "PRAGMA user_version");
  state.table_count =
      query_int(connection, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'");
  return state;
}

Status check_schema_state(const SchemaState &state, const std::string &path) {
  if (state.is_empty())
    return ok_status();
  if (state.application_id != kStoreApplicationId)
    return Error{path, "", "an IMC store (a SQLite database written by imc)",
                 "another program's SQLite database (application_id " +
                     std::to_string(state.application_id) + ", " +
                     std::to_string(state.table_count) + " tables)"};
  if (state.user_version > latest_schema_version())
    return Error{path, "",
                 "a store of schema version " + std::to_string(latest_schema_version()) +
                     " or older (this imc's)",
                 "schema version " + std::to_string(state.user_version) +
                     ": it was written by a newer imc; use that one"};
  return ok_status();
}

Result<int> migrate_store(Connection &connection, int target_version) {
  if (auto ok = check_schema_state(read_schema_state(connection), connection.path()); !ok)
    return ok.errors();
  for (const Migration &step : store_migrations()) {
    if (step.version > target_version)
      break;
    Transaction tx(connection);
    // Re-read inside the write lock: another connection may have applied this step meanwhile.
    const SchemaState state = read_schema_state(connection);
    if (auto ok = check_schema_state(state, connection.path()); !ok)
      return ok.errors();
    if (state.user_version >= step.version)
      continue; // the transaction rolls back: nothing was written
    connection.exec(step.sql);
    if (step.version == 1)
      connection.exec("PRAGMA application_id = " + std::to_string(kStoreApplicationId));
    connection.exec("PRAGMA user_version = " + std::to_string(step.version));
    connection
        .prepare("INSERT INTO schema_migrations (version, name, applied_at) "
                 "VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))")
        .bind(1, step.version)
        .bind(2, step.name)
        .run();
    tx.commit();
  }
  return query_int(connection, "PRAGMA user_version");
}

} // namespace imc::store
