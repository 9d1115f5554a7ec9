// Wire log: each model call behind the open transcript, with its timings, raw request and raw
// response (secrets were removed by the server before storing them).
#include "panels.h"

#include <imgui_stdlib.h>

#include <algorithm>

namespace imc::ui {
namespace {

std::string duration_of(const WireLogEntry &w) {
  auto ms = milliseconds_between(w.started_at, w.ended_at);
  return ms ? format_ms(*ms) : std::string("?");
}

void text_block(AppState &state, const char *title, const char *name, std::string &text, float height,
                std::vector<Action> &out) {
  const std::string id = std::string("##") + name;
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted(title);
  ImGui::SameLine();
  ImGui::PushID(name);
  if (ImGui::SmallButton("Copy")) out.push_back(CopyText{text});
  record_widget(state, std::string("wirelog_copy_") + name);
  ImGui::PopID();
  // Read-only: selectable and scrollable, never edited.
  ImGui::InputTextMultiline(id.c_str(), &text, ImVec2(-1, height), ImGuiInputTextFlags_ReadOnly);
  record_widget(state, std::string("wirelog_") + name);
}

} // namespace

void draw_wire_log_tab(AppState &state, std::vector<Action> &out) {
  const Transcript *t = state.current_transcript();
  if (!t) {
    note("Open a transcript to see its wire log.");
    return;
  }
  if (!state.api.available()) {
    api_unavailable_note(state, "the wire log");
    return;
  }
  auto &logs = state.wire_log.logs;
  if (logs.loading()) {
    note("Loading the wire log...");
    return;
  }
  if (logs.state == Remote<std::vector<WireLogEntry>>::State::failed) {
    if (logs.error.kind == "not_found") {
      note("This transcript is not in the store (it came with the pack or was dropped onto "
                   "the page), so no calls were recorded for it.");
    } else {
      error_box(state, "Could not load the wire log", logs.error);
    }
    if (button("Retry")) out.push_back(LoadWireLogs{true});
    return;
  }
  if (!logs.ready_for(t->id)) return;
  if (logs.value.empty()) {
    note("No calls recorded for this transcript.");
    return;
  }
  text_fitted(std::to_string(logs.value.size()) + " call(s); secrets are redacted by the server",
              ImGui::GetColorU32(ImGuiCol_TextDisabled));
  const float avail_h = ImGui::GetContentRegionAvail().y;
  ImGui::BeginChild("wire_list", ImVec2(0, std::max(ImGui::GetFrameHeight() * 3, avail_h * 0.3f)), true);
  for (size_t i = 0; i < logs.value.size(); ++i) {
    const WireLogEntry &w = logs.value[i];
    const std::string label = "Turn " + std::to_string(w.turn) + " · " + w.call_id + " · " +
                              (w.status.empty() ? "?" : w.status) + " · " + duration_of(w);
    ImGui::PushID(static_cast<int>(i));
    if (ImGui::Selectable(fit_text(label, ImGui::GetContentRegionAvail().x).c_str(),
                          state.wire_log.selected == static_cast<int>(i))) {
      out.push_back(SelectWireLog{static_cast<int>(i)});
    }
    record_widget(state, "wirelog:" + std::to_string(i));
    ImGui::PopID();
  }
  ImGui::EndChild();
  record_widget(state, "wire_list");

  const int sel = state.wire_log.selected;
  if (sel < 0 || sel >= static_cast<int>(logs.value.size())) {
    note("Select a call to see its request and response.");
    return;
  }
  WireLogEntry &w = logs.value[static_cast<size_t>(sel)];
  text_fitted("Started " + w.started_at + ", ended " + w.ended_at + " (" + duration_of(w) + "), status " +
              w.status);
  const float block_h = std::max(ImGui::GetTextLineHeight() * 3,
                                 (ImGui::GetContentRegionAvail().y - 2 * ImGui::GetFrameHeightWithSpacing()) / 2 -
                                     ImGui::GetStyle().ItemSpacing.y);
  text_block(state, "Request", "request", w.request, block_h, out);
  text_block(state, "Response", "response", w.response, block_h, out);
}

} // namespace imc::ui
