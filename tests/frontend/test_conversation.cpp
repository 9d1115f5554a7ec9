// Conversation tab and replay bar: per-turn metadata, copy to clipboard, text streaming in with a
// typing indicator, speed, jump to turn, keyboard shortcuts, and long transcripts drawn clipped.
#include "headless.h"

#include <gtest/gtest.h>

namespace imc::test {
namespace {

TEST(FrontendConversation, CopyButtonPutsTheTurnOnTheClipboard) {
  Headless h(demo_pack_dir());
  h.load();
  ASSERT_TRUE(h.state().widgets.count("copy:0"));
  const auto actions = h.click("copy:0");
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<ui::CopyText>(actions[0]));
  EXPECT_EQ(h.platform().clipboard, h.state().current_transcript()->turns[0].text);
  EXPECT_NE(h.state().notice.find("Copied"), std::string::npos);
}

TEST(FrontendConversation, NextStreamsTheNewTurnInWithATypingIndicator) {
  Headless h(demo_pack_dir());
  h.load();
  h.click("replay_next");
  EXPECT_EQ(h.state().replay.reveal_turn, 1) << "the new turn streams in";
  const size_t length = h.state().current_transcript()->turns[1].text.size();
  // kRevealCharsPerSecond at 60 frames a second: done after length / 10 frames.
  h.frames(static_cast<int>(length / 10) + 5);
  EXPECT_GE((h.state().now - h.state().replay.reveal_started_at) * ui::kRevealCharsPerSecond,
            static_cast<double>(length));
  // Seeking shows whole turns at once.
  h.app().apply(ui::ReplaySeek{5});
  EXPECT_EQ(h.state().replay.reveal_turn, -1);
}

TEST(FrontendConversation, SpeedShortcutsAndJumpToTurn) {
  Headless h(demo_pack_dir());
  h.load();
  const float speed = h.state().replay.turns_per_second;
  h.type_char(']');
  EXPECT_FLOAT_EQ(h.state().replay.turns_per_second, speed * 2);
  h.type_char('[');
  h.type_char('[');
  EXPECT_FLOAT_EQ(h.state().replay.turns_per_second, speed / 2);
  // G focuses the jump box; typing a number and Enter shows that many turns.
  h.type_char('g');
  h.frames(2);
  EXPECT_TRUE(ImGui::GetIO().WantTextInput) << "the jump box did not take the keyboard";
  h.type_char('7');
  const auto actions = h.press_key(ImGuiKey_Enter);
  EXPECT_EQ(h.state().replay.shown, 7);
  (void)actions;
}

TEST(FrontendConversation, SpeedComboChangesPlaySpeed) {
  Headless h(demo_pack_dir());
  h.load();
  h.click("replay_speed");
  h.frame();
  h.app().apply(ui::SetReplaySpeed{4.0f});
  EXPECT_FLOAT_EQ(h.state().replay.turns_per_second, 4.0f);
  h.app().apply(ui::SetReplaySpeed{100.0f});
  EXPECT_FLOAT_EQ(h.state().replay.turns_per_second, ui::kMaxReplaySpeed);
}

TEST(FrontendConversation, StoreTranscriptsShowLatencyTimeToFirstTokenAndTokens) {
  Headless h(demo_pack_dir());
  h.use_scripted_api();
  h.load();
  // The store's transcript of the case is listed and opens through the API.
  ASSERT_TRUE(h.state().case_transcripts.ready_for("isic-0000002-melanoma"));
  h.app().apply(ui::SelectTranscript{"run-demo-opus-melanoma-full"});
  h.frames(3);
  ASSERT_NE(h.state().current_transcript(), nullptr);
  EXPECT_EQ(h.state().current_transcript()->id, "run-demo-opus-melanoma-full");
  const Turn &t = h.state().current_transcript()->turns[1];
  EXPECT_EQ(t.latency_ms.value_or(0), 3200);
  EXPECT_EQ(t.ttft_ms.value_or(0), 410);
}

TEST(FrontendConversation, AThousandTurnTranscriptDrawsOnlyTheVisibleBubbles) {
  Headless h(demo_pack_dir());
  h.load();
  Transcript t = *h.state().current_transcript();
  t.id = "long";
  const auto turns = t.turns;
  t.turns.clear();
  for (int i = 0; i < 1000; ++i) {
    Turn turn = turns[static_cast<size_t>(i) % turns.size()];
    turn.index = i;
    t.turns.push_back(turn);
  }
  auto transcripts = h.state().transcripts;
  transcripts.push_back(t);
  h.app().open_pack(*h.state().pack, transcripts);
  h.app().apply(ui::SelectTranscript{"long"});
  h.app().apply(ui::ReplaySeek{1000});
  h.frames(3);
  int copies = 0;
  for (const auto &[name, r] : h.state().widgets) copies += name.rfind("copy:", 0) == 0;
  EXPECT_GE(copies, 1);
  EXPECT_LT(copies, 20) << "bubbles outside the view were drawn";
  EXPECT_TRUE(h.state().widgets.count("copy:999")) << "the view follows the newest turn";
}

TEST(FrontendConversation, PlayReplaysAgainFromTheStartWhenAtTheEnd) {
  Headless h(demo_pack_dir());
  h.load();
  h.press_key(ImGuiKey_End);
  h.press_key(ImGuiKey_Space);
  EXPECT_TRUE(h.state().replay.playing);
  EXPECT_EQ(h.state().replay.shown, 1);
}

} // namespace
} // namespace imc::test
