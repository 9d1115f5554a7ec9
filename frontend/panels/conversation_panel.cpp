// Conversation: the open transcript as chat bubbles, replayed turn by turn (text streams in with
// a typing indicator), with the transcript picker above and the replay bar below.
#include "panels.h"

#include <algorithm>

namespace imc::ui {
namespace {

std::string label_of(const Transcript &t) {
  return (t.title.empty() ? t.id : t.title) + "  [" + t.condition.name() + "]";
}

std::string label_of(const TranscriptSummary &t) {
  return (t.title.empty() ? t.id : t.title) + "  [" + t.condition + "]  (store)";
}

} // namespace

void draw_transcript_picker(AppState &state, const char *id, const Transcript *current,
                            bool left_side, std::vector<Action> &out) {
  const auto of_case = state.transcripts_of_current_case();
  ImGui::SetNextItemWidth(-1);
  const std::string preview = current ? label_of(*current) : std::string("Choose a transcript");
  if (ImGui::BeginCombo(id, preview.c_str())) {
    auto choose = [&](const std::string &tid) {
      if (left_side) out.push_back(SelectTranscript{tid});
      else out.push_back(SetCompareTranscript{tid});
    };
    for (int idx : of_case) {
      const Transcript &o = state.transcripts[static_cast<size_t>(idx)];
      if (!left_side && idx == state.selected_transcript) continue;
      if (ImGui::Selectable(label_of(o).c_str(), current && current->id == o.id)) choose(o.id);
    }
    const Case *c = state.current_case();
    if (c && state.case_transcripts.ready_for(c->id)) {
      for (const auto &s : state.case_transcripts.value) {
        if (state.find_transcript(s.id)) continue; // already listed
        if (ImGui::Selectable(label_of(s).c_str(), false)) choose(s.id);
      }
    }
    ImGui::EndCombo();
  }
}

void draw_transcript_caption(const AppState &state, const Transcript &t) {
  const Palette &p = palette(state.settings.dark);
  if (t.provenance.kind == ProvenanceKind::illustration) {
    text_fitted("Illustration: " + t.provenance.note, p.warning_text);
  } else {
    std::string who = t.clinician.model.empty() ? t.clinician.endpoint : t.clinician.model;
    if (!t.clinician.endpoint.empty() && t.clinician.endpoint != who) who += " (" + t.clinician.endpoint + ")";
    text_fitted(who + ", " + to_string(t.provenance.kind) + ", condition " + t.condition.name(),
                ImGui::GetColorU32(ImGuiCol_TextDisabled));
  }
  if (t.status.state != TranscriptState::complete) {
    text_fitted(std::string(to_string(t.status.state)) +
                    (t.status.reason.empty() ? "" : ": " + t.status.reason),
                p.warning_text);
  }
}

void draw_conversation_tab(AppState &state, std::vector<Action> &out) {
  const Case *c = state.current_case();
  if (!c) {
    note("Select a case");
    return;
  }
  const Transcript *t = state.current_transcript();
  if (!state.opening_transcript.empty()) note("Loading transcript " + state.opening_transcript + "...");
  error_box(state, "Could not open the transcript", state.open_error);
  const bool remote_ones = state.case_transcripts.ready_for(c->id) && !state.case_transcripts.value.empty();
  if (!t && !remote_ones) {
    note("No transcript for this case yet.");
    note("Start one in the Live tab, or drop a transcripts .jsonl file onto the page.");
    return;
  }
  draw_transcript_picker(state, "##transcript", t, true, out);
  record_widget(state, "transcript_picker");
  if (!t) return;
  draw_transcript_caption(state, *t);

  // Bubbles, in a child that leaves room for the replay bar.
  ImGui::BeginChild("turns", ImVec2(0, -replay_bar_height()), true);
  TurnListOptions options;
  options.count = std::min<int>(state.replay.shown, static_cast<int>(t->turns.size()));
  if (state.replay.reveal_turn >= 0 && state.replay.reveal_turn < options.count) {
    options.reveal_turn = state.replay.reveal_turn;
    options.reveal_chars =
        static_cast<size_t>(std::max(0.0, (state.now - state.replay.reveal_started_at) * kRevealCharsPerSecond));
  }
  options.follow = true;
  options.record_widgets = true;
  draw_turn_list(state, "conversation", t->id, t->turns, options, out);
  ImGui::EndChild();
  record_widget(state, "turns");
  draw_replay_bar(state, *t, out);
}

} // namespace imc::ui
