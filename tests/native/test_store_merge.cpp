// Merging stores: shards of one run, overlapping content, conflicts, never a duplicate.
#include "test_store_support.h"

#include <sstream>

namespace imc::test {
namespace {

using store::Store;

std::string export_all(Store &db) {
  std::ostringstream out;
  must(db.export_jsonl(std::nullopt, out));
  return out.str();
}

class StoreMerge : public ::testing::Test {
protected:
  // Shard 0 of run "r": cases a, b (b unfinished); shard 1: cases c, d plus an identical copy
  // of a and b finished. Each has verdicts, an annotation, a wire log and an event.
  void fill_shards() {
    must(a.create_run(make_run("r", 0, 2, 2)));
    must(b.create_run(make_run("r", 1, 2, 2)));
    const Transcript ta = make_transcript("t-a", "r", "case-a");
    const Transcript tb = make_transcript("t-b", "r", "case-b", "clinician-a", {}, 4);
    record(a, ta);
    Transcript tb_header = tb;
    tb_header.turns.clear();
    must(a.begin_transcript(tb_header));
    must(a.append_turn("t-b", tb.turns[0]));
    record(b, ta);
    record(b, tb);
    record(b, make_transcript("t-c", "r", "case-c"));
    record(b, make_transcript("t-d", "r", "case-d"));
    const auto verdict = [](const std::string &t, int score) {
      return make_verdict("v-" + t, t, "judge", Dimension::safety, score);
    };
    must(a.add_verdicts({verdict("t-a", 4)}));
    must(b.add_verdicts({verdict("t-a", 4), verdict("t-b", 2), verdict("t-c", 5)}));
    ExpertAnnotation note;
    note.id = "a-1";
    note.transcript_id = "t-a";
    note.annotator = "Dr. A";
    note.scores = {4, 4, 4};
    note.created_at = "2026-11-27T12:00:00.000Z";
    must(a.save_annotation(note));
    must(b.save_annotation(note));
    note.id = "a-2";
    note.transcript_id = "t-c";
    must(b.save_annotation(note));
    must(b.add_wire_log({0, "t-c", 1, "wl-1", "", "", "{}", "reply", "ok", 200}));
    must(b.append_event("t-c", R"({"kind":"call_done"})"));
  }

  TempDir dir;
  Store a = must(Store::open(dir / "a.db"));
  Store b = must(Store::open(dir / "b.db"));
};

TEST_F(StoreMerge, OverlappingShardsMergeWithoutDuplicates) {
  fill_shards();
  const store::MergeReport report = must(a.merge(dir / "b.db"));
  EXPECT_EQ(report.runs.already_present, 1);
  EXPECT_EQ(report.run_shards.added, 1);
  EXPECT_EQ(report.transcripts.added, 2);           // t-c, t-d
  EXPECT_EQ(report.transcripts.already_present, 1); // t-a
  EXPECT_EQ(report.transcripts.replaced, 1);        // t-b: unfinished here, complete there
  EXPECT_EQ(report.verdicts.added, 2);
  EXPECT_EQ(report.verdicts.already_present, 1);
  EXPECT_EQ(report.annotations.added, 1);
  EXPECT_EQ(report.annotations.already_present, 1);
  EXPECT_EQ(report.wire_logs.added, 1);
  EXPECT_EQ(report.events.added, 1);
  EXPECT_EQ(report.conflict_count(), 0) << testing::PrintToString(report.conflicts);

  const auto transcripts = must(a.list_transcripts({}));
  ASSERT_EQ(transcripts.size(), 4u);
  for (const auto &t : transcripts)
    EXPECT_EQ(t.status.state, TranscriptState::complete) << t.id;
  EXPECT_EQ(must(a.get_transcript("t-b")), must(b.get_transcript("t-b")));
  const store::RunRecord run = must(a.get_run("r"));
  EXPECT_EQ(run.shards_held, (std::vector<int>{0, 1}));
  EXPECT_EQ(run.progress.planned, 4);

  // Merging again changes nothing.
  const std::string before = export_all(a);
  const store::StoreCounts counts = must(a.counts());
  const store::MergeReport again = must(a.merge(dir / "b.db"));
  EXPECT_EQ(again.transcripts.added + again.transcripts.replaced, 0);
  EXPECT_EQ(again.transcripts.already_present, 4);
  EXPECT_EQ(again.verdicts.added + again.annotations.added + again.wire_logs.added, 0);
  EXPECT_EQ(again.conflict_count(), 0);
  EXPECT_EQ(export_all(a), before);
  const store::StoreCounts after = must(a.counts());
  EXPECT_EQ(after.transcripts_complete, counts.transcripts_complete);
  EXPECT_EQ(after.verdicts, counts.verdicts);
  EXPECT_EQ(after.annotations, counts.annotations);
  EXPECT_EQ(after.turns, counts.turns);

  // And the other direction arrives at the same transcripts.
  must(b.merge(dir / "a.db"));
  EXPECT_EQ(export_all(b), export_all(a));
}

TEST_F(StoreMerge, ConflictsKeepTheTargetsRecords) {
  must(a.create_run(make_run("r")));
  must(b.create_run(make_run("r")));
  record(a, make_transcript("t-1", "r", "case-a"));
  Transcript different = make_transcript("t-1", "r", "case-a");
  different.turns[1].text = "another answer";
  record(b, different);
  record(a, make_transcript("t-2", "r", "case-b"));
  record(b, make_transcript("t-3", "r", "case-b", "clinician-a", {}, 4)); // t-2's work item
  must(a.add_verdicts({make_verdict("v-1", "t-1", "judge", Dimension::safety, 4)}));
  must(b.add_verdicts({make_verdict("v-1", "t-1", "judge", Dimension::safety, 1)}));

  const store::MergeReport report = must(a.merge(dir / "b.db"));
  EXPECT_EQ(report.transcripts.conflicting, 2);
  EXPECT_EQ(report.verdicts.conflicting, 1);
  ASSERT_EQ(report.conflicts.size(), 3u);
  EXPECT_NE(report.conflicts[0].find("transcript 't-1': differs from the one of this id"),
            std::string::npos)
      << report.conflicts[0];
  EXPECT_NE(report.conflicts[1].find("transcript 't-3': differs from transcript 't-2' (same "
                                     "work item)"),
            std::string::npos)
      << report.conflicts[1];
  EXPECT_NE(report.conflicts[2].find("verdict 'v-1': its transcript was not merged"),
            std::string::npos)
      << report.conflicts[2];
  EXPECT_EQ(must(a.get_transcript("t-1")), make_transcript("t-1", "r", "case-a"));
  EXPECT_EQ(must(a.list_transcripts({})).size(), 2u);
  EXPECT_EQ(*must(a.list_verdicts("t-1"))[0].score, 4);
}

TEST_F(StoreMerge, RunWithAnotherConfigIsAConflictAndItsTranscriptsStayOut) {
  must(a.create_run(make_run("r")));
  store::RunRecord other = make_run("r");
  other.config_json = R"({"pack":"elsewhere"})";
  must(b.create_run(other));
  record(b, make_transcript("t-1", "r"));
  record(b, make_transcript("s-1", ""));
  const store::MergeReport report = must(a.merge(dir / "b.db"));
  EXPECT_EQ(report.runs.conflicting, 1);
  EXPECT_EQ(report.transcripts.conflicting, 1);
  EXPECT_EQ(report.transcripts.added, 1); // the session outside any run
  EXPECT_EQ(must(a.list_transcripts({})).size(), 1u);
}

TEST_F(StoreMerge, MissingOrSameStoreIsRefused) {
  auto missing = a.merge(dir / "nope.db");
  ASSERT_FALSE(missing);
  EXPECT_EQ(messages(missing.errors()), dir / "nope.db" + ": no such file\n");
  EXPECT_FALSE(a.merge(dir / "a.db"));
}

} // namespace
} // namespace imc::test
