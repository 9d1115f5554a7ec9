// imc-studio under Xvfb: renders the demo pack, draws the melanoma image where it says it did,
// and a real mouse click on "Next" advances the replay. The screenshot is kept as an artefact.
#include "support/subprocess.h"

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
  const std::string pack = std::string(IMC_SOURCE_DIR) + "/assets/demo";
  ASSERT_TRUE(std::filesystem::exists(pack + "/images/isic_ISIC_0000002_melanoma.jpg"))
      << "demo images missing: run scripts/setup demo";
  const std::string artifacts = std::string(IMC_SOURCE_DIR) + "/test-artifacts/native";
  std::filesystem::create_directories(artifacts);
  const std::string png = artifacts + "/studio-melanoma.png";
  const std::string status_file = artifacts + "/studio-melanoma.json";
  std::filesystem::remove(png);

  auto r = imc::test::run_process({"xvfb-run", "-a", "-s", "-screen 0 1280x720x24", IMC_STUDIO_BINARY,
                                   "--pack", pack, "--case", "isic-0000002-melanoma",
                                   "--screenshot", png, "--status-file", status_file,
                                   "--click", "replay_next", "--timeout", "60"},
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

TEST(StudioSmoke, ReportsABrokenPackClearly) {
  imc::test::TempDir dir;
  std::ofstream(dir / "manifest.json") << "{ not json";
  auto r = imc::test::run_process({"xvfb-run", "-a", IMC_STUDIO_BINARY, "--pack", dir.path(),
                                   "--screenshot", dir / "x.png", "--timeout", "30"},
                                  60);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("manifest.json"), std::string::npos) << r.err;
}

} // namespace
