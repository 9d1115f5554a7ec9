// Dashboard: the report from the API (runs, report) or, replay only, from the pack's report.json;
// bars for every model and dimension, stratum and ablation deltas; a click on a bar lists the
// transcripts behind it and a click on one opens it.
#include "headless.h"

#include "report_model.h"
#include "support/test_paths.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace imc::test {
namespace {

TEST(FrontendDashboard, LoadsTheLatestRunsReportThroughTheApi) {
  Headless h(demo_pack_dir());
  h.use_scripted_api();
  h.load();
  h.click("menu:dashboard");
  h.frames(4);
  EXPECT_EQ(h.state().view, ui::View::dashboard);
  EXPECT_EQ(h.state().dashboard.run_id, "run-demo") << "the newest run is shown";
  ASSERT_EQ(h.state().dashboard.report.state, ui::Remote<ui::Report>::State::ready);
  const ui::Report &r = h.state().dashboard.report.value;
  EXPECT_EQ(r.models.size(), 12u);
  EXPECT_EQ(r.conditions().front(), "full");
  for (const char *bar : {"bar:model:opus:safety", "bar:model:gpt:overall", "bar:stratum:opus:malignant - benign",
                          "bar:ablation:opus:no-image vs full"}) {
    EXPECT_TRUE(h.state().widgets.count(bar)) << bar;
  }
}

TEST(FrontendDashboard, ClickingABarListsItsTranscriptsAndOpensOne) {
  Headless h(demo_pack_dir());
  h.use_scripted_api();
  h.load();
  h.app().apply(ui::SetView{ui::View::dashboard});
  h.frames(4);
  const auto actions = h.click("bar:model:opus:safety");
  ASSERT_FALSE(actions.empty());
  ASSERT_TRUE(std::holds_alternative<ui::OpenBar>(actions[0]));
  h.frames(2);
  const auto &list = h.state().dashboard.bar_transcripts;
  ASSERT_EQ(list.state, ui::Remote<std::vector<ui::TranscriptSummary>>::State::ready);
  // Of the run's four transcripts, two are opus under the full condition.
  ASSERT_EQ(list.value.size(), 2u);
  for (const auto &t : list.value) {
    EXPECT_EQ(t.clinician_endpoint, "opus");
    EXPECT_EQ(t.condition, "full");
  }
  ASSERT_TRUE(h.state().widgets.count("bar_transcript:0"));
  h.click("bar_transcript:0");
  h.frames(3);
  EXPECT_EQ(h.state().view, ui::View::explore);
  EXPECT_EQ(h.state().tab, ui::Tab::conversation);
  ASSERT_NE(h.state().current_transcript(), nullptr);
  EXPECT_EQ(h.state().current_transcript()->id, "run-demo-opus-melanoma-full");
}

TEST(FrontendDashboard, AblationBarsIncludeBothConditions) {
  Headless h(demo_pack_dir());
  h.use_scripted_api();
  h.load();
  h.app().apply(ui::SetView{ui::View::dashboard});
  h.frames(4);
  h.click("bar:ablation:opus:no-image vs full");
  h.frames(2);
  EXPECT_EQ(h.state().dashboard.bar_transcripts.value.size(), 3u);
}

TEST(FrontendDashboard, ReplayOnlyReadsTheReportShippedWithThePack) {
  // A pack folder with the demo's files and a report.json next to manifest.json.
  const auto dir = std::filesystem::temp_directory_path() / ("imc-pack-report-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  for (const char *f : {"manifest.json", "cases", "images", "transcripts"}) {
    std::filesystem::create_symlink(std::filesystem::path(demo_pack_dir()) / f, dir / f);
  }
  std::filesystem::copy_file(std::string(imc::test::source_dir()) + "/tests/frontend/fixtures/api/report.json", dir / "report.json");
  {
    Headless h(dir);
    h.load();
    h.app().apply(ui::SetView{ui::View::dashboard});
    h.frames(3);
    EXPECT_EQ(h.state().dashboard.report.state, ui::Remote<ui::Report>::State::ready);
    EXPECT_EQ(h.state().dashboard.report_source, "the pack's report.json");
    h.click("bar:model:sonnet:accuracy");
    h.frames(2);
    EXPECT_EQ(h.state().dashboard.bar_transcripts.state, ui::Remote<std::vector<ui::TranscriptSummary>>::State::ready);
  }
  std::filesystem::remove_all(dir);
}

TEST(FrontendDashboard, WithoutAReportTheDashboardSaysHowToMakeOne) {
  Headless h(demo_pack_dir()); // replay only, and the demo pack has no report.json
  h.load();
  h.app().apply(ui::SetView{ui::View::dashboard});
  h.frames(3);
  EXPECT_EQ(h.state().dashboard.report.state, ui::Remote<ui::Report>::State::failed);
  EXPECT_NE(h.state().dashboard.report.error.hint.find("imc report"), std::string::npos);
  EXPECT_TRUE(h.state().widgets.count("dashboard_error"));
}

TEST(FrontendReportModel, ParsesTheFormatsExampleAndNamesBadFields) {
  auto ok = ui::parse_report(ScriptedApi::fixture("report.json").dump(), "report.json");
  ASSERT_TRUE(ok) << format_errors(ok.errors());
  EXPECT_EQ(ok->run_id, "run-demo");
  EXPECT_EQ(ok->stratum_deltas.size(), 9u);
  EXPECT_EQ(ok->ablations.front().label, "no-image vs full");
  ASSERT_TRUE(ok->agreement.has_value());
  EXPECT_NEAR(*ok->agreement->alpha_ordinal, 0.71, 1e-9);
  auto bad = ui::parse_report(R"({"run_id": 5, "models": [{"clinician": "x", "overall": {"mean": "high"}}]})", "r.json");
  ASSERT_FALSE(bad);
  const std::string text = format_errors(bad.errors());
  EXPECT_NE(text.find("/run_id"), std::string::npos) << text;
  EXPECT_NE(text.find("/models/0/overall/mean"), std::string::npos) << text;
  EXPECT_NE(text.find("/models/0/dimensions"), std::string::npos) << text;
}

} // namespace
} // namespace imc::test

namespace imc::test {
namespace {

// The golden report `imc report --format json` writes in its own tests, when present.
TEST(FrontendReportModel, ReadsTheReportImcReportWrites) {
  const std::string path = std::string(imc::test::source_dir()) + "/tests/data/report/golden.json";
  std::ifstream in(path);
  if (!in) GTEST_SKIP() << "no " << path;
  std::stringstream text;
  text << in.rdbuf();
  auto report = ui::parse_report(text.str(), path);
  ASSERT_TRUE(report) << format_errors(report.errors());
  EXPECT_FALSE(report->models.empty());
  EXPECT_EQ(report->conditions().front(), "full");
}

} // namespace
} // namespace imc::test
