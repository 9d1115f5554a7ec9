// Status bar: load progress, errors count, where the pack comes from, keyboard hints.
#include "panels.h"

namespace imc::ui {

void draw_status_bar(AppState &state, const PanelRect &rect, const char *pack_location) {
  begin_panel("##status", rect, ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoScrollbar);
  std::string line;
  if (state.phase == LoadPhase::manifest || state.phase == LoadPhase::documents) {
    // A small spinner: the load is asynchronous on every platform.
    static const char kFrames[] = "|/-\\";
    line += kFrames[static_cast<int>(ImGui::GetTime() * 8) & 3];
    line += " ";
  }
  line += state.status;
  if (!state.errors.empty()) {
    const std::string problems = std::to_string(state.errors.size()) + " problem(s)  ";
    text_fitted(problems, IM_COL32(255, 115, 100, 255));
    if (ImGui::IsItemHovered()) {
      ImGui::BeginTooltip();
      for (const auto &e : state.errors) ImGui::TextUnformatted(e.c_str());
      ImGui::EndTooltip();
    }
    ImGui::SameLine();
  }
  line += "   |   pack: ";
  line += pack_location;
  line += "   |   Left/Right: turn, Space: play, Home/End";
  text_fitted(line);
  end_panel();
}

} // namespace imc::ui
