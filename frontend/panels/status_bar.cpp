// Status bar: load progress, errors count, where the pack comes from, keyboard hints.
#include "panels.h"

namespace imc::ui {

void draw_status_bar(AppState &state, const PanelRect &rect, const char *pack_location) {
  begin_panel("##status", rect, ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoScrollbar);
  if (state.phase == LoadPhase::manifest || state.phase == LoadPhase::documents) {
    // A small spinner: the load is asynchronous on every platform.
    static const char kFrames[] = "|/-\\";
    ImGui::Text("%c", kFrames[static_cast<int>(ImGui::GetTime() * 8) & 3]);
    ImGui::SameLine();
  }
  ImGui::TextUnformatted(state.status.c_str());
  ImGui::SameLine();
  ImGui::TextDisabled("  pack: %s   keys: Left/Right turn, Space play, Home/End", pack_location);
  if (!state.errors.empty()) {
    ImGui::SameLine();
    ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "  %zu problem(s)", state.errors.size());
    if (ImGui::IsItemHovered()) {
      ImGui::BeginTooltip();
      for (const auto &e : state.errors) ImGui::TextUnformatted(e.c_str());
      ImGui::EndTooltip();
    }
  }
  end_panel();
}

} // namespace imc::ui
