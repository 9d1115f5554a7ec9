// The store's JSON Lines interchange: export, import all or nothing, byte-identical round trip.
#include "support/test_paths.h"
#include "test_store_support.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace imc::test {
namespace {

using store::Store;

std::string read_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The demo pack's bundled transcripts, as the core parses them.
std::vector<Transcript> demo_transcripts() {
  std::vector<Transcript> out;
  const std::filesystem::path folder =
      std::string(imc::test::source_dir()) + "/assets/demo/transcripts";
  for (const auto &entry : std::filesystem::directory_iterator(folder))
    if (entry.path().extension() == ".json")
      out.push_back(must(parse_transcript(read_file(entry.path()), entry.path().string())));
  return out;
}

std::string export_text(Store &db, const std::optional<std::string> &run = std::nullopt) {
  std::ostringstream out;
  must(db.export_jsonl(run, out));
  return out.str();
}

std::vector<std::string> lines_of(const std::string &text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

class StoreInterchange : public ::testing::Test {
protected:
  // A store with runs, sessions, unfinished and failed transcripts, odd text and the demo pack.
  void fill(Store &db) {
    must(db.create_run(make_run("run-1")));
    must(db.create_run(make_run("run-2")));
    record(db, make_transcript("r1-a", "run-1", "case-a"));
    record(db,
           make_transcript("r1-b", "run-1", "case-b", "clinician-b", Condition{false, false}, 5));
    Transcript failed = make_transcript("r2-a", "run-2", "case-a");
    failed.status = {TranscriptState::failed, "timeout: \"first byte\" after 60 s\nretried"};
    failed.turns.back().error = TurnError{"timeout", "no first byte in 60000 ms"};
    failed.turns.back().finish_reason = "error";
    record(db, failed);
    Transcript partial = make_transcript("r2-b", "run-2", "case-b", "clinician-a", {}, 3);
    partial.turns.resize(1);
    Transcript header = partial;
    header.turns.clear();
    must(db.begin_transcript(header));
    must(db.append_turn("r2-b", partial.turns[0]));
    Transcript human = make_transcript("session-1", "");
    human.patient = {PatientKind::human, "", "", "Ana"};
    human.provenance = {ProvenanceKind::human_session, "typed by a clinician"};
    human.clinician.parameters = {};
    human.prompt_hashes.clear();
    human.title.clear();
    record(db, human);
    for (const Transcript &t : demo_transcripts())
      record(db, t);
  }

  TempDir dir;
};

TEST_F(StoreInterchange, ExportImportExportIsByteIdentical) {
  Store first = must(Store::open(dir / "first.db"));
  fill(first);
  const std::string exported = export_text(first);
  const auto lines = lines_of(exported);
  ASSERT_EQ(lines.size(), 5u + demo_transcripts().size());

  // Each line is the core codec's own one-line form of the stored transcript, ordered by id.
  std::vector<std::string> ids;
  for (const auto &summary : must(first.list_transcripts({})))
    ids.push_back(summary.id);
  for (size_t i = 0; i < lines.size(); ++i)
    EXPECT_EQ(lines[i], serialize_transcript(must(first.get_transcript(ids[i])), false));

  Store second = must(Store::open(dir / "second.db"));
  std::istringstream in(exported);
  const store::ImportReport report = must(second.import_jsonl(in, "first.jsonl"));
  EXPECT_EQ(report.imported, int64_t(lines.size()));
  EXPECT_EQ(report.runs_created, (std::vector<std::string>{"run-1", "run-2"}));
  EXPECT_EQ(export_text(second), exported);
  EXPECT_EQ(must(second.get_transcript("r2-a")), must(first.get_transcript("r2-a")));
  EXPECT_EQ(must(second.get_run("run-2")).progress.failed, 1);
}

TEST_F(StoreInterchange, ExportOfOneRunHoldsOnlyItsTranscripts) {
  Store db = must(Store::open(dir / "s.db"));
  fill(db);
  const auto run_1 = lines_of(export_text(db, std::string("run-1")));
  ASSERT_EQ(run_1.size(), 2u);
  EXPECT_EQ(run_1[0], serialize_transcript(must(db.get_transcript("r1-a")), false));
  EXPECT_EQ(lines_of(export_text(db, std::string(""))).size(), 1u + demo_transcripts().size());
  std::ostringstream sink;
  auto missing = db.export_jsonl(std::string("nope"), sink);
  ASSERT_FALSE(missing);
  EXPECT_EQ(messages(missing.errors()), dir / "s.db" + ": no run 'nope'; runs: run-1, run-2\n");
}

TEST_F(StoreInterchange, BadLineThreeImportsNothing) {
  Store source = must(Store::open(dir / "source.db"));
  fill(source);
  auto lines = lines_of(export_text(source));
  lines[2].replace(lines[2].find("\"state\":\""), 9, "\"state\":\"finished-");
  std::string text;
  for (const auto &line : lines)
    text += line + "\n";

  Store target = must(Store::open(dir / "target.db"));
  std::istringstream in(text);
  auto result = target.import_jsonl(in, "bad.jsonl");
  ASSERT_FALSE(result);
  const std::string errors = messages(result.errors());
  EXPECT_NE(errors.find("bad.jsonl:3: /status/state"), std::string::npos) << errors;
  EXPECT_EQ(result.errors().size(), 1u) << errors;
  EXPECT_FALSE(store::is_storage_failure(result.errors()));
  const store::StoreCounts counts = must(target.counts());
  EXPECT_EQ(counts.transcripts_complete + counts.transcripts_incomplete + counts.transcripts_failed,
            0);
  EXPECT_EQ(counts.turns, 0);
  EXPECT_EQ(counts.runs, 0);
}

TEST_F(StoreInterchange, ImportingAgainSkipsIdenticalAndRefusesDifferentTranscripts) {
  Store source = must(Store::open(dir / "source.db"));
  fill(source);
  const std::string exported = export_text(source);
  Store target = must(Store::open(dir / "target.db"));
  std::istringstream first(exported);
  must(target.import_jsonl(first, "a.jsonl"));
  std::istringstream again(exported);
  const store::ImportReport report = must(target.import_jsonl(again, "a.jsonl"));
  EXPECT_EQ(report.imported, 0);
  EXPECT_EQ(report.already_present, int64_t(lines_of(exported).size()));

  Transcript changed = must(source.get_transcript("r1-a"));
  changed.turns[0].text = "something else";
  std::istringstream different("\n" + serialize_transcript(changed, false) + "\n");
  auto refused = target.import_jsonl(different, "b.jsonl");
  ASSERT_FALSE(refused);
  EXPECT_NE(messages(refused.errors()).find("b.jsonl:2: /id: transcript 'r1-a' differs"),
            std::string::npos)
      << messages(refused.errors());

  Transcript same_work = must(source.get_transcript("r1-a"));
  same_work.id = "r1-a-again";
  std::istringstream duplicate(serialize_transcript(same_work, false));
  auto taken = target.import_jsonl(duplicate, "c.jsonl");
  ASSERT_FALSE(taken);
  EXPECT_NE(messages(taken.errors()).find("already holds transcript 'r1-a'"), std::string::npos)
      << messages(taken.errors());
}

} // namespace
} // namespace imc::test
