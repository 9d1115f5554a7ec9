// `imc transcripts export | import`, `imc store merge | info`: exit codes and messages.
#include "cli_test_support.h"
#include "test_store_support.h"

namespace imc::test {
namespace {

using store::Store;

class StoreCli : public ::testing::Test {
protected:
  // A store with two runs and a session outside any run.
  std::string make_store(const std::string &name) {
    const std::string path = dir / name;
    Store db = must(Store::open(path));
    must(db.create_run(make_run("run-a")));
    must(db.create_run(make_run("run-b")));
    record(db, make_transcript("a-1", "run-a", "case-a"));
    record(db, make_transcript("a-2", "run-a", "case-b"));
    record(db, make_transcript("b-1", "run-b", "case-a"));
    record(db, make_transcript("s-1", ""));
    return path;
  }

  TempDir dir;
};

TEST_F(StoreCli, ExportThenImportRoundTripsByteForByte) {
  const std::string store = make_store("s.db");
  auto r = run_imc({"transcripts", "export", "--store", store, "--out", dir / "all.jsonl"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.out, dir / "all.jsonl" + ": 4 transcripts from " + store + "\n");

  r = run_imc({"transcripts", "import", "--store", dir / "copy.db", dir / "all.jsonl"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "imported 4 transcripts into " + dir / "copy.db")) << r.out;
  EXPECT_TRUE(contains(r.out, "created run run-a")) << r.out;

  r = run_imc({"transcripts", "export", "--store", dir / "copy.db", "--out", dir / "again.jsonl"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(read_text(dir / "again.jsonl"), read_text(dir / "all.jsonl"));

  // The singular group name works too, and - writes to stdout.
  r = run_imc({"transcript", "export", "--store", store, "--run", "run-a"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 2) << r.out;
  EXPECT_TRUE(contains(r.err, "2 transcripts of run 'run-a'")) << r.err;
}

TEST_F(StoreCli, ExportOfAnUnknownRunNamesTheRuns) {
  const std::string store = make_store("s.db");
  const auto r =
      run_imc({"transcripts", "export", "--store", store, "--run", "x", "--out", dir / "x.jsonl"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, store + ": no run 'x'; runs: run-a, run-b")) << r.err;
  EXPECT_FALSE(fs::exists(dir / "x.jsonl"));
  EXPECT_EQ(fs::directory_iterator(dir.path()) == fs::directory_iterator(), false);
}

TEST_F(StoreCli, ExportFromAMissingStoreCreatesNothing) {
  const auto r = run_imc({"transcripts", "export", "--store", dir / "none.db"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, dir / "none.db" + ": no such file")) << r.err;
  EXPECT_FALSE(fs::exists(dir / "none.db"));
}

TEST_F(StoreCli, ImportWithABadLineNamesItAndImportsNothing) {
  const std::string store = make_store("s.db");
  auto r = run_imc({"transcripts", "export", "--store", store, "--out", dir / "all.jsonl"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  std::string text = read_text(dir / "all.jsonl");
  size_t third = 0;
  for (int i = 0; i < 2; ++i)
    third = text.find('\n', third) + 1;
  text.insert(third, "{\"schema_version\": 1, \"id\": \"broken\"}\n");
  write_text(dir / "bad.jsonl", text);

  r = run_imc({"transcripts", "import", "--store", dir / "new.db", dir / "bad.jsonl"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, dir / "bad.jsonl" + ":3: /case_id")) << r.err;
  EXPECT_TRUE(contains(r.err, "nothing was imported")) << r.err;
  r = run_imc({"store", "info", "--store", dir / "new.db", "--json"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const auto info = OrderedJson::parse(r.out);
  EXPECT_EQ(info["counts"]["transcripts"], 0);
  EXPECT_EQ(info["counts"]["runs"], 0);
}

TEST_F(StoreCli, ImportOfAMissingFileIsBadInput) {
  const auto r = run_imc({"transcripts", "import", "--store", dir / "s.db", dir / "none.jsonl"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, dir / "none.jsonl" + ": no such file")) << r.err;
}

TEST_F(StoreCli, MergeCombinesStoresWithoutDuplicates) {
  const std::string first = make_store("first.db");
  const std::string second = make_store("second.db");
  {
    Store db = must(Store::open(second));
    record(db, make_transcript("b-2", "run-b", "case-b"));
  }
  auto r = run_imc({"store", "merge", "--into", dir / "all.db", first, second});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "transcripts: 4 added, 0 already there")) << r.out;
  EXPECT_TRUE(contains(r.out, "transcripts: 1 added, 4 already there")) << r.out;
  EXPECT_EQ(r.err, "");

  r = run_imc({"store", "info", "--store", dir / "all.db"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "transcripts: 5 (5 complete, 0 incomplete, 0 failed)")) << r.out;
  EXPECT_TRUE(contains(r.out, "runs: 2")) << r.out;
  EXPECT_TRUE(contains(r.out, "run-a")) << r.out;
}

TEST_F(StoreCli, MergeOfAMissingStoreMergesNothing) {
  const std::string first = make_store("first.db");
  const auto r = run_imc({"store", "merge", "--into", dir / "all.db", first, dir / "nope.db"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, dir / "nope.db" + ": no such store file")) << r.err;
  EXPECT_FALSE(fs::exists(dir / "all.db"));
}

TEST_F(StoreCli, InfoListsRunsAndCounts) {
  const std::string store = make_store("s.db");
  auto r = run_imc({"store", "info", "--store", store});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, store + ": IMC store, schema version 2")) << r.out;
  EXPECT_TRUE(contains(r.out, "transcripts: 4 (4 complete")) << r.out;
  EXPECT_TRUE(contains(r.out, "run-b")) << r.out;

  r = run_imc({"store", "info", "--store", store, "--json"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const auto info = OrderedJson::parse(r.out);
  EXPECT_EQ(info["counts"]["turns"], 8);
  ASSERT_EQ(info["runs"].size(), 2u);
  EXPECT_EQ(info["runs"][0]["id"], "run-a");
  EXPECT_EQ(info["runs"][0]["status"], "queued");
}

TEST_F(StoreCli, InfoOnAFileThatIsNotAStoreIsBadInput) {
  write_text(dir / "notes.txt", std::string(200, 'x'));
  const auto r = run_imc({"store", "info", "--store", dir / "notes.txt"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, dir / "notes.txt" + ": expected an IMC store")) << r.err;
}

TEST_F(StoreCli, EveryCommandAnswersHelp) {
  for (const std::vector<std::string> &args : {std::vector<std::string>{"transcripts", "export"},
                                               {"transcripts", "import"},
                                               {"store"},
                                               {"store", "merge"},
                                               {"store", "info"}}) {
    std::vector<std::string> with_help = args;
    with_help.push_back("--help");
    const auto r = run_imc(with_help);
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_TRUE(contains(r.out, "Usage")) << r.out;
  }
  EXPECT_EQ(run_imc({"store"}).exit_code, 2);
}

} // namespace
} // namespace imc::test
