#include "panels.h"

namespace imc::ui {

void begin_panel(const char *name, const PanelRect &rect, ImGuiWindowFlags extra_flags) {
  ImGui::SetNextWindowPos(rect.pos, ImGuiCond_Always);
  ImGui::SetNextWindowSize(rect.size, ImGuiCond_Always);
  ImGui::Begin(name, nullptr,
               ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse |
                   ImGuiWindowFlags_NoBringToFrontOnFocus | extra_flags);
}

void end_panel() { ImGui::End(); }

void record_widget(AppState &state, const char *name, ImVec2 min, ImVec2 max) {
  state.widgets[name] = WidgetRect{min.x, min.y, max.x - min.x, max.y - min.y};
}

void record_widget(AppState &state, const char *name) {
  record_widget(state, name, ImGui::GetItemRectMin(), ImGui::GetItemRectMax());
}

} // namespace imc::ui
