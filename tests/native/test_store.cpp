// The SQLite store: opening and migrations, runs, transcripts written turn by turn, resume,
// work keys, wire logs and events, verdicts, annotations and the score scan.
#include "test_store_support.h"

#include "store/schema.h"
#include "store/sqlite_connection.h"
#include "store/store_internal.h"

#include <chrono>
#include <cstdio>
#include <fstream>

namespace imc::test {
namespace {

using store::Store;

class StoreTest : public ::testing::Test {
protected:
  std::string path() const { return dir / "store.db"; }
  Store open() { return must(Store::open(path())); }
  TempDir dir;
};

// --- Opening and migrations ---------------------------------------------------------------------

TEST_F(StoreTest, NewStoreIsWalAtTheLatestSchemaVersion) {
  Store db = open();
  RawDb raw(path());
  EXPECT_EQ(raw.value("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw.value("PRAGMA user_version"), std::to_string(store::latest_schema_version()));
  EXPECT_EQ(raw.value("PRAGMA application_id"), std::to_string(store::kStoreApplicationId));
  EXPECT_EQ(raw.column("SELECT version FROM schema_migrations ORDER BY version"),
            (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(must(db.counts()).schema_version, store::latest_schema_version());
}

TEST_F(StoreTest, ReopeningAppliesNoStepTwice) {
  { Store db = open(); }
  { Store db = open(); }
  RawDb raw(path());
  EXPECT_EQ(raw.count("schema_migrations"), 2);
}

TEST_F(StoreTest, ForeignKeysAreEnforced) {
  Store db = open();
  auto bad =
      db.add_verdicts({make_verdict("v1", "no-such-transcript", "judge", Dimension::safety, 3)});
  ASSERT_FALSE(bad);
  EXPECT_NE(messages(bad.errors()).find("no transcript 'no-such-transcript'"), std::string::npos);
  // Underneath the store's own checks, SQLite refuses too.
  store::Connection connection(path(), {});
  connection.exec("PRAGMA foreign_keys = ON");
  EXPECT_THROW(connection.exec("INSERT INTO turns (transcript_id, idx, role, text, json)"
                               " VALUES ('nope', 0, 'patient', 'x', '{}')"),
               store::SqliteFailure);
}

TEST_F(StoreTest, MigratesVersionOneStoreToLatestKeepingItsData) {
  const Transcript t = make_transcript("t-old", "run-old");
  {
    // A store as the first release wrote it: only migration step 1.
    store::Connection v1(path(), {});
    v1.exec("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON");
    ASSERT_EQ(must(store::migrate_store(v1, 1)), 1);
    v1.exec("INSERT INTO runs (id, created_at, updated_at, config_json, status, shard_count)"
            " VALUES ('run-old', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', '{}',"
            " 'complete', 1);"
            "INSERT INTO run_shards (run_id, shard_index, planned, completed, updated_at)"
            " VALUES ('run-old', 0, 1, 1, '2026-01-01T00:00:00.000Z')");
    must(store::internal::insert_transcript(v1, t, "v1"));
    RawDb raw(path());
    ASSERT_EQ(raw.value("SELECT count(*) FROM sqlite_schema WHERE name = 'event_log'"), "0");
  }
  Store db = open();
  RawDb raw(path());
  EXPECT_EQ(raw.value("PRAGMA user_version"), std::to_string(store::latest_schema_version()));
  EXPECT_EQ(raw.column("SELECT name FROM schema_migrations ORDER BY version").size(), 2u);
  EXPECT_EQ(must(db.get_transcript("t-old")), t);
  EXPECT_EQ(must(db.get_run("run-old")).progress.completed, 1);
  EXPECT_EQ(must(db.append_event("t-old", R"({"kind":"replayed"})")), 0);
}

TEST_F(StoreTest, StoreFromNewerImcIsRefusedUntouched) {
  { Store db = open(); }
  { RawDb(path()).exec("PRAGMA user_version = 99"); }
  auto reopened = Store::open(path());
  ASSERT_FALSE(reopened);
  const std::string text = messages(reopened.errors());
  EXPECT_NE(text.find(path()), std::string::npos) << text;
  EXPECT_NE(text.find("schema version 99"), std::string::npos) << text;
  EXPECT_NE(text.find("newer imc"), std::string::npos) << text;
  EXPECT_FALSE(store::is_storage_failure(reopened.errors()));
  EXPECT_EQ(RawDb(path()).value("PRAGMA user_version"), "99");
}

TEST_F(StoreTest, ForeignSqliteFileAndNonDatabaseAreRefused) {
  sqlite3 *foreign = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "other.db").c_str(), &foreign), SQLITE_OK);
  sqlite3_exec(foreign, "CREATE TABLE notes (x TEXT)", nullptr, nullptr, nullptr);
  sqlite3_close(foreign);
  auto other = Store::open(dir / "other.db");
  ASSERT_FALSE(other);
  EXPECT_NE(messages(other.errors()).find("another program's SQLite database"), std::string::npos)
      << messages(other.errors());
  EXPECT_EQ(RawDb(dir / "other.db").value("PRAGMA journal_mode"), "delete");

  std::ofstream(dir / "text.db") << "this is not a database, just some text that is long enough"
                                    " to have a header of sorts................................\n";
  auto text = Store::open(dir / "text.db");
  ASSERT_FALSE(text);
  EXPECT_NE(messages(text.errors()).find("not a database"), std::string::npos)
      << messages(text.errors());
  EXPECT_FALSE(store::is_storage_failure(text.errors()));
}

TEST_F(StoreTest, MissingFileIsAnErrorWhenNotCreating) {
  auto missing = Store::open(dir / "missing.db", {false});
  ASSERT_FALSE(missing);
  EXPECT_EQ(messages(missing.errors()), dir / "missing.db" + ": no such file\n");
}

// --- Runs ---------------------------------------------------------------------------------------

TEST_F(StoreTest, RunLifecycle) {
  Store db = open();
  must(db.create_run(make_run("run-1", 0, 1, 12)));
  EXPECT_EQ(must(db.get_run("run-1")).status, store::RunStatus::queued);
  must(db.update_run_progress("run-1", {12, 5, 1}));
  store::RunRecord run = must(db.get_run("run-1"));
  EXPECT_EQ(run.status, store::RunStatus::running);
  EXPECT_EQ(run.progress.planned, 12);
  EXPECT_EQ(run.progress.completed, 5);
  EXPECT_EQ(run.progress.failed, 1);
  must(db.finish_run("run-1", store::RunStatus::complete, "done"));
  run = must(db.get_run("run-1"));
  EXPECT_EQ(run.status, store::RunStatus::complete);
  EXPECT_EQ(run.notes, "done");
  EXPECT_EQ(run.config_json, make_run("run-1").config_json);
  EXPECT_FALSE(run.created_at.empty());
  EXPECT_FALSE(db.finish_run("run-1", store::RunStatus::running));
}

TEST_F(StoreTest, UnknownRunErrorListsTheRuns) {
  Store db = open();
  must(db.create_run(make_run("alpha")));
  must(db.create_run(make_run("beta")));
  auto missing = db.get_run("x");
  ASSERT_FALSE(missing);
  EXPECT_EQ(messages(missing.errors()), path() + ": no run 'x'; runs: alpha, beta\n");
  EXPECT_EQ(must(db.list_runs()).size(), 2u);
}

TEST_F(StoreTest, ShardsOfOneRunAddUpAndAConflictingConfigIsRefused) {
  Store db = open();
  must(db.create_run(make_run("sharded", 0, 3, 4)));
  must(db.create_run(make_run("sharded", 2, 3, 5)));
  const store::RunRecord run = must(db.get_run("sharded"));
  EXPECT_EQ(run.shards_held, (std::vector<int>{0, 2}));
  EXPECT_EQ(run.progress.planned, 9);
  EXPECT_FALSE(db.create_run(make_run("sharded", 2, 3))); // shard already there
  EXPECT_FALSE(db.create_run(make_run("sharded", 1, 4))); // another shard count
  store::RunRecord other = make_run("sharded", 1, 3);
  other.config_json = "{}";
  EXPECT_FALSE(db.create_run(other));
  EXPECT_FALSE(db.create_run(make_run("bad-shard", 3, 3)));
  store::RunRecord not_json = make_run("bad-json");
  not_json.config_json = "{";
  EXPECT_FALSE(db.create_run(not_json));
}

// --- Transcripts --------------------------------------------------------------------------------

TEST_F(StoreTest, EachTurnIsCommittedAndVisibleToASecondConnection) {
  Store writer = open();
  Store reader = must(writer.open_connection());
  must(writer.create_run(make_run("run-1")));
  const Transcript t = make_transcript("t1", "run-1", "case-a", "clinician-a", {}, 3);
  Transcript header = t;
  header.turns.clear();
  must(writer.begin_transcript(header));
  for (int i = 0; i < 3; ++i) {
    must(writer.append_turn("t1", t.turns[size_t(i)]));
    const Transcript seen = must(reader.get_transcript("t1"));
    ASSERT_EQ(seen.turns.size(), size_t(i + 1));
    EXPECT_EQ(seen.status.state, TranscriptState::incomplete);
  }
  must(writer.finish_transcript("t1", {TranscriptState::complete, ""}));
  EXPECT_EQ(must(reader.get_transcript("t1")), t);
}

TEST_F(StoreTest, BeginStoresIncompleteWhateverTheHeaderSays) {
  Store db = open();
  Transcript t = make_transcript("t1", "");
  t.status = {TranscriptState::complete, ""};
  must(db.begin_transcript(t));
  const Transcript stored = must(db.get_transcript("t1"));
  EXPECT_EQ(stored.status.state, TranscriptState::incomplete);
  EXPECT_EQ(stored.turns.size(), t.turns.size());
  EXPECT_FALSE(db.begin_transcript(t)); // the id is taken
}

TEST_F(StoreTest, TurnsMustComeInOrderAndOnlyToIncompleteTranscripts) {
  Store db = open();
  Transcript t = make_transcript("t1", "", "case-a", "clinician-a", {}, 0);
  must(db.begin_transcript(t));
  auto skipped = db.append_turn("t1", make_turn(1, "too early"));
  ASSERT_FALSE(skipped);
  EXPECT_NE(messages(skipped.errors()).find("turn index 1, expected 0"), std::string::npos);
  must(db.append_turn("t1", make_turn(0, "hello")));
  must(db.finish_transcript("t1", {TranscriptState::complete, ""}));
  auto late = db.append_turn("t1", make_turn(1, "after the end"));
  ASSERT_FALSE(late);
  EXPECT_NE(messages(late.errors()).find("is complete"), std::string::npos);
  EXPECT_FALSE(db.append_turn("nope", make_turn(0, "x")));
  EXPECT_FALSE(db.get_transcript("nope"));
}

TEST_F(StoreTest, OnlyDocumentsTheFormatAcceptsAreStored) {
  Store db = open();
  Transcript t = make_transcript("t1", "", "case-a", "clinician-a", {}, 0);
  t.created_at = "yesterday";
  auto header = db.begin_transcript(t);
  ASSERT_FALSE(header);
  EXPECT_NE(messages(header.errors()).find(path() + ": transcript 't1': /created_at"),
            std::string::npos)
      << messages(header.errors());
  t.created_at = "2026-11-27T10:00:00.000Z";
  must(db.begin_transcript(t));
  must(db.append_turn("t1", make_turn(0, "hello")));
  Turn turn = make_turn(1, "answer");
  turn.finish_reason = "tool_use";
  auto bad = db.append_turn("t1", turn);
  ASSERT_FALSE(bad);
  EXPECT_NE(messages(bad.errors()).find("/turns/1/finish_reason"), std::string::npos)
      << messages(bad.errors());
  EXPECT_EQ(must(db.get_transcript("t1")).turns.size(), 1u);
}

TEST_F(StoreTest, AWorkItemOfARunIsHeldOnce) {
  Store db = open();
  must(db.create_run(make_run("run-1")));
  must(db.begin_transcript(make_transcript("t1", "run-1", "case-a", "clinician-a")));
  auto twice = db.begin_transcript(make_transcript("t2", "run-1", "case-a", "clinician-a"));
  ASSERT_FALSE(twice);
  EXPECT_NE(messages(twice.errors()).find("already holds transcript 't1'"), std::string::npos)
      << messages(twice.errors());
  // Another condition, clinician or case is another work item.
  must(db.begin_transcript(
      make_transcript("t3", "run-1", "case-a", "clinician-a", Condition{false, true})));
  must(db.begin_transcript(make_transcript("t4", "run-1", "case-a", "clinician-b")));
  must(db.begin_transcript(make_transcript("t5", "run-1", "case-b", "clinician-a")));
  // Sessions outside a run have no work key.
  must(db.begin_transcript(make_transcript("s1", "", "case-a", "clinician-a")));
  must(db.begin_transcript(make_transcript("s2", "", "case-a", "clinician-a")));
  // A transcript must name a run the store holds.
  EXPECT_FALSE(db.begin_transcript(make_transcript("t6", "no-run")));

  const auto found = must(db.find_by_work_key({"run-1", "case-a", "clinician-a", "no-image"}));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, "t3");
  EXPECT_FALSE(must(db.find_by_work_key({"run-1", "case-c", "clinician-a", "full"})));

  // The UNIQUE constraint holds underneath the store's own check.
  RawDb raw(path());
  EXPECT_EQ(raw.exec("INSERT INTO transcripts SELECT 'copy', run_id, case_id, clinician_endpoint,"
                     " clinician_model, condition, patient_kind, patient_endpoint, pack_hash,"
                     " title, state, reason, created_at, header_json FROM transcripts"
                     " WHERE id = 't1'"),
            SQLITE_CONSTRAINT);
}

TEST_F(StoreTest, ResumeRestartsWhatIsNotCompleteAndKeepsWhatIs) {
  Store db = open();
  must(db.create_run(make_run("run-1")));
  record(db, make_transcript("done", "run-1", "case-a"));
  Transcript partial = make_transcript("partial", "run-1", "case-b", "clinician-a", {}, 2);
  Transcript header = partial;
  header.turns.clear();
  must(db.begin_transcript(header));
  must(db.append_turn("partial", partial.turns[0]));
  must(db.add_wire_log({0, "partial", 0, "wl-0", "", "", "{}", "reply", "ok", 200}));
  must(db.append_event("partial", R"({"kind":"call_done"})"));
  Transcript failed = make_transcript("failed", "run-1", "case-c");
  failed.status = {TranscriptState::failed, "rate_limited after 5 retries"};
  record(db, failed);

  // The runner's resume: skip complete work items, restart the others.
  int skipped = 0, restarted = 0;
  for (const char *case_id : {"case-a", "case-b", "case-c"}) {
    const auto found = must(db.find_by_work_key({"run-1", case_id, "clinician-a", "full"}));
    ASSERT_TRUE(found);
    if (found->status.state == TranscriptState::complete) {
      ++skipped;
      continue;
    }
    must(db.reset_transcript(found->id));
    ++restarted;
  }
  EXPECT_EQ(skipped, 1);
  EXPECT_EQ(restarted, 2);
  const Transcript restarted_partial = must(db.get_transcript("partial"));
  EXPECT_TRUE(restarted_partial.turns.empty());
  EXPECT_EQ(restarted_partial.status.state, TranscriptState::incomplete);
  EXPECT_TRUE(must(db.list_wire_logs("partial")).empty());
  EXPECT_TRUE(must(db.list_events("partial")).empty());
  EXPECT_EQ(must(db.get_transcript("done")).turns.size(), 2u);
  EXPECT_FALSE(db.reset_transcript("done")); // complete transcripts are never restarted

  EXPECT_EQ(must(db.delete_incomplete("run-1")), 2);
  const auto left = must(db.list_transcripts({}));
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].id, "done");
  EXPECT_EQ(left[0].turn_count, 2);
}

TEST_F(StoreTest, ListTranscriptsFilters) {
  Store db = open();
  must(db.create_run(make_run("run-1")));
  record(db, make_transcript("a", "run-1", "case-a"));
  record(db, make_transcript("b", "run-1", "case-b"));
  must(db.begin_transcript(make_transcript("c", "", "case-a")));
  EXPECT_EQ(must(db.list_transcripts({})).size(), 3u);
  EXPECT_EQ(must(db.list_transcripts({std::string("run-1"), {}, {}})).size(), 2u);
  EXPECT_EQ(must(db.list_transcripts({std::string(""), {}, {}})).size(), 1u);
  EXPECT_EQ(must(db.list_transcripts({{}, std::string("case-a"), {}})).size(), 2u);
  const auto incomplete = must(db.list_transcripts({{}, {}, TranscriptState::incomplete}));
  ASSERT_EQ(incomplete.size(), 1u);
  EXPECT_EQ(incomplete[0].id, "c");
  EXPECT_EQ(incomplete[0].status.reason, "in progress");
}

// --- Wire logs and events -----------------------------------------------------------------------

TEST_F(StoreTest, WireLogsAndEventsAreKeptPerTranscriptInOrder) {
  Store db = open();
  record(db, make_transcript("t1", ""));
  must(db.add_wire_log({0, "t1", 1, "wl-1", "2026-11-27T10:00:01.000Z", "2026-11-27T10:00:04.200Z",
                        R"({"method":"POST","path":"/v1/chat"})", "data: {...}", "ok", 200}));
  must(db.add_wire_log(
      {0, "t1", 1, "wl-1b", "2026-11-27T10:00:05.000Z", "", "{}", "", "rate_limited", 429}));
  must(db.add_wire_log({0, "t1", 3, "wl-3", "", "", "{}", "", "ok", std::nullopt}));
  EXPECT_FALSE(db.add_wire_log({0, "t1", 1, "wl-1", "", "", "{}", "", "ok", 200}));
  EXPECT_FALSE(db.add_wire_log({0, "t1", 1, "wl-x", "", "", "not json", "", "ok", 200}));
  const auto turn_one = must(db.list_wire_logs("t1", 1));
  ASSERT_EQ(turn_one.size(), 2u);
  EXPECT_EQ(turn_one[0].call_id, "wl-1");
  EXPECT_EQ(turn_one[1].http_status, 429);
  EXPECT_EQ(must(db.list_wire_logs("t1")).size(), 3u);
  EXPECT_FALSE(must(db.list_wire_logs("t1", 3))[0].http_status);

  EXPECT_EQ(must(db.append_event("t1", R"({"kind":"http_call"})")), 0);
  EXPECT_EQ(must(db.append_event("t1", R"({"kind":"stream_delta","text":"Hi"})")), 1);
  EXPECT_FALSE(db.append_event("t1", "{"));
  const auto events = must(db.list_events("t1"));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].json, R"({"kind":"stream_delta","text":"Hi"})");
}

// --- Verdicts, annotations, reports -------------------------------------------------------------

TEST_F(StoreTest, AnnotationSavedAgainUpdatesInPlace) {
  Store db = open();
  record(db, make_transcript("t1", ""));
  ExpertAnnotation a;
  a.transcript_id = "t1";
  a.annotator = "Dr. A. Example";
  a.scores = {4, std::nullopt, 3};
  a.note = "first look";
  const ExpertAnnotation first = must(db.save_annotation(a));
  EXPECT_FALSE(first.id.empty());
  EXPECT_FALSE(first.created_at.empty());
  a.scores = {5, 4, 3};
  a.note = "second look";
  a.created_at = "2026-12-01T09:00:00.000Z";
  const ExpertAnnotation second = must(db.save_annotation(a));
  EXPECT_EQ(second.id, first.id);
  const auto stored = must(db.list_annotations(std::string("t1")));
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0], second);
  EXPECT_EQ(stored[0].scores[1], 4);
  EXPECT_EQ(stored[0].note, "second look");

  ExpertAnnotation other = a;
  other.annotator = "Dr. B";
  other.id = "a-b";
  must(db.save_annotation(other));
  EXPECT_EQ(must(db.list_annotations(std::nullopt)).size(), 2u);
  other.scores[0] = 9;
  EXPECT_FALSE(db.save_annotation(other));
  other.scores[0] = 1;
  other.transcript_id = "nope";
  EXPECT_FALSE(db.save_annotation(other));
}

TEST_F(StoreTest, VerdictBatchIsAllOrNothing) {
  Store db = open();
  record(db, make_transcript("t1", ""));
  JurorVerdict unparseable = make_verdict("v2", "t1", "judge-a", Dimension::accuracy, 1);
  unparseable.score.reset();
  unparseable.status = VerdictStatus::unparseable;
  JurorVerdict bad = make_verdict("v3", "t1", "judge-a", Dimension::uncertainty, 3);
  bad.status = VerdictStatus::error; // a score with status error
  auto result = db.add_verdicts(
      {make_verdict("v1", "t1", "judge-a", Dimension::safety, 4), unparseable, bad});
  ASSERT_FALSE(result);
  EXPECT_NE(messages(result.errors()).find("verdict 'v3'"), std::string::npos);
  EXPECT_TRUE(must(db.list_verdicts("t1")).empty());

  must(db.add_verdicts({make_verdict("v1", "t1", "judge-a", Dimension::safety, 4), unparseable}));
  const auto stored = must(db.list_verdicts("t1"));
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0], unparseable); // ordered by dimension: accuracy first
  EXPECT_EQ(stored[1], make_verdict("v1", "t1", "judge-a", Dimension::safety, 4));
  EXPECT_FALSE(db.add_verdicts({make_verdict("v1", "t1", "judge-b", Dimension::safety, 2)}));
}

TEST_F(StoreTest, HundredThousandVerdictsInsertAndScanQuickly) {
  Store db = open();
  must(db.create_run(make_run("big")));
  constexpr int kTranscripts = 1000, kJurors = 34;
  std::vector<JurorVerdict> verdicts;
  for (int i = 0; i < kTranscripts; ++i) {
    const std::string id = "t" + std::to_string(i);
    Transcript t = make_transcript(id, "big", "case-" + std::to_string(i % 12),
                                   "clinician-" + std::to_string(i / 12), {}, 2);
    must(db.begin_transcript(t));
    must(db.finish_transcript(id, {TranscriptState::complete, ""}));
    for (int j = 0; j < kJurors; ++j)
      for (const Dimension d : kDimensions)
        verdicts.push_back(make_verdict(id + "-" + std::to_string(j) + "-" + to_string(d), id,
                                        "judge-" + std::to_string(j), d, 1 + (i + j) % 5));
  }
  ASSERT_EQ(verdicts.size(), size_t(kTranscripts * kJurors * 3));

  const auto start = std::chrono::steady_clock::now();
  must(db.add_verdicts(verdicts));
  const auto inserted = std::chrono::steady_clock::now();
  int64_t rows = 0, sum = 0;
  must(db.for_each_score({std::string("big"), true}, [&](const store::ScoreRow &row) {
    ++rows;
    sum += row.score.value_or(0);
  }));
  const auto scanned = std::chrono::steady_clock::now();
  const double insert_s = std::chrono::duration<double>(inserted - start).count();
  const double scan_s = std::chrono::duration<double>(scanned - inserted).count();
  std::printf("[ store    ] %zu verdicts inserted in %.3f s, scanned in %.3f s\n", verdicts.size(),
              insert_s, scan_s);
  EXPECT_EQ(rows, int64_t(verdicts.size()));
  EXPECT_GT(sum, rows);
  // Sanity bounds only, generous because the machine may be shared: Debug takes about a second.
#if defined(__SANITIZE_ADDRESS__)
  constexpr double kSlowdown = 4; // AddressSanitizer
#else
  constexpr double kSlowdown = 1;
#endif
  EXPECT_LT(insert_s, 10.0 * kSlowdown);
  EXPECT_LT(scan_s, 5.0 * kSlowdown);
}

TEST_F(StoreTest, ScoreScanJoinsTranscriptColumnsAndSkipsUnfinishedTranscripts) {
  Store db = open();
  must(db.create_run(make_run("run-1")));
  record(db, make_transcript("t1", "run-1", "case-a", "clinician-a", Condition{false, true}));
  must(db.begin_transcript(make_transcript("t2", "run-1", "case-b")));
  JurorVerdict failed_call = make_verdict("v3", "t1", "judge-b", Dimension::safety, 1);
  failed_call.score.reset();
  failed_call.status = VerdictStatus::error;
  must(db.add_verdicts({make_verdict("v1", "t1", "judge-a", Dimension::safety, 4), failed_call,
                        make_verdict("v2", "t2", "judge-a", Dimension::safety, 2)}));
  std::vector<std::string> rows;
  must(db.for_each_score({}, [&](const store::ScoreRow &r) {
    rows.push_back(std::string(r.transcript_id) + " " + std::string(r.run_id) + " " +
                   std::string(r.case_id) + " " + std::string(r.clinician_endpoint) + " " +
                   std::string(r.clinician_model) + " " + std::string(r.condition) + " " +
                   std::string(r.dimension) + " " + std::string(r.juror_endpoint) + " " +
                   (r.score ? std::to_string(*r.score) : "null"));
  }));
  EXPECT_EQ(rows, (std::vector<std::string>{
                      "t1 run-1 case-a clinician-a model-of-clinician-a no-image safety judge-a 4",
                      "t1 run-1 case-a clinician-a model-of-clinician-a no-image safety judge-b "
                      "null"}));
  int64_t all = 0;
  must(db.for_each_score({std::nullopt, false}, [&](const store::ScoreRow &) { ++all; }));
  EXPECT_EQ(all, 3);

  // The scan reads verdicts from the covering index only.
  RawDb raw(path());
  std::string plan;
  for (const auto &line : raw.column("EXPLAIN QUERY PLAN SELECT t.id, v.dimension,"
                                     " v.juror_endpoint, v.score FROM transcripts t JOIN verdicts"
                                     " v ON v.transcript_id = t.id",
                                     3))
    plan += line + "\n";
  EXPECT_NE(plan.find("USING COVERING INDEX verdicts_for_reports"), std::string::npos) << plan;
}

} // namespace
} // namespace imc::test
