// imc-studio under Xvfb: renders the demo pack, draws the melanoma image where it says it did,
// a real mouse click on "Next" advances the replay, real keys drive the replay, and every panel
// (each tab, the dashboard, help and settings) is drawn: a screenshot of each is kept in
// test-artifacts/native/ with pixel checks that its image and text areas are not empty. Panels
// that need the API show their replay-only state here (the studio has no --store yet); their
// data paths are covered headless (tests/frontend, scripted API replies).
#include "support/subprocess.h"
#include "support/test_paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <stb_image.h>

#include <cmath>
#include <filesystem>
#include <fstream>

namespace {

struct RegionStats {
  double mean = 0, stddev = 0;
  long pixels = 0;
};

RegionStats region_stats(const unsigned char *rgba, int width, int height, const nlohmann::json &rect) {
  const int x0 = std::max(0, int(rect[0].get<double>())), y0 = std::max(0, int(rect[1].get<double>()));
  const int x1 = std::min(width, int(rect[0].get<double>() + rect[2].get<double>()));
  const int y1 = std::min(height, int(rect[1].get<double>() + rect[3].get<double>()));
  double sum = 0, sum2 = 0;
  RegionStats s;
  for (int y = y0; y < y1; ++y) {
    for (int x = x0; x < x1; ++x) {
      const unsigned char *p = rgba + (static_cast<size_t>(y) * width + x) * 4;
      const double l = 0.2126 * p[0] + 0.7152 * p[1] + 0.0722 * p[2];
      sum += l;
      sum2 += l * l;
      ++s.pixels;
    }
  }
  if (s.pixels == 0) return s;
  s.mean = sum / s.pixels;
  s.stddev = std::sqrt(std::max(0.0, sum2 / s.pixels - s.mean * s.mean));
  return s;
}

TEST(StudioSmoke, RendersDemoImageAndNextAdvancesReplay) {
  const std::string pack = std::string(imc::test::source_dir()) + "/assets/demo";
  ASSERT_TRUE(std::filesystem::exists(pack + "/images/isic_ISIC_0000002_melanoma.jpg"))
      << "demo images missing: run scripts/setup demo";
  const std::string artifacts = std::string(imc::test::source_dir()) + "/test-artifacts/native";
  std::filesystem::create_directories(artifacts);
  const std::string png = artifacts + "/studio-melanoma.png";
  const std::string status_file = artifacts + "/studio-melanoma.json";
  std::filesystem::remove(png);

  imc::test::TempDir home;
  auto r = imc::test::run_process(imc::test::under_xvfb({imc::test::studio_binary(),
                                   "--pack", pack, "--case", "isic-0000002-melanoma",
                                   "--settings-file", home / "settings.json",
                                   "--screenshot", png, "--status-file", status_file,
                                   "--click", "replay_next", "--timeout", "60"}),
                                  120);
  ASSERT_FALSE(r.timed_out) << r.err;
  ASSERT_EQ(r.exit_code, 0) << "stdout:\n" << r.out << "\nstderr:\n" << r.err;

  std::ifstream in(status_file);
  const auto status = nlohmann::json::parse(in);
  EXPECT_EQ(status["phase"], "ready");
  EXPECT_EQ(status["case"], "isic-0000002-melanoma");
  EXPECT_EQ(status["shown"], 2) << "the click on Next did not advance the replay";
  ASSERT_TRUE(status["widgets"].contains("image")) << status.dump();

  int w = 0, h = 0, n = 0;
  unsigned char *pixels = stbi_load(png.c_str(), &w, &h, &n, 4);
  ASSERT_NE(pixels, nullptr) << "cannot read " << png;
  EXPECT_EQ(w, 1280);
  EXPECT_EQ(h, 720);
  const auto image = region_stats(pixels, w, h, status["widgets"]["image"]);
  const auto turns = region_stats(pixels, w, h, status["widgets"]["turns"]);
  const auto profile = region_stats(pixels, w, h, status["widgets"]["profile"]);
  stbi_image_free(pixels);
  EXPECT_GT(image.pixels, 10000);
  // A dermoscopy photo is bright and textured; an empty panel is flat and dark.
  EXPECT_GT(image.stddev, 12.0);
  EXPECT_GT(image.mean, 60.0);
  // Text was drawn in the conversation and profile areas.
  EXPECT_GT(turns.stddev, 5.0);
  EXPECT_GT(profile.stddev, 5.0);
}

// One automated run of the studio: its status JSON and its screenshot.
struct StudioShot {
  nlohmann::json status;
  std::vector<unsigned char> rgba;
  int width = 0, height = 0;
  RegionStats region(const std::string &widget) const {
    if (!status["widgets"].contains(widget)) return {};
    return region_stats(rgba.data(), width, height, status["widgets"][widget]);
  }
};

StudioShot run_studio(const std::string &name, const std::vector<std::string> &args,
                      const std::string &pack = std::string(imc::test::source_dir()) + "/assets/demo") {
  const std::string artifacts = std::string(imc::test::source_dir()) + "/test-artifacts/native";
  std::filesystem::create_directories(artifacts);
  const std::string png = artifacts + "/" + name + ".png";
  const std::string status_file = artifacts + "/" + name + ".json";
  std::filesystem::remove(png);
  imc::test::TempDir home;
  std::vector<std::string> argv = imc::test::under_xvfb({imc::test::studio_binary(),
                                   "--pack", pack, "--settings-file", home / "settings.json",
                                   "--screenshot", png, "--status-file", status_file, "--timeout", "60"});
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = imc::test::run_process(argv, 120);
  StudioShot shot;
  EXPECT_FALSE(r.timed_out) << r.err;
  EXPECT_EQ(r.exit_code, 0) << "stdout:\n" << r.out << "\nstderr:\n" << r.err;
  if (r.exit_code != 0) return shot;
  std::ifstream in(status_file);
  shot.status = nlohmann::json::parse(in);
  int n = 0;
  unsigned char *pixels = stbi_load(png.c_str(), &shot.width, &shot.height, &n, 4);
  EXPECT_NE(pixels, nullptr) << "cannot read " << png;
  if (pixels) {
    shot.rgba.assign(pixels, pixels + static_cast<size_t>(shot.width) * shot.height * 4);
    stbi_image_free(pixels);
  }
  return shot;
}

struct PanelCase {
  const char *name;
  std::vector<std::string> args;
  const char *region;       // a widget whose area must hold drawn text or graphics
  double min_stddev;
  bool with_report = false; // a pack with report.json next to manifest.json
};

// gtest prints a parameter it cannot format as its bytes: print the panel's name instead.
void PrintTo(const PanelCase &c, std::ostream *os) { *os << c.name; }

class StudioPanels : public ::testing::TestWithParam<PanelCase> {};

TEST_P(StudioPanels, IsDrawn) {
  const PanelCase &c = GetParam();
  imc::test::TempDir pack;
  std::string pack_dir = std::string(imc::test::source_dir()) + "/assets/demo";
  if (c.with_report) {
    for (const char *f : {"manifest.json", "cases", "images", "transcripts"}) {
      std::filesystem::create_symlink(pack_dir + "/" + f, pack / f);
    }
    std::filesystem::copy_file(std::string(imc::test::source_dir()) + "/tests/frontend/fixtures/api/report.json",
                               pack / "report.json");
    pack_dir = pack.path();
  }
  const StudioShot shot = run_studio(std::string("panel-") + c.name, c.args, pack_dir);
  ASSERT_FALSE(shot.status.is_null());
  EXPECT_EQ(shot.status["phase"], "ready");
  const RegionStats region = shot.region(c.region);
  EXPECT_GT(region.pixels, 500) << c.region << " missing in " << shot.status["widgets"].dump();
  EXPECT_GT(region.stddev, c.min_stddev) << c.region << " looks empty";
  if (shot.status["view"] == "explore" && shot.status["tab"] != "compare") {
    const RegionStats image = shot.region("image");
    EXPECT_GT(image.stddev, 12.0) << "the case image is not drawn";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Every, StudioPanels,
    ::testing::Values(PanelCase{"conversation", {"--tab", "conversation", "--step", "key:End"}, "turns", 5.0},
                      PanelCase{"compare", {"--tab", "compare"}, "compare_right", 5.0},
                      PanelCase{"jury", {"--tab", "jury"}, "tab_content", 3.0},
                      PanelCase{"annotate", {"--tab", "annotate"}, "tab_content", 3.0},
                      PanelCase{"wire-log", {"--tab", "wire-log"}, "tab_content", 3.0},
                      PanelCase{"live", {"--tab", "live"}, "tab_content", 3.0},
                      PanelCase{"patient-no-image", {"--transcript", "demo-melanoma-safe-noimage"}, "image_hidden_label", 5.0},
                      PanelCase{"dashboard", {"--view", "dashboard"}, "chart_models", 10.0, true},
                      PanelCase{"dashboard-bar", {"--view", "dashboard", "--step", "click:bar:model:opus:safety"},
                                "dashboard_list", 3.0, true},
                      PanelCase{"help", {"--overlay", "help"}, "help_table", 5.0},
                      PanelCase{"settings", {"--overlay", "settings"}, "settings_blind", 5.0}),
    [](const auto &info) {
      std::string n = info.param.name;
      for (char &ch : n) ch = ch == '-' ? '_' : ch;
      return n;
    });

TEST(StudioKeyboard, ArrowsEndAndF1DriveTheReplayAndHelp) {
  const StudioShot shot = run_studio("keyboard-replay", {"--case", "isic-0000002-melanoma", "--step", "key:Right",
                                                         "--step", "key:Right", "--step", "key:]"});
  ASSERT_FALSE(shot.status.is_null());
  EXPECT_EQ(shot.status["shown"], 3);
  EXPECT_EQ(shot.status["speed"], 1.0);
  const StudioShot end = run_studio("keyboard-end-help", {"--step", "key:End", "--step", "key:F1"});
  ASSERT_FALSE(end.status.is_null());
  EXPECT_EQ(end.status["shown"], end.status["turns"]);
  EXPECT_EQ(end.status["overlay"], "help");
}

// The acceptance walk natively, as far as it needs no API: pick the melanoma case from the list
// (search, click), replay with the keyboard, open Compare. The dashboard from the pack's report
// is StudioPanels.IsDrawn/dashboard. Annotation needs the API: headless, FrontendAnnotate.* and
// FrontendJury.BlindModeHidesTheScoresUntilTheExpertHasScored cover it.
TEST(StudioAcceptance, MelanomaFromTheListKeyboardReplayAndCompare) {
  const StudioShot compare = run_studio(
      "acceptance-compare", {"--case", "cxr-pcp-cyst", "--step", "click:case_search", "--step", "text:melanoma",
                             "--step", "click:case:isic-0000002-melanoma", "--step", "key:Right", "--step",
                             "key:Right", "--step", "key:Right", "--step", "click:tab:compare"});
  ASSERT_FALSE(compare.status.is_null());
  EXPECT_EQ(compare.status["case"], "isic-0000002-melanoma");
  EXPECT_EQ(compare.status["shown"], 4);
  EXPECT_EQ(compare.status["tab"], "compare");
  EXPECT_NE(compare.status["compare"]["right"], "");
  EXPECT_GT(compare.region("compare_left").stddev, 5.0);
  EXPECT_GT(compare.region("compare_right").stddev, 5.0);
}

TEST(StudioSmoke, ReportsABrokenPackClearly) {
  imc::test::TempDir dir;
  std::ofstream(dir / "manifest.json") << "{ not json";
  auto r = imc::test::run_process(imc::test::under_xvfb({imc::test::studio_binary(), "--pack", dir.path(),
                                   "--screenshot", dir / "x.png", "--timeout", "30"}),
                                  60);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("manifest.json"), std::string::npos) << r.err;
}

} // namespace
