// `imc report` as a user runs it, on stores written with synthetic jury data of known effects
// (test_report_store.h): golden JSON and CSV, the effects recovered through the store, latest
// verdicts after a rescoring, and the errors a user meets.
//
// Golden files: tests/data/report/golden.{json,csv}. After an intended change of the report,
// regenerate them with
//   IMC_UPDATE_GOLDEN=1 build/<preset>/tests/test_native --gtest_filter='ReportGolden.*'
// and read the diff before committing it.
#include "cli_test_support.h"
#include "native/test_report_store.h"
#include "support/test_paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>

namespace imc::test {
namespace {

using Json = nlohmann::json;

// A store and pack of synthetic data in a temporary folder.
struct SyntheticStore {
  TempDir dir;
  std::string store = dir / "store.sqlite";
  std::string pack = dir / "pack";
  SyntheticData data;

  explicit SyntheticStore(const SyntheticSpec &spec) : data(make_synthetic(spec)) {
    auto db = store::Store::open(store);
    EXPECT_TRUE(db.ok()) << format_errors(db.errors());
    if (!db)
      return;
    Status written = write_synthetic_store(*db, data);
    EXPECT_TRUE(written.ok()) << format_errors(written.errors());
    write_synthetic_pack(pack, data);
  }

  ProcessResult report(const std::string &format, const std::string &out,
                       std::vector<std::string> more = {}) const {
    std::vector<std::string> args = {"report", "--store", store, "--run", data.spec.run_id,
                                     "--format", format, "--out", out, "--pack", pack};
    args.insert(args.end(), more.begin(), more.end());
    return run_imc(args);
  }
};

// The golden data: small, every feature present (strata, ablations, unparseable verdicts,
// expert annotations, calibration).
SyntheticSpec golden_spec() {
  SyntheticSpec spec;
  spec.cases = 16;
  spec.unparseable = 0.05;
  spec.annotated = 0.25;
  spec.seed = 2026;
  spec.run_id = "golden-run";
  return spec;
}

void compare_with_golden(const std::string &produced, const std::string &golden_name) {
  const fs::path golden = fs::path(imc::test::source_dir()) / "tests/data/report" / golden_name;
  if (const char *update = std::getenv("IMC_UPDATE_GOLDEN"); update && *update == '1') {
    write_text(golden, produced);
    GTEST_SKIP() << "rewrote " << golden;
  }
  ASSERT_TRUE(fs::exists(golden)) << golden << " is missing: run with IMC_UPDATE_GOLDEN=1";
  EXPECT_TRUE(read_text(golden) == produced)
      << "the report differs from " << golden
      << "; if the change is intended, regenerate with IMC_UPDATE_GOLDEN=1 (see the top of "
         "this file) and review the diff";
}

class ReportGolden : public ::testing::Test {
protected:
  void SetUp() override { setenv("SOURCE_DATE_EPOCH", "1795773600", 1); }
  void TearDown() override { unsetenv("SOURCE_DATE_EPOCH"); }
};

TEST_F(ReportGolden, JsonReportIsByteForByteTheGoldenOne) {
  SyntheticStore s(golden_spec());
  const std::string out = s.dir / "report.json";
  const auto r = s.report("json", out, {"--replicates", "200", "--seed", "1"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const std::string text = read_text(out);
  EXPECT_NE(text.find("\"generated_at\": \"2026-11-27T10:00:00.000Z\""), std::string::npos);
  compare_with_golden(text, "golden.json");
}

TEST_F(ReportGolden, CsvReportIsByteForByteTheGoldenOne) {
  SyntheticStore s(golden_spec());
  const std::string out = s.dir / "report.csv";
  const auto r = s.report("csv", out, {"--replicates", "200", "--seed", "1"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  compare_with_golden(read_text(out), "golden.csv");
}

TEST(ReportCli, RecoversTheKnownEffectsThroughTheStore) {
  SyntheticSpec spec;
  spec.cases = 300;
  spec.clinicians = synthetic_clinicians(2);
  spec.unparseable = 0.05;
  spec.seed = 5;
  SyntheticStore s(spec);
  const std::string out = s.dir / "report.json";
  const auto r = s.report("json", out);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(contains(r.err, "1000 bootstrap replicates")) << r.err;
  const Json j = Json::parse(read_text(out));
  EXPECT_EQ(j["counts"]["cases"], 300);
  EXPECT_EQ(j["counts"]["transcripts"], 300 * 2 * 4);
  EXPECT_EQ(j["counts"]["verdicts"], 300 * 2 * 4 * 9);
  size_t checked = 0;
  for (const Json &d : j["stratum_deltas"]) {
    if (d["dimension"] != "safety" || d["stratum"] == "modality")
      continue;
    const double truth = d["stratum"] == "malignancy" ? kMalignantSafety : kRareSafety;
    EXPECT_LE(d["lo"].get<double>(), truth) << d.dump();
    EXPECT_GE(d["hi"].get<double>(), truth) << d.dump();
    EXPECT_LT(d["hi"].get<double>(), 0) << d.dump();
    ++checked;
  }
  for (const Json &a : j["ablations"]) {
    if (a["dimension"] != "safety")
      continue;
    size_t cond = 1;
    while (a["condition"] != kSyntheticConditions[cond])
      ++cond;
    const double truth = kConditionEffect[cond][0];
    EXPECT_LE(a["lo"].get<double>(), truth) << a.dump();
    EXPECT_GE(a["hi"].get<double>(), truth) << a.dump();
    EXPECT_EQ(a["n_cases"], 300);
    ++checked;
  }
  EXPECT_EQ(checked, 2u * 2 + 2u * 3);
}

TEST(ReportCli, HtmlAndCsvAndStdout) {
  SyntheticSpec spec;
  spec.cases = 12;
  SyntheticStore s(spec);
  const std::string html = s.dir / "report.html";
  auto r = s.report("html", html, {"--replicates", "100"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const std::string page = read_text(html);
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_TRUE(contains(page, "data-ablation=\"no-image-no-ehr\""));
  EXPECT_FALSE(fs::exists(html + ".tmp-" + std::to_string(getpid())));

  r = s.report("csv", "-", {"--replicates", "50"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.out.rfind("section,clinician,model,condition,stratum,level,dimension,", 0), 0u);
}

TEST(ReportCli, TheLatestVerdictOfARescoredTranscriptCounts) {
  SyntheticSpec spec;
  spec.cases = 3;
  spec.clinicians = synthetic_clinicians(1);
  spec.conditions = 1;
  spec.jurors = 1;
  SyntheticStore s(spec);
  // Score case 0's transcript again, later, with a 1 everywhere, and case 1's with an older 5
  // (an older verdict never wins).
  auto db = store::Store::open(s.store);
  ASSERT_TRUE(db.ok());
  std::vector<JurorVerdict> again;
  for (size_t t = 0; t < 2; ++t)
    for (Dimension d : kDimensions) {
      JurorVerdict v;
      v.id = "v-again-" + std::to_string(t) + to_string(d);
      v.transcript_id = s.data.transcripts[t].id;
      v.juror_endpoint = s.data.jurors[0];
      v.juror_model = "m";
      v.dimension = d;
      v.score = t == 0 ? 1 : 5;
      v.rubric_hash = "sha256:" + std::string(64, '0');
      v.created_at = t == 0 ? "2027-01-01T00:00:00.000Z" : "2020-01-01T00:00:00.000Z";
      again.push_back(v);
    }
  ASSERT_TRUE(db->add_verdicts(again).ok());
  const std::string out = s.dir / "report.csv";
  const auto r = s.report("json", out, {"--replicates", "20", "--no-pack"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const Json j = Json::parse(read_text(out));
  EXPECT_EQ(j["counts"]["verdicts"], 3 * 3); // one per juror and dimension
  double expected = 1.0;                     // case 0: the new 1s
  for (size_t t = 1; t < 3; ++t)             // cases 1 and 2: the original scores
    for (const auto &v : s.data.verdicts)
      if (v.transcript == t && v.dimension == 0)
        expected += v.score;
  EXPECT_NEAR(j["models"][0]["dimensions"]["safety"]["mean"].get<double>(), expected / 3, 1e-4);
  EXPECT_TRUE(j["strata"].empty()); // --no-pack: no labels
}

TEST(ReportCli, ExplainsWhatIsMissing) {
  SyntheticSpec spec;
  spec.cases = 2;
  SyntheticStore s(spec);
  auto r = run_imc({"report", "--store", s.store, "--run", "nope", "--out", s.dir / "x.html",
                    "--pack", s.pack});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "no run 'nope'")) << r.err;
  EXPECT_FALSE(fs::exists(s.dir / "x.html"));

  r = run_imc({"report", "--store", s.store, "--run", s.data.spec.run_id, "--out",
               s.dir / "x.html", "--pack", s.dir / "no-pack-here"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "no-pack-here: no such folder")) << r.err;
  EXPECT_TRUE(contains(r.err, "--no-pack")) << r.err;

  // A run without verdicts: score it first.
  auto db = store::Store::open(s.store);
  ASSERT_TRUE(db.ok());
  store::RunRecord run;
  run.id = "empty-run";
  ASSERT_TRUE(db->create_run(run).ok());
  r = run_imc({"report", "--store", s.store, "--run", "empty-run", "--out", s.dir / "x.html",
               "--pack", s.pack});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_TRUE(contains(r.err, "run `imc score` first")) << r.err;

  r = run_imc({"report", "--store", s.dir / "missing.sqlite", "--run", "x", "--out", "-"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
}

} // namespace
} // namespace imc::test
