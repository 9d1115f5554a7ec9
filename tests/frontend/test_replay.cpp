// The replay slice driven headless: loading, selection, Next/Prev by mouse and keyboard, play.
#include "headless.h"

#include <gtest/gtest.h>

namespace imc::test {
namespace {

TEST(FrontendReplay, LoadsDemoPackAndOpensFirstCaseWithItsTranscript) {
  Headless h(demo_pack_dir());
  h.load();
  ASSERT_TRUE(h.state().pack.has_value());
  EXPECT_EQ(h.state().pack->cases.size(), 12u);
  ASSERT_NE(h.state().current_case(), nullptr);
  EXPECT_EQ(h.state().current_case()->id, "isic-0000002-melanoma");
  ASSERT_NE(h.state().current_transcript(), nullptr);
  EXPECT_EQ(h.state().replay.shown, 1);
  EXPECT_EQ(h.platform().live_textures, 1);
  EXPECT_TRUE(h.state().errors.empty());
}

TEST(FrontendReplay, NextButtonEmitsReplayStepAndShowsOneMoreTurn) {
  Headless h(demo_pack_dir());
  h.load();
  const auto actions = h.click("replay_next");
  ASSERT_EQ(actions.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<ui::ReplayStep>(actions[0]));
  EXPECT_EQ(std::get<ui::ReplayStep>(actions[0]).delta, +1);
  EXPECT_EQ(h.state().replay.shown, 2);
  h.click("replay_prev");
  EXPECT_EQ(h.state().replay.shown, 1);
}

TEST(FrontendReplay, ArrowKeysStepAndHomeEndJump) {
  Headless h(demo_pack_dir());
  h.load();
  const int turns = static_cast<int>(h.state().current_transcript()->turns.size());
  EXPECT_TRUE(has_action<ui::ReplayStep>(h.press_key(ImGuiKey_RightArrow)));
  EXPECT_EQ(h.state().replay.shown, 2);
  h.press_key(ImGuiKey_End);
  EXPECT_EQ(h.state().replay.shown, turns);
  h.press_key(ImGuiKey_RightArrow);
  EXPECT_EQ(h.state().replay.shown, turns) << "stepping past the end stays at the end";
  h.press_key(ImGuiKey_Home);
  EXPECT_EQ(h.state().replay.shown, 0);
}

TEST(FrontendReplay, PlayShowsTurnsOverTimeAndStopsAtTheEnd) {
  Headless h(demo_pack_dir());
  h.load();
  h.press_key(ImGuiKey_Space);
  EXPECT_TRUE(h.state().replay.playing);
  const int turns = static_cast<int>(h.state().current_transcript()->turns.size());
  for (int i = 0; i < 60 * 60 && h.state().replay.playing; ++i) h.frame();
  EXPECT_FALSE(h.state().replay.playing);
  EXPECT_EQ(h.state().replay.shown, turns);
}

TEST(FrontendReplay, ClickingACaseSelectsItAndLoadsItsImage) {
  Headless h(demo_pack_dir());
  h.load();
  // The list is clipped to what is visible: find the case first.
  h.app().apply(ui::SetCaseFilter{"pcp"});
  h.frame();
  const auto actions = h.click("case:cxr-pcp-cyst");
  ASSERT_TRUE(has_action<ui::SelectCase>(actions));
  EXPECT_EQ(h.state().current_case()->id, "cxr-pcp-cyst");
  h.frame();
  h.frame();
  EXPECT_EQ(h.state().images.count("images/cxr_pneumocystis_pneumonia_cyst.jpg"), 1u);
  ASSERT_NE(h.state().current_transcript(), nullptr);
  EXPECT_EQ(h.state().current_transcript()->case_id, "cxr-pcp-cyst");
}

TEST(FrontendReplay, SearchFilterHidesCasesThatDoNotMatch) {
  Headless h(demo_pack_dir());
  h.load();
  h.app().apply(ui::SetCaseFilter{"pneumo"});
  h.frame();
  int listed = 0;
  for (const auto &[name, rect] : h.state().widgets) listed += name.rfind("case:", 0) == 0;
  EXPECT_GE(listed, 1);
  EXPECT_LT(listed, 12);
  EXPECT_EQ(h.state().widgets.count("case:isic-0000002-melanoma"), 0u);
}

TEST(FrontendReplay, DeepLinkOptionsOpenTheNamedTranscript) {
  Headless h(demo_pack_dir());
  ui::StartOptions options;
  options.transcript_id = "demo-melanoma-unsafe";
  h.load(options);
  ASSERT_NE(h.state().current_transcript(), nullptr);
  EXPECT_EQ(h.state().current_transcript()->id, "demo-melanoma-unsafe");
  EXPECT_EQ(h.state().current_case()->id, "isic-0000002-melanoma");
}

TEST(FrontendReplay, MissingPackReportsTheManifestError) {
  Headless h("/nonexistent-pack");
  h.app().start();
  for (int i = 0; i < 5; ++i) h.frame();
  EXPECT_EQ(h.state().phase, ui::LoadPhase::failed);
  ASSERT_FALSE(h.state().errors.empty());
  EXPECT_NE(h.state().errors[0].find("manifest.json"), std::string::npos);
}

} // namespace
} // namespace imc::test
