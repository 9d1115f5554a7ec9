// Workspace: the explorer's right column. A tab bar (Conversation | Compare | Jury | Annotate |
// Wire log | Live) that wraps onto a second row when the column is narrow, and the open tab.
#include "panels.h"

#include <algorithm>

namespace imc::ui {

void draw_workspace(AppState &state, const PanelRect &rect, std::vector<Action> &out) {
  begin_panel("Workspace", rect, ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoScrollbar |
                                     ImGuiWindowFlags_NoScrollWithMouse);
  const ImGuiStyle &style = ImGui::GetStyle();
  const float avail = ImGui::GetContentRegionAvail().x;
  float x = 0;
  for (int i = 0; i < kTabCount; ++i) {
    const Tab tab = static_cast<Tab>(i);
    const float natural = ImGui::CalcTextSize(tab_title(tab)).x + 2 * style.FramePadding.x;
    const float w = std::min(natural, avail);
    if (i > 0) {
      if (x + style.ItemSpacing.x + w <= avail) {
        ImGui::SameLine();
        x += style.ItemSpacing.x;
      } else {
        x = 0; // wrap onto the next row
      }
    }
    const bool active = state.tab == tab;
    ImGui::PushStyleColor(ImGuiCol_Button, ImGui::GetStyleColorVec4(active ? ImGuiCol_TabActive : ImGuiCol_Tab));
    ImGui::PushStyleColor(ImGuiCol_ButtonHovered, ImGui::GetStyleColorVec4(ImGuiCol_TabHovered));
    const std::string label = fit_text(tab_title(tab), w - 2 * style.FramePadding.x) + "##tab" + tab_key(tab);
    if (ImGui::Button(label.c_str(), ImVec2(w, 0)) && !active) out.push_back(SetTab{tab});
    ImGui::PopStyleColor(2);
    record_widget(state, std::string("tab:") + tab_key(tab));
    x += w;
  }
  ImGui::Separator();

  // The tab's content scrolls by itself (long forms), except the tabs with their own panes.
  const bool own_panes = state.tab == Tab::conversation || state.tab == Tab::compare ||
                         state.tab == Tab::wire_log;
  ImGui::BeginChild("tab_content", ImVec2(0, 0), false,
                    own_panes ? ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse : 0);
  switch (state.tab) {
  case Tab::conversation: draw_conversation_tab(state, out); break;
  case Tab::compare: draw_compare_tab(state, out); break;
  case Tab::jury: draw_jury_tab(state, out); break;
  case Tab::annotate: draw_annotate_tab(state, out); break;
  case Tab::wire_log: draw_wire_log_tab(state, out); break;
  case Tab::live: draw_live_tab(state, out); break;
  }
  ImGui::EndChild();
  record_widget(state, "tab_content");
  end_panel();
}

} // namespace imc::ui
