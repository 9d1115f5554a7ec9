// Replay bar: first / previous / play / next / last, a scrub bar, the play speed and a box to jump
// to a turn. Keyboard shortcuts do the same (shortcuts.cpp, listed in the help overlay).
#include "panels.h"

#include <imgui_stdlib.h>

#include <cstdio>
#include <cstdlib>

namespace imc::ui {
namespace {

constexpr float kSpeeds[] = {0.25f, 0.5f, 1.0f, 2.0f, 4.0f};

std::string speed_label(float turns_per_second) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g turn/s", static_cast<double>(turns_per_second));
  return buf;
}

} // namespace

float replay_bar_height() {
  // Three rows: buttons, scrub bar, speed and jump.
  return ImGui::GetFrameHeightWithSpacing() * 3 + ImGui::GetStyle().ItemSpacing.y;
}

void draw_replay_bar(AppState &state, const Transcript &transcript, std::vector<Action> &out) {
  const int n = static_cast<int>(transcript.turns.size());
  const int shown = std::min(state.replay.shown, n);
  const ImGuiStyle &style = ImGui::GetStyle();
  const float avail = ImGui::GetContentRegionAvail().x;
  // Five buttons share the row.
  const float w = std::max(1.0f, (avail - 4 * style.ItemSpacing.x) / 5);
  auto fitted = [&](const char *full, const char *short_label) {
    return ImGui::CalcTextSize(full).x + 2 * style.FramePadding.x <= w ? full : short_label;
  };
  if (button(fitted("|< First", "|<"), shown > 0, w)) out.push_back(ReplaySeek{0});
  record_widget(state, "replay_first");
  ImGui::SameLine();
  if (button(fitted("< Prev", "<"), shown > 0, w)) out.push_back(ReplayStep{-1});
  record_widget(state, "replay_prev");
  ImGui::SameLine();
  const char *play = state.replay.playing ? fitted("Pause", "||") : fitted("Play", ">");
  if (button(play, n > 0, w)) out.push_back(ReplaySetPlaying{!state.replay.playing});
  record_widget(state, "replay_play");
  ImGui::SameLine();
  if (button(fitted("Next >", ">"), shown < n, w)) out.push_back(ReplayStep{+1});
  record_widget(state, "replay_next");
  ImGui::SameLine();
  if (button(fitted("Last >|", ">|"), shown < n, w)) out.push_back(ReplaySeek{n});
  record_widget(state, "replay_last");

  int scrub = shown;
  ImGui::SetNextItemWidth(-1);
  const std::string format = "Turn %d of " + std::to_string(n);
  if (ImGui::SliderInt("##scrub", &scrub, 0, n, format.c_str())) out.push_back(ReplaySeek{scrub});
  record_widget(state, "replay_scrub");

  // Speed and jump to turn share the last row.
  const float half = std::max(1.0f, (avail - style.ItemSpacing.x) / 2);
  ImGui::SetNextItemWidth(half);
  if (ImGui::BeginCombo("##speed", speed_label(state.replay.turns_per_second).c_str())) {
    for (float s : kSpeeds) {
      if (ImGui::Selectable(speed_label(s).c_str(), s == state.replay.turns_per_second)) {
        out.push_back(SetReplaySpeed{s});
      }
    }
    ImGui::EndCombo();
  }
  record_widget(state, "replay_speed");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(half);
  if (state.cache.focus_jump_input) {
    ImGui::SetKeyboardFocusHere();
    state.cache.focus_jump_input = false;
  }
  std::string jump;
  if (ImGui::InputTextWithHint("##jump", "Jump to turn (G)", &jump,
                               ImGuiInputTextFlags_CharsDecimal | ImGuiInputTextFlags_EnterReturnsTrue)) {
    // Turn numbers count from 1; showing turn k means k turns are visible.
    if (!jump.empty()) out.push_back(ReplaySeek{std::atoi(jump.c_str())});
  }
  record_widget(state, "replay_jump");
}

} // namespace imc::ui
