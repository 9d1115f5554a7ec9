// Cases: the pack's cases with a search box; a click selects a case.
#include "panels.h"

#include <imgui_stdlib.h>

#include <algorithm>
#include <cctype>

namespace imc::ui {
namespace {

bool contains_ci(const std::string &haystack, const std::string &needle) {
  if (needle.empty()) return true;
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                        [](char a, char b) {
                          return std::tolower(static_cast<unsigned char>(a)) ==
                                 std::tolower(static_cast<unsigned char>(b));
                        });
  return it != haystack.end();
}

bool matches(const Case &c, const std::string &filter) {
  return contains_ci(c.title, filter) || contains_ci(c.id, filter) ||
         contains_ci(c.labels.diagnosis, filter) || contains_ci(c.labels.category, filter);
}

} // namespace

void draw_cases_panel(AppState &state, const PanelRect &rect, std::vector<Action> &out) {
  begin_panel("Cases", rect);
  if (!state.pack) {
    if (state.phase == LoadPhase::failed) {
      ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "The case pack could not be loaded:");
      for (const auto &e : state.errors) ImGui::TextWrapped("%s", e.c_str());
    } else {
      ImGui::TextDisabled("Loading...");
    }
    end_panel();
    return;
  }
  std::string filter = state.case_filter;
  ImGui::SetNextItemWidth(-1);
  if (ImGui::InputTextWithHint("##search", "Search cases", &filter)) out.push_back(SetCaseFilter{filter});
  record_widget(state, "case_search");

  int shown = 0;
  ImGui::BeginChild("case_list");
  const auto &cases = state.pack->cases;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case &c = cases[i];
    if (!matches(c, state.case_filter)) continue;
    ++shown;
    ImGui::PushID(static_cast<int>(i));
    const bool selected = static_cast<int>(i) == state.selected_case;
    if (ImGui::Selectable("##case", selected, 0, ImVec2(0, ImGui::GetTextLineHeight() * 2.6f))) {
      out.push_back(SelectCase{c.id});
    }
    record_widget(state, ("case:" + c.id).c_str());
    const ImVec2 min = ImGui::GetItemRectMin();
    const float width = ImGui::GetItemRectSize().x - 8;
    ImDrawList *dl = ImGui::GetWindowDrawList();
    dl->AddText(ImVec2(min.x + 4, min.y + 2), ImGui::GetColorU32(ImGuiCol_Text),
                fit_text(c.title, width).c_str());
    std::string meta = c.labels.diagnosis + "  |  " + to_string(c.labels.malignancy);
    if (c.labels.rarity == Rarity::rare) meta += "  |  rare";
    dl->AddText(ImVec2(min.x + 4, min.y + 4 + ImGui::GetTextLineHeight()),
                ImGui::GetColorU32(ImGuiCol_TextDisabled), fit_text(meta, width).c_str());
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s\n%s", c.title.c_str(), meta.c_str());
    ImGui::PopID();
  }
  if (shown == 0) ImGui::TextDisabled("No case matches \"%s\"", state.case_filter.c_str());
  ImGui::EndChild();
  end_panel();
}

} // namespace imc::ui
