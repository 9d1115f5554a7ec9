// `imc transcript validate`: one transcript or a JSON Lines file of them, optionally against a
// pack.
#include "cli_test_support.h"

namespace imc::test {
namespace {

class TranscriptValidate : public ::testing::Test {
protected:
  static OrderedJson transcript(const std::string &name) {
    return read_json(demo_pack_dir() + "/transcripts/" + name + ".json");
  }
  // The four demo transcripts, one per line, with line `bad_line` (1-based) replaced.
  std::string jsonl(int bad_line = 0, const std::string &bad = "") const {
    std::string out;
    int line = 0;
    for (const char *name : {"demo-melanoma-safe", "demo-melanoma-unsafe",
                             "demo-melanoma-safe-noimage", "demo-pcp-overconfident"})
      out += (++line == bad_line ? bad : transcript(name).dump()) + "\n";
    return out;
  }

  TempDir dir;
};

TEST_F(TranscriptValidate, DemoTranscriptIsValid) {
  const std::string file = demo_pack_dir() + "/transcripts/demo-melanoma-safe.json";
  const auto r = run_imc({"transcript", "validate", file});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.out, file + ": OK — 1 transcript\n");
}

TEST_F(TranscriptValidate, DemoTranscriptBelongsToTheDemoPack) {
  const std::string file = demo_pack_dir() + "/transcripts/demo-pcp-overconfident.json";
  const auto r = run_imc({"transcript", "validate", file, "--pack", demo_pack_dir()});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "consistent with pack")) << r.out;
}

TEST_F(TranscriptValidate, MissingFileExitsTwo) {
  const auto r = run_imc({"transcript", "validate", dir / "none.json"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, dir / "none.json" + ": no such file")) << r.err;
}

TEST_F(TranscriptValidate, InvalidJsonNamesTheLine) {
  write_text(dir / "t.json", "{\n  \"schema_version\": 1,\n  \"id\": \n}\n");
  const auto r = run_imc({"transcript", "validate", dir / "t.json"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, dir / "t.json" + ": line 4")) << r.err;
}

TEST_F(TranscriptValidate, SchemaViolationNamesThePointer) {
  OrderedJson t = transcript("demo-melanoma-safe");
  t["turns"][1]["role"] = "doctor";
  t["surprise"] = true;
  write_json(dir / "t.json", t);
  const auto r = run_imc({"transcript", "validate", dir / "t.json"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, dir / "t.json" + ": /turns/1/role")) << r.err;
  EXPECT_TRUE(contains(r.err, dir / "t.json" + ": /surprise")) << r.err;
}

TEST_F(TranscriptValidate, JsonLinesFileIsCheckedLineByLine) {
  write_text(dir / "all.jsonl", jsonl());
  const auto r = run_imc({"transcript", "validate", dir / "all.jsonl", "--pack", demo_pack_dir()});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.out, "OK — 4 transcripts")) << r.out;
}

TEST_F(TranscriptValidate, BadThirdLineIsNamedByLine) {
  OrderedJson bad = transcript("demo-melanoma-safe-noimage");
  bad["status"]["state"] = "finished";
  write_text(dir / "all.jsonl", jsonl(3, bad.dump()));
  const auto r = run_imc({"transcript", "validate", dir / "all.jsonl"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, dir / "all.jsonl" + ":3: /status/state")) << r.err;
  EXPECT_FALSE(contains(r.err, dir / "all.jsonl" + ":1:")) << r.err;
  EXPECT_FALSE(contains(r.err, dir / "all.jsonl" + ":2:")) << r.err;
}

TEST_F(TranscriptValidate, TruncatedJsonLineIsNamedByLine) {
  write_text(dir / "all.jsonl", jsonl(3, "{\"schema_version\": 1, \"id\": "));
  const auto r = run_imc({"transcript", "validate", dir / "all.jsonl"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, dir / "all.jsonl" + ":3: line 1")) << r.err;
  EXPECT_TRUE(contains(r.err, "invalid JSON")) << r.err;
}

TEST_F(TranscriptValidate, EmptyJsonLinesFileHasNothingToValidate) {
  write_text(dir / "none.jsonl", "\n\n");
  const auto r = run_imc({"transcript", "validate", dir / "none.jsonl"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "at least one transcript")) << r.err;
}

TEST_F(TranscriptValidate, UnknownCaseInThePackIsReported) {
  OrderedJson t = transcript("demo-melanoma-safe");
  t["case_id"] = "isic-9999999-melanoma";
  write_json(dir / "t.json", t);
  EXPECT_EQ(run_imc({"transcript", "validate", dir / "t.json"}).exit_code, 0)
      << "without --pack the case id is not checked";
  const auto r = run_imc({"transcript", "validate", dir / "t.json", "--pack", demo_pack_dir()});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, dir / "t.json" + ": /case_id")) << r.err;
  EXPECT_TRUE(contains(r.err, "isic-9999999-melanoma")) << r.err;
}

TEST_F(TranscriptValidate, ImageOfAnotherCaseIsReported) {
  OrderedJson t = transcript("demo-melanoma-safe");
  t["turns"][0]["images"][0] = "images/cxr_pneumocystis_pneumonia_cyst.jpg";
  write_json(dir / "t.json", t);
  const auto r = run_imc({"transcript", "validate", dir / "t.json", "--pack", demo_pack_dir()});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, dir / "t.json" + ": /turns/0/images/0")) << r.err;
}

TEST_F(TranscriptValidate, PackHashOfAnotherPackIsReported) {
  OrderedJson t = transcript("demo-melanoma-safe");
  t["pack_hash"] = "sha256:" + std::string(64, 'b');
  write_text(dir / "all.jsonl", t.dump() + "\n");
  const auto r = run_imc({"transcript", "validate", dir / "all.jsonl", "--pack", demo_pack_dir()});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, dir / "all.jsonl" + ":1: /pack_hash")) << r.err;
}

TEST_F(TranscriptValidate, MissingPackExitsTwo) {
  const std::string file = demo_pack_dir() + "/transcripts/demo-melanoma-safe.json";
  const auto r = run_imc({"transcript", "validate", file, "--pack", dir / "nopack"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, dir / "nopack")) << r.err;
}

} // namespace
} // namespace imc::test
