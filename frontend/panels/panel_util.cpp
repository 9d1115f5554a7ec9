#include "panels.h"

#include <algorithm>
#include <cstdio>

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

void record_widget(AppState &state, const std::string &name) { record_widget(state, name.c_str()); }

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
  const float width = std::max(0.0f, ImGui::GetContentRegionAvail().x);
  const std::string shown = fit_text(text, width);
  const ImVec2 pos = ImGui::GetCursorScreenPos();
  ImGui::GetWindowDrawList()->AddText(pos, color ? color : ImGui::GetColorU32(ImGuiCol_Text),
                                      shown.c_str());
  // Reserve the line without claiming more width than there is.
  ImGui::Dummy(ImVec2(std::min(width, ImGui::CalcTextSize(shown.c_str()).x),
                      ImGui::GetTextLineHeight()));
  if (shown != text && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", text.c_str());
}

bool collapsing_header(const std::string &label, const char *id, ImGuiTreeNodeFlags flags) {
  const float room = ImGui::GetContentRegionAvail().x - ImGui::GetTreeNodeToLabelSpacing() -
                     ImGui::GetStyle().FramePadding.x * 2;
  return ImGui::CollapsingHeader((fit_text(label, std::max(1.0f, room)) + "###" + id).c_str(), flags);
}

void text_wrapped(const std::string &text, ImU32 color) {
  if (color) ImGui::PushStyleColor(ImGuiCol_Text, color);
  ImGui::PushTextWrapPos(0.0f);
  ImGui::TextUnformatted(text.c_str(), text.c_str() + text.size());
  ImGui::PopTextWrapPos();
  if (color) ImGui::PopStyleColor();
}

void note(const std::string &text) { text_wrapped(text, ImGui::GetColorU32(ImGuiCol_TextDisabled)); }

void error_box(const AppState &state, const char *title, const ApiError &error) {
  if (error.empty()) return;
  const Palette &p = palette(state.settings.dark);
  text_wrapped(std::string(title) + ": " + error.message +
                   (error.kind.empty() ? "" : " (" + error.kind + ")"),
               p.error_text);
  if (!error.hint.empty()) text_wrapped("What to do: " + error.hint, p.warning_text);
}

void api_unavailable_note(const AppState &state, const char *what) {
  const Palette &p = palette(state.settings.dark);
  if (state.api.availability == ApiStatus::Availability::unknown) {
    note("Checking for the IMC API...");
    return;
  }
  text_wrapped(std::string("Replay only: ") + what + " needs the IMC API, which is not available here.",
               p.warning_text);
  if (!state.api.reason.empty()) text_wrapped(state.api.reason, ImGui::GetColorU32(ImGuiCol_TextDisabled));
  text_wrapped("Replay keeps working: pick a case and use the Conversation and Compare tabs.",
               ImGui::GetColorU32(ImGuiCol_TextDisabled));
}

bool button(const char *label, bool enabled, float width) {
  ImGui::BeginDisabled(!enabled);
  const bool clicked = ImGui::Button(label, ImVec2(width, 0));
  ImGui::EndDisabled();
  return clicked && enabled;
}

std::string format_ms(long long ms) {
  char buf[32];
  if (ms < 1000) std::snprintf(buf, sizeof buf, "%lld ms", ms);
  else std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms) / 1000.0);
  return buf;
}

} // namespace imc::ui
