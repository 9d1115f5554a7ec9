// Compare: two transcripts of the same case side by side (different models or conditions). The
// panes scroll together, turn by turn: the turn at the top of the pane the user scrolls is put at
// the top of the other.
#include "panels.h"

#include <imgui_internal.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace imc::ui {

void draw_compare_tab(AppState &state, std::vector<Action> &out) {
  const Case *c = state.current_case();
  const Transcript *left = state.current_transcript();
  if (!c || !left) {
    note(c ? "No transcript for this case yet." : "Select a case");
    return;
  }
  const Transcript *right = state.compare_transcript();
  const ImGuiStyle &style = ImGui::GetStyle();
  const float col_w = std::max(1.0f, (ImGui::GetContentRegionAvail().x - style.ItemSpacing.x) / 2);
  const Transcript *side[2] = {left, right};

  // Pickers and captions, in two columns.
  for (int s = 0; s < 2; ++s) {
    ImGui::BeginGroup();
    ImGui::PushItemWidth(col_w);
    ImGui::PushID(s);
    ImGui::BeginChild("head", ImVec2(col_w, ImGui::GetFrameHeightWithSpacing() + 2 * ImGui::GetTextLineHeightWithSpacing()),
                      false, ImGuiWindowFlags_NoScrollbar);
    draw_transcript_picker(state, "##compare_picker", side[s], s == 0, out);
    record_widget(state, s == 0 ? "compare_picker_left" : "compare_picker_right");
    if (side[s]) draw_transcript_caption(state, *side[s]);
    else if (!state.compare.right_id.empty() && state.api.available()) note("Loading...");
    else note("No other transcript of this case to compare with.");
    ImGui::EndChild();
    ImGui::PopID();
    ImGui::PopItemWidth();
    ImGui::EndGroup();
    if (s == 0) ImGui::SameLine();
  }

  // The panes. A pane the user scrolled moves the other to the same turn.
  const float pane_h = ImGui::GetContentRegionAvail().y;
  const bool anchor_changed = state.cache.compare_applied_anchor != state.compare.anchor;
  std::array<float, 2> scroll{{0, 0}};
  std::array<std::vector<float>, 2> offsets;
  std::array<bool, 2> set_here{{false, false}};
  for (int s = 0; s < 2; ++s) {
    if (s == 1) ImGui::SameLine();
    const char *pane = s == 0 ? "compare_left" : "compare_right";
    if (anchor_changed && s != state.compare.source && side[s]) {
      const auto &known = state.cache.bubbles[pane].offsets;
      ImGui::SetNextWindowScroll(ImVec2(-1.0f, offset_of(known, state.compare.anchor)));
      set_here[static_cast<size_t>(s)] = true;
    }
    ImGui::BeginChild(pane, ImVec2(col_w, pane_h), true);
    if (side[s]) {
      TurnListOptions options;
      options.count = static_cast<int>(side[s]->turns.size());
      offsets[static_cast<size_t>(s)] = draw_turn_list(state, pane, side[s]->id, side[s]->turns, options, out);
    }
    scroll[static_cast<size_t>(s)] = ImGui::GetScrollY();
    ImGui::EndChild();
    record_widget(state, pane);
  }
  state.cache.compare_applied_anchor = state.compare.anchor;
  for (int s = 0; s < 2; ++s) {
    float &last = state.cache.compare_last_scroll[static_cast<size_t>(s)];
    const float now = scroll[static_cast<size_t>(s)];
    const bool user_scrolled = !set_here[static_cast<size_t>(s)] && last >= 0 && std::fabs(now - last) > 0.5f;
    last = now;
    if (user_scrolled && side[0] && side[1]) {
      out.push_back(SyncCompareScroll{turn_at(offsets[static_cast<size_t>(s)], now), s});
    }
  }
}

} // namespace imc::ui
