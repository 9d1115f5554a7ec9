// Status bar: load progress, the last notice, problems, where the pack comes from, a key hint.
#include "panels.h"

namespace imc::ui {

void draw_status_bar(AppState &state, const PanelRect &rect, const char *pack_location) {
  begin_panel("##status", rect, ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoScrollbar);
  std::string line;
  if (state.phase == LoadPhase::manifest || state.phase == LoadPhase::documents) {
    // A small spinner: the load is asynchronous on every platform.
    static const char kFrames[] = "|/-\\";
    line += kFrames[static_cast<int>(state.now * 8) & 3];
    line += " ";
  }
  line += state.notice.empty() ? state.status : state.notice;
  if (!state.errors.empty()) {
    const std::string problems = std::to_string(state.errors.size()) + " problem(s)  ";
    text_fitted(problems, palette(state.settings.dark).error_text);
    record_widget(state, "status_problems");
    if (ImGui::IsItemHovered()) {
      ImGui::BeginTooltip();
      for (const auto &e : state.errors) ImGui::TextUnformatted(e.c_str());
      ImGui::EndTooltip();
    }
    ImGui::SameLine();
  }
  line += "   |   pack: ";
  line += pack_location;
  line += "   |   F1 or ?: keyboard shortcuts";
  text_fitted(line);
  end_panel();
}

} // namespace imc::ui
