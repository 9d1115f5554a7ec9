#include "app_state.h"

#include <algorithm>

namespace imc::ui {

const char *view_key(View v) { return v == View::dashboard ? "dashboard" : "explore"; }

const char *tab_key(Tab t) {
  switch (t) {
  case Tab::conversation: return "conversation";
  case Tab::compare: return "compare";
  case Tab::jury: return "jury";
  case Tab::annotate: return "annotate";
  case Tab::wire_log: return "wire-log";
  case Tab::live: return "live";
  }
  return "";
}

const char *tab_title(Tab t) {
  switch (t) {
  case Tab::conversation: return "Conversation";
  case Tab::compare: return "Compare";
  case Tab::jury: return "Jury";
  case Tab::annotate: return "Annotate";
  case Tab::wire_log: return "Wire log";
  case Tab::live: return "Live";
  }
  return "";
}

const char *overlay_key(Overlay o) {
  switch (o) {
  case Overlay::none: return "none";
  case Overlay::help: return "help";
  case Overlay::settings: return "settings";
  }
  return "";
}

std::optional<View> parse_view(std::string_view s) {
  if (s == "explore") return View::explore;
  if (s == "dashboard") return View::dashboard;
  return std::nullopt;
}

std::optional<Tab> parse_tab(std::string_view s) {
  for (int i = 0; i < kTabCount; ++i) {
    if (s == tab_key(static_cast<Tab>(i))) return static_cast<Tab>(i);
  }
  return std::nullopt;
}

std::optional<Overlay> parse_overlay(std::string_view s) {
  for (Overlay o : {Overlay::none, Overlay::help, Overlay::settings}) {
    if (s == overlay_key(o)) return o;
  }
  return std::nullopt;
}

const char *live_phase_key(LivePhase p) {
  switch (p) {
  case LivePhase::idle: return "idle";
  case LivePhase::starting: return "starting";
  case LivePhase::running: return "running";
  case LivePhase::awaiting_human: return "awaiting_human";
  case LivePhase::finished: return "finished";
  case LivePhase::failed: return "failed";
  }
  return "";
}

const Case *AppState::current_case() const {
  if (!pack || selected_case < 0 || selected_case >= static_cast<int>(pack->cases.size())) {
    return nullptr;
  }
  return &pack->cases[static_cast<size_t>(selected_case)];
}

const Transcript *AppState::current_transcript() const {
  if (selected_transcript < 0 || selected_transcript >= static_cast<int>(transcripts.size())) {
    return nullptr;
  }
  return &transcripts[static_cast<size_t>(selected_transcript)];
}

const Transcript *AppState::find_transcript(const std::string &id) const {
  for (const auto &t : transcripts) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

std::vector<int> AppState::transcripts_of_current_case() const {
  std::vector<int> out;
  const Case *c = current_case();
  if (!c) return out;
  for (size_t i = 0; i < transcripts.size(); ++i) {
    if (transcripts[i].case_id == c->id) out.push_back(static_cast<int>(i));
  }
  return out;
}

const Transcript *AppState::compare_transcript() const {
  const Transcript *left = current_transcript();
  if (!left) return nullptr;
  if (!compare.right_id.empty() && compare.right_id != left->id) {
    const Transcript *t = find_transcript(compare.right_id);
    if (t && t->case_id == left->case_id) return t;
  }
  for (int i : transcripts_of_current_case()) {
    if (i != selected_transcript) return &transcripts[static_cast<size_t>(i)];
  }
  return nullptr;
}

Condition AppState::shown_condition() const {
  if (view == View::explore && tab == Tab::live) {
    if (auto c = Condition::from_name(live.config.condition)) return *c;
  }
  if (const Transcript *t = current_transcript()) return t->condition;
  return Condition{};
}

bool AppState::expert_has_scored() const {
  const Transcript *t = current_transcript();
  if (!t || settings.annotator.empty()) return false;
  if (!annotation.saved.ready_for(t->id)) return false;
  return std::any_of(annotation.saved.value.begin(), annotation.saved.value.end(),
                     [&](const ExpertAnnotation &a) {
                       return a.annotator == settings.annotator &&
                              std::any_of(a.scores.begin(), a.scores.end(),
                                          [](const auto &s) { return s.has_value(); });
                     });
}

bool AppState::jury_hidden() const { return settings.blind && !expert_has_scored(); }

} // namespace imc::ui
