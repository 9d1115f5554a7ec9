// Menu bar: the two views (Cases, Dashboard), Settings, the help button, and whether the API is
// there (live features) or not (replay only).
#include "panels.h"

#include <algorithm>

namespace imc::ui {

void draw_menu_bar(AppState &state, const PanelRect &rect, std::vector<Action> &out) {
  (void)rect; // the main menu bar places itself at the top of the display (rect.size.y tall)
  if (!ImGui::BeginMainMenuBar()) return;
  if (ImGui::MenuItem("Cases", nullptr, state.view == View::explore) && state.view != View::explore) {
    out.push_back(SetView{View::explore});
  }
  record_widget(state, "menu:explore");
  if (ImGui::MenuItem("Dashboard", nullptr, state.view == View::dashboard) &&
      state.view != View::dashboard) {
    out.push_back(SetView{View::dashboard});
  }
  record_widget(state, "menu:dashboard");
  if (ImGui::MenuItem("Settings", nullptr, state.overlay == Overlay::settings)) {
    out.push_back(SetOverlay{state.overlay == Overlay::settings ? Overlay::none : Overlay::settings});
  }
  record_widget(state, "menu:settings");
  if (ImGui::MenuItem(" ? ", nullptr, state.overlay == Overlay::help)) {
    out.push_back(SetOverlay{state.overlay == Overlay::help ? Overlay::none : Overlay::help});
  }
  record_widget(state, "menu:help");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Keyboard shortcuts (F1 or ?)");

  // Right-aligned: the API's availability.
  const Palette &p = palette(state.settings.dark);
  const char *mode = "Checking API...";
  ImU32 color = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  if (state.api.availability == ApiStatus::Availability::available) {
    mode = "Live API";
    color = p.chart_positive;
  } else if (state.api.availability == ApiStatus::Availability::unavailable) {
    mode = "Replay only";
    color = p.warning_text;
  }
  const float w = ImGui::CalcTextSize(mode).x;
  const float x = ImGui::GetWindowContentRegionMax().x - w - ImGui::GetStyle().ItemSpacing.x;
  if (x > ImGui::GetCursorPosX() + 8) {
    ImGui::SameLine(x);
    ImGui::PushStyleColor(ImGuiCol_Text, color);
    ImGui::TextUnformatted(mode);
    ImGui::PopStyleColor();
    record_widget(state, "menu:api");
    if (ImGui::IsItemHovered() && !state.api.reason.empty()) {
      ImGui::BeginTooltip();
      ImGui::PushTextWrapPos(ImGui::GetFontSize() * 30);
      ImGui::TextUnformatted(state.api.reason.c_str());
      ImGui::PopTextWrapPos();
      ImGui::EndTooltip();
    }
  }
  ImGui::EndMainMenuBar();
}

} // namespace imc::ui
