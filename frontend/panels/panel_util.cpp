#include "panels.h"

#include <algorithm>

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

std::string fit_text(const std::string &text, float max_width) {
  if (ImGui::CalcTextSize(text.c_str()).x <= max_width) return text;
  const float dots = ImGui::CalcTextSize("...").x;
  // Binary search on the byte length, then back off to a UTF-8 character boundary.
  size_t lo = 0, hi = text.size();
  while (lo < hi) {
    const size_t mid = (lo + hi + 1) / 2;
    if (ImGui::CalcTextSize(text.c_str(), text.c_str() + mid).x + dots <= max_width) lo = mid;
    else hi = mid - 1;
  }
  while (lo > 0 && (static_cast<unsigned char>(text[lo]) & 0xC0) == 0x80) --lo;
  return text.substr(0, lo) + "...";
}

void text_fitted(const std::string &text, ImU32 color) {
  const float width = ImGui::GetContentRegionAvail().x;
  const std::string shown = fit_text(text, width);
  const ImVec2 pos = ImGui::GetCursorScreenPos();
  ImGui::GetWindowDrawList()->AddText(pos, color ? color : ImGui::GetColorU32(ImGuiCol_Text),
                                      shown.c_str());
  // Reserve the line without claiming more width than there is.
  ImGui::Dummy(ImVec2(std::min(width, ImGui::CalcTextSize(shown.c_str()).x),
                      ImGui::GetTextLineHeight()));
  if (shown != text && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", text.c_str());
}

} // namespace imc::ui
