// imc-studio with --store and --config runs the same JSON API in-process (native/api/service.h):
// under Xvfb the Live tab lists the config's endpoints and a session runs against the fake
// upstream, stored in the store — no `imc serve`, no HTTP between the UI and the service.
#include "native/test_serve_support.h"
#include "support/test_paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>

namespace imc::test {
namespace {

TEST(ServeStudio, StoreAndConfigFlagsGiveTheStudioTheApiInProcess) {
  TempDir dir;
  FakeUpstream fake;
  script_chat(fake, {"Please see ", "a dermatologist."});
  write_fake_config(dir / "endpoints.json", fake, {"fake-a", "fake-b"});
  const std::string artifacts = std::string(imc::test::source_dir()) + "/test-artifacts/native";
  std::filesystem::create_directories(artifacts);
  setenv(kFakeKeyVar, kFakeKey, 1);
  const auto r = run_process(under_xvfb({imc::test::studio_binary(),
                              "--pack",
                              std::string(imc::test::source_dir()) + "/assets/demo",
                              "--case",
                              "isic-0000002-melanoma",
                              "--tab",
                              "live",
                              "--settings-file",
                              dir / "settings.json",
                              "--store",
                              dir / "store.db",
                              "--config",
                              dir / "endpoints.json",
                              "--screenshot",
                              artifacts + "/studio-live.png",
                              "--status-file",
                              dir / "status.json",
                              "--click",
                              "live_start",
                              "--timeout",
                              "60"}),
                             120);
  unsetenv(kFakeKeyVar);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto status = nlohmann::json::parse(read_text_file(dir / "status.json"), nullptr, false);
  ASSERT_TRUE(status.is_object());
  EXPECT_EQ(status["api"], "available");
  EXPECT_NE(status["live"]["phase"], "idle");
  // The click started a session through the in-process service: the fake saw the calls.
  EXPECT_FALSE(fake.requests().empty());
  EXPECT_EQ(fake.requests().front().header("Authorization"), std::string("Bearer ") + kFakeKey);

  const auto bad = run_process({imc::test::studio_binary(), "--config", dir / "endpoints.json"}, 20);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--store"), std::string::npos) << bad.err;
}

} // namespace
} // namespace imc::test
