// Help: every keyboard shortcut (from the one table App acts on), the mouse gestures, and how
// deep links and drag-and-drop work.
#include "panels.h"

#include "../shortcuts.h"

#include <algorithm>

namespace imc::ui {

void draw_help_overlay(AppState &state, const PanelRect &rect, std::vector<Action> &out) {
  ImGui::SetNextWindowPos(rect.pos, ImGuiCond_Always);
  ImGui::SetNextWindowSize(rect.size, ImGuiCond_Always);
  ImGui::SetNextWindowBgAlpha(1.0f); // an overlay hides what is under it
  bool open = true;
  ImGui::Begin("Help: keyboard shortcuts", &open,
               ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse);
  // The table scrolls; the note and the Close button below it stay visible.
  const float footer = ImGui::GetTextLineHeightWithSpacing() * 4 + ImGui::GetFrameHeightWithSpacing();
  const ImVec2 table_size(0, std::max(ImGui::GetFrameHeight() * 3, ImGui::GetContentRegionAvail().y - footer));
  if (ImGui::BeginTable("shortcuts", 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp | ImGuiTableFlags_ScrollY,
                        table_size)) {
    ImGui::TableSetupColumn("Key", ImGuiTableColumnFlags_WidthStretch, 1.0f);
    ImGui::TableSetupColumn("Does", ImGuiTableColumnFlags_WidthStretch, 3.0f);
    for (const Shortcut &s : shortcuts()) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      text_fitted(s.keys_label);
      ImGui::TableNextColumn();
      text_fitted(s.description);
    }
    const char *mouse[][2] = {{"Wheel on the image", "Zoom to the cursor"},
                              {"Drag the image", "Pan"},
                              {"Double-click the image", "Fit / 1:1"},
                              {"Click a dashboard bar", "List the transcripts behind it"}};
    for (const auto &m : mouse) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      text_fitted(m[0]);
      ImGui::TableNextColumn();
      text_fitted(m[1]);
    }
    ImGui::EndTable();
  }
  record_widget(state, "help_table");
  ImGui::Spacing();
  text_wrapped("Shortcuts work when no text box has the keyboard. In the browser the address keeps "
               "#case=...&transcript=... current, so a link opens what you see; drop a case pack folder "
               "or a transcripts .jsonl onto the page to open it.",
               ImGui::GetColorU32(ImGuiCol_TextDisabled));
  if (ImGui::Button("Close")) open = false;
  record_widget(state, "help_close");
  ImGui::End();
  if (!open) out.push_back(SetOverlay{Overlay::none});
}

} // namespace imc::ui
