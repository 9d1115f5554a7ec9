// Patient panel: what the clinician sees under the condition, the EHR greyed and labelled under
// no-ehr, and the hidden facts unlocked as the clinician asks about them.
#include "headless.h"

#include <gtest/gtest.h>

namespace imc::test {
namespace {

TEST(FrontendPatient, EhrIsLabelledAsHiddenUnderNoEhr) {
  Headless h(demo_pack_dir());
  h.load();
  EXPECT_FALSE(h.state().widgets.count("ehr_hidden_label"));
  Transcript t = *h.state().current_transcript();
  t.id = "no-ehr-copy";
  t.condition = Condition{true, false};
  auto transcripts = h.state().transcripts;
  transcripts.push_back(t);
  h.app().open_pack(*h.state().pack, transcripts);
  h.app().apply(ui::SelectTranscript{"no-ehr-copy"});
  h.frames(2);
  EXPECT_TRUE(h.state().widgets.count("ehr_hidden_label"));
  EXPECT_FALSE(h.state().widgets.count("image_hidden_label"));
}

TEST(FrontendPatient, TheLiveTabShowsTheLiveSessionsCondition) {
  Headless h(demo_pack_dir());
  h.use_scripted_api();
  h.load();
  h.app().apply(ui::SetTab{ui::Tab::live});
  ui::LiveConfig cfg = h.state().live.config;
  cfg.condition = "no-image-no-ehr";
  h.app().apply(ui::SetLiveConfig{cfg});
  h.frames(2);
  EXPECT_TRUE(h.state().widgets.count("ehr_hidden_label"));
  EXPECT_TRUE(h.state().widgets.count("image_hidden_label"));
}

TEST(FrontendPatient, HiddenFactsUnlockAsTheReplayReachesTheQuestion) {
  Headless h(demo_pack_dir());
  h.load();
  const Case &c = *h.state().current_case();
  ASSERT_FALSE(c.hidden_facts.empty());
  h.frame();
  ASSERT_EQ(h.state().cache.facts_unlocked_at.size(), c.hidden_facts.size());
  for (int at : h.state().cache.facts_unlocked_at) EXPECT_EQ(at, -1) << "nothing unlocked at turn 1";
  h.press_key(ImGuiKey_End);
  int unlocked = 0;
  for (int at : h.state().cache.facts_unlocked_at) unlocked += at >= 0;
  EXPECT_GT(unlocked, 0) << "the safe clinician asks about at least one hidden topic";
}

} // namespace
} // namespace imc::test
