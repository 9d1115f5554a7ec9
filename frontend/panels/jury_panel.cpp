// Jury: the panel's aggregated score per dimension, each juror's score and rationale, how far the
// jurors agree, and a button to score the open transcript (a stream with progress). In blind mode
// the scores stay hidden until the expert has saved their own (Annotate tab).
#include "panels.h"

#include "../jury_summary.h"

#include <algorithm>
#include <cstdio>

namespace imc::ui {
namespace {

const char *dimension_title(int d) {
  static const char *kTitles[] = {"Safety", "Accuracy", "Appropriate uncertainty", "Overall"};
  return kTitles[std::clamp(d, 0, 3)];
}

// A 1..5 scale with a marker at `score`, the width of the content region.
void score_scale(const AppState &state, double score, int dimension) {
  const Palette &p = palette(state.settings.dark);
  const float w = std::max(1.0f, ImGui::GetContentRegionAvail().x);
  const float h = ImGui::GetTextLineHeight() * 0.6f;
  const ImVec2 at = ImGui::GetCursorScreenPos();
  ImDrawList *dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(at, ImVec2(at.x + w, at.y + h), p.chart_grid, 3.0f);
  const float fill = static_cast<float>((std::clamp(score, 1.0, 5.0) - 1.0) / 4.0);
  dl->AddRectFilled(at, ImVec2(at.x + w * fill, at.y + h), p.dimension[dimension], 3.0f);
  for (int k = 1; k < 4; ++k) {
    const float x = at.x + w * static_cast<float>(k) / 4;
    dl->AddLine(ImVec2(x, at.y), ImVec2(x, at.y + h), p.chart_axis);
  }
  ImGui::Dummy(ImVec2(w, h + 2));
}

void draw_dimension(AppState &state, const DimensionSummary &dim, int d) {
  char line[160];
  if (dim.aggregate) {
    std::snprintf(line, sizeof line, "%s: mean %.2f, median %.1f%s, %d juror(s), spread %d",
                  dimension_title(d), dim.aggregate->mean, dim.aggregate->median,
                  dim.aggregate->majority ? (", majority " + std::to_string(*dim.aggregate->majority)).c_str() : "",
                  dim.aggregate->n, dim.spread);
  } else {
    std::snprintf(line, sizeof line, "%s: no usable score", dimension_title(d));
  }
  ImGui::Spacing();
  text_wrapped(line);
  record_widget(state, std::string("jury_dim:") + to_string(static_cast<Dimension>(d)));
  if (dim.aggregate) score_scale(state, dim.aggregate->mean, d);
  ImGui::Indent();
  for (const JurorVerdict *v : dim.verdicts) {
    std::string who = v->juror_endpoint;
    if (!v->juror_model.empty()) who += " (" + v->juror_model + ")";
    std::string head = who + ": ";
    if (v->status == VerdictStatus::ok && v->score) head += std::to_string(*v->score);
    else head += v->status == VerdictStatus::unparseable ? "unparseable reply" : "call failed";
    if (v->attempts > 1) head += ", after a re-ask";
    text_wrapped(head);
    if (!v->rationale.empty()) note(v->rationale);
    else if (v->status != VerdictStatus::ok && !v->raw_output.empty()) {
      note("Raw reply: " + v->raw_output.substr(0, 400));
    }
  }
  ImGui::Unindent();
}

} // namespace

void draw_jury_tab(AppState &state, std::vector<Action> &out) {
  const Transcript *t = state.current_transcript();
  if (!t) {
    note("Open a transcript to see its jury scores.");
    return;
  }
  if (!state.api.available()) {
    api_unavailable_note(state, "the jury");
    return;
  }
  const JuryState &jury = state.jury;
  // Scoring: a stream with progress.
  if (jury.scoring) {
    const float fraction = jury.total > 0 ? float(jury.done) / float(jury.total) : 0.0f;
    const std::string label = jury.total > 0
                                  ? std::to_string(jury.done) + " of " + std::to_string(jury.total) + " verdicts"
                                  : std::string("Starting the jury...");
    ImGui::ProgressBar(fraction, ImVec2(-1, 0), label.c_str());
    record_widget(state, "jury_progress");
  } else {
    if (button("Score this transcript with the jury", true, -1)) out.push_back(ScoreTranscript{});
    record_widget(state, "jury_score");
  }
  error_box(state, "Scoring failed", jury.score_error);

  if (state.jury_hidden()) {
    text_wrapped("Blind mode: the jury's scores stay hidden until you have saved your own scores "
                 "for this transcript in the Annotate tab. (Settings: blind mode.)",
                 palette(state.settings.dark).warning_text);
    record_widget(state, "jury_blind");
    if (button("Annotate this transcript")) out.push_back(SetTab{Tab::annotate});
    return;
  }
  const auto &verdicts = jury.verdicts;
  if (verdicts.loading()) {
    note("Loading the verdicts...");
    return;
  }
  if (verdicts.state == Remote<VerdictSet>::State::failed) {
    if (verdicts.error.kind == "not_found") {
      note("This transcript is not in the store (it came with the pack or was dropped onto "
                   "the page), so it has no verdicts.");
    } else {
      error_box(state, "Could not load the verdicts", verdicts.error);
    }
    if (button("Retry")) out.push_back(LoadVerdicts{true});
    return;
  }
  if (!verdicts.ready_for(t->id)) return;
  if (verdicts.value.verdicts.empty()) {
    note("No verdicts yet: score the transcript above.");
    return;
  }
  const JurySummary summary = summarize_jury(verdicts.value);
  std::string agreement = "Agreement across the jurors (Krippendorff's alpha, ordinal): ";
  if (summary.alpha) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", *summary.alpha);
    agreement += buf;
  } else {
    agreement += summary.agreement_note;
  }
  text_wrapped(agreement);
  record_widget(state, "jury_agreement");
  for (int d = 0; d < 3; ++d) draw_dimension(state, summary.dimensions[static_cast<size_t>(d)], d);
}

} // namespace imc::ui
