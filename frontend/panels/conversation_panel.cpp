// Conversation: the open transcript as chat bubbles, replayed turn by turn, with the replay bar.
#include "panels.h"

#include <algorithm>
#include <cstdio>

namespace imc::ui {
namespace {

void draw_bubble(const Turn &turn, float width) {
  const bool clinician = turn.role == Role::clinician;
  const float pad = 8.0f;
  const float bubble_w = width * 0.86f;
  const float text_w = bubble_w - 2 * pad;
  ImDrawList *dl = ImGui::GetWindowDrawList();

  const ImVec2 start = ImGui::GetCursorScreenPos();
  const float x = clinician ? start.x + width - bubble_w : start.x;
  std::string header = clinician ? "Clinician" : "Patient";
  char meta[160] = "";
  if (turn.latency_ms || turn.tokens_out) {
    std::snprintf(meta, sizeof meta, "  %.1f s, first token %.2f s, %lld tokens out",
                  turn.latency_ms.value_or(0) / 1000.0, turn.ttft_ms.value_or(0) / 1000.0,
                  static_cast<long long>(turn.tokens_out.value_or(0)));
  }
  header += meta;
  const ImVec2 text_size = ImGui::CalcTextSize(turn.text.c_str(), nullptr, false, text_w);
  const float line = ImGui::GetTextLineHeight();
  const float bubble_h = pad + line + 4 + text_size.y + pad;

  const ImU32 fill = clinician ? IM_COL32(38, 70, 110, 255) : IM_COL32(58, 58, 64, 255);
  dl->AddRectFilled(ImVec2(x, start.y), ImVec2(x + bubble_w, start.y + bubble_h), fill, 8.0f);
  dl->AddText(ImVec2(x + pad, start.y + pad), ImGui::GetColorU32(ImGuiCol_TextDisabled),
              fit_text(header, text_w).c_str());
  dl->AddText(nullptr, 0.0f, ImVec2(x + pad, start.y + pad + line + 4),
              ImGui::GetColorU32(ImGuiCol_Text), turn.text.c_str(), nullptr, text_w);
  if (turn.error) {
    const std::string err = "Error (" + turn.error->kind + "): " + turn.error->message;
    dl->AddText(ImVec2(x + pad, start.y + bubble_h - pad - line), IM_COL32(255, 120, 100, 255),
                err.c_str());
  }
  ImGui::Dummy(ImVec2(width, bubble_h + 6));
}

} // namespace

void draw_conversation_panel(AppState &state, const PanelRect &rect, std::vector<Action> &out) {
  begin_panel("Conversation", rect);
  const Case *c = state.current_case();
  if (!c) {
    ImGui::TextDisabled("Select a case");
    end_panel();
    return;
  }
  const auto of_case = state.transcripts_of_current_case();
  const Transcript *t = state.current_transcript();
  if (of_case.empty() || !t) {
    ImGui::TextDisabled("No transcript for this case yet.");
    end_panel();
    return;
  }

  ImGui::SetNextItemWidth(-1);
  const std::string preview = (t->title.empty() ? t->id : t->title) + "  [" + t->condition.name() + "]";
  if (ImGui::BeginCombo("##transcript", preview.c_str())) {
    for (int idx : of_case) {
      const Transcript &o = state.transcripts[static_cast<size_t>(idx)];
      const std::string label = (o.title.empty() ? o.id : o.title) + "  [" + o.condition.name() + "]";
      if (ImGui::Selectable(label.c_str(), idx == state.selected_transcript)) {
        out.push_back(SelectTranscript{o.id});
      }
    }
    ImGui::EndCombo();
  }
  record_widget(state, "transcript_picker");
  if (t->provenance.kind == ProvenanceKind::illustration) {
    text_fitted("Illustration: " + t->provenance.note, IM_COL32(255, 204, 90, 255));
  } else {
    text_fitted(t->clinician.model + ", " + to_string(t->provenance.kind),
                ImGui::GetColorU32(ImGuiCol_TextDisabled));
  }

  // Bubbles, in a child that leaves room for the replay bar.
  const float bar_h = ImGui::GetFrameHeightWithSpacing() * 2 + 4;
  ImGui::BeginChild("turns", ImVec2(0, -bar_h), true);
  const int shown = std::min<int>(state.replay.shown, static_cast<int>(t->turns.size()));
  const float width = ImGui::GetContentRegionAvail().x;
  for (int i = 0; i < shown; ++i) draw_bubble(t->turns[static_cast<size_t>(i)], width);
  // Follow the newest turn while replaying.
  if (shown != state.replay.scrolled_to) {
    ImGui::SetScrollHereY(1.0f);
    state.replay.scrolled_to = shown;
  }
  ImGui::EndChild();
  record_widget(state, "turns");

  // Replay bar: previous / play / next, and a scrub slider.
  const int n = static_cast<int>(t->turns.size());
  if (ImGui::Button("|<")) out.push_back(ReplaySeek{0});
  ImGui::SameLine();
  if (ImGui::Button("< Prev")) out.push_back(ReplayStep{-1});
  record_widget(state, "replay_prev");
  ImGui::SameLine();
  if (ImGui::Button(state.replay.playing ? "Pause" : "Play")) {
    out.push_back(ReplaySetPlaying{!state.replay.playing});
  }
  record_widget(state, "replay_play");
  ImGui::SameLine();
  if (ImGui::Button("Next >")) out.push_back(ReplayStep{+1});
  record_widget(state, "replay_next");
  ImGui::SameLine();
  if (ImGui::Button(">|")) out.push_back(ReplaySeek{n});
  int scrub = shown;
  ImGui::SetNextItemWidth(-1);
  const std::string format = "Turn %d of " + std::to_string(n);
  if (ImGui::SliderInt("##scrub", &scrub, 0, n, format.c_str())) out.push_back(ReplaySeek{scrub});
  record_widget(state, "replay_scrub");
  end_panel();
}

} // namespace imc::ui
