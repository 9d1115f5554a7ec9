// Cases: search, facet filters (diagnosis, malignancy, rarity, modality) with per-option counts,
// "7 of 12", and the list itself, clipped so 100,000 entries cost what the visible ones cost.
#include "panels.h"

#include <imgui_stdlib.h>

#include <algorithm>

namespace imc::ui {
namespace {

void draw_facet(AppState &state, Facet facet, std::vector<Action> &out) {
  const auto &options = state.case_list.options[static_cast<size_t>(facet)];
  const auto &selected = state.case_filter.selected[static_cast<size_t>(facet)];
  std::string preview = std::string(facet_title(facet)) + ": ";
  if (selected.empty()) preview += "any";
  else if (selected.size() == 1) preview += *selected.begin();
  else preview += std::to_string(selected.size()) + " chosen";
  const std::string id = std::string("##facet_") + facet_key(facet);
  ImGui::SetNextItemWidth(-1);
  if (ImGui::BeginCombo(id.c_str(), fit_text(preview, ImGui::GetContentRegionAvail().x - ImGui::GetFrameHeight() - 8).c_str())) {
    if (options.empty()) note("No values");
    for (const FacetOption &o : options) {
      const std::string label = (o.selected ? "[x] " : "[ ] ") + o.value + "  (" + std::to_string(o.count) + ")";
      if (ImGui::Selectable(label.c_str(), o.selected, ImGuiSelectableFlags_DontClosePopups)) {
        out.push_back(ToggleFacet{facet, o.value});
      }
      record_widget(state, std::string("facet:") + facet_key(facet) + ":" + o.value);
    }
    ImGui::EndCombo();
  }
  record_widget(state, std::string("facet:") + facet_key(facet));
}

void draw_entry(AppState &state, const Case &c, int index, std::vector<Action> &out) {
  ImGui::PushID(index);
  const bool selected = index == state.selected_case;
  if (ImGui::Selectable("##case", selected, 0, ImVec2(0, ImGui::GetTextLineHeight() * 2.6f))) {
    out.push_back(SelectCase{c.id});
  }
  record_widget(state, "case:" + c.id);
  const ImVec2 min = ImGui::GetItemRectMin();
  const float width = ImGui::GetItemRectSize().x - 8;
  ImDrawList *dl = ImGui::GetWindowDrawList();
  dl->AddText(ImVec2(min.x + 4, min.y + 2), ImGui::GetColorU32(ImGuiCol_Text),
              fit_text(c.title, width).c_str());
  std::string meta = c.labels.diagnosis + "  |  " + to_string(c.labels.malignancy);
  if (c.labels.rarity == Rarity::rare) meta += "  |  rare";
  if (!c.images.empty()) meta += "  |  " + std::string(to_string(c.images.front().modality));
  dl->AddText(ImVec2(min.x + 4, min.y + 4 + ImGui::GetTextLineHeight()),
              ImGui::GetColorU32(ImGuiCol_TextDisabled), fit_text(meta, width).c_str());
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s\n%s", c.title.c_str(), meta.c_str());
  ImGui::PopID();
}

} // namespace

void draw_cases_panel(AppState &state, const PanelRect &rect, std::vector<Action> &out) {
  begin_panel("Cases", rect);
  if (!state.pack) {
    if (state.phase == LoadPhase::failed) {
      ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "The case pack could not be loaded:");
      for (const auto &e : state.errors) text_wrapped(e);
    } else {
      note("Loading...");
    }
    end_panel();
    return;
  }
  std::string filter = state.case_filter.text;
  ImGui::SetNextItemWidth(-1);
  if (ImGui::InputTextWithHint("##search", "Search cases", &filter)) out.push_back(SetCaseFilter{filter});
  record_widget(state, "case_search");

  for (int f = 0; f < kFacetCount; ++f) draw_facet(state, static_cast<Facet>(f), out);

  const int listed = static_cast<int>(state.case_list.visible.size());
  const std::string counts = std::to_string(listed) + " of " + std::to_string(state.case_list.total) + " cases";
  if (state.case_filter.active()) {
    const float clear_w = ImGui::CalcTextSize("Clear").x + ImGui::GetStyle().FramePadding.x * 2;
    const float room = ImGui::GetContentRegionAvail().x - clear_w - ImGui::GetStyle().ItemSpacing.x;
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted(fit_text(counts, std::max(1.0f, room)).c_str());
    record_widget(state, "case_counts");
    ImGui::SameLine(ImGui::GetContentRegionMax().x - clear_w);
    if (ImGui::SmallButton("Clear")) out.push_back(ClearFacets{});
    record_widget(state, "case_filters_clear");
  } else {
    ImGui::TextDisabled("%s", fit_text(counts, ImGui::GetContentRegionAvail().x).c_str());
    record_widget(state, "case_counts");
  }

  ImGui::BeginChild("case_list");
  const auto &cases = state.pack->cases;
  const auto &visible = state.case_list.visible;
  // Keep the selected case in view when it changes (keyboard: Page up / Page down).
  const float row_h = ImGui::GetTextLineHeight() * 2.6f + ImGui::GetStyle().ItemSpacing.y;
  if (state.cache.case_list_scrolled_to != state.selected_case) {
    auto it = std::find(visible.begin(), visible.end(), state.selected_case);
    if (it != visible.end()) {
      const float y = static_cast<float>(it - visible.begin()) * row_h;
      if (y < ImGui::GetScrollY() || y + row_h > ImGui::GetScrollY() + ImGui::GetWindowHeight()) {
        ImGui::SetScrollY(std::max(0.0f, y - ImGui::GetWindowHeight() / 2));
      }
    }
    state.cache.case_list_scrolled_to = state.selected_case;
  }
  ImGuiListClipper clipper;
  clipper.Begin(listed, row_h);
  while (clipper.Step()) {
    for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row) {
      const int index = visible[static_cast<size_t>(row)];
      draw_entry(state, cases[static_cast<size_t>(index)], index, out);
    }
  }
  clipper.End();
  if (listed == 0) {
    note("No case matches the search and filters.");
  }
  ImGui::EndChild();
  end_panel();
}

} // namespace imc::ui
