#include "status_json.h"

#include <nlohmann/json.hpp>

namespace imc::ui {
namespace {

template <class T> const char *remote_state(const Remote<T> &r) {
  static const char *kStates[] = {"idle", "loading", "ready", "failed"};
  return kStates[static_cast<int>(r.state)];
}

} // namespace

std::string status_json(const AppState &state, const std::string &location_hash) {
  static const char *kPhases[] = {"idle", "manifest", "documents", "ready", "failed"};
  static const char *kApi[] = {"unknown", "available", "unavailable"};
  nlohmann::ordered_json j;
  j["phase"] = kPhases[static_cast<int>(state.phase)];
  j["status"] = state.status;
  j["errors"] = state.errors;
  j["notice"] = state.notice;
  j["api"] = kApi[static_cast<int>(state.api.availability)];
  j["view"] = view_key(state.view);
  j["tab"] = tab_key(state.tab);
  j["overlay"] = overlay_key(state.overlay);
  j["hash"] = location_hash;
  const Case *c = state.current_case();
  j["case"] = c ? c->id : "";
  const Transcript *t = state.current_transcript();
  j["transcript"] = t ? t->id : "";
  j["turns"] = t ? t->turns.size() : 0;
  j["shown"] = state.replay.shown;
  j["playing"] = state.replay.playing;
  j["speed"] = state.replay.turns_per_second;
  j["cases_listed"] = state.case_list.visible.size();
  j["cases_total"] = state.case_list.total;
  j["image_view"] = {{"fit", state.image_view.fit}, {"zoom", state.image_view.zoom}};
  nlohmann::ordered_json images = nlohmann::ordered_json::object();
  for (const auto &[path, slot] : state.images) {
    static const char *kStates[] = {"loading", "ready", "failed"};
    images[path] = kStates[static_cast<int>(slot.state)];
  }
  j["images"] = images;
  const Transcript *right = state.compare_transcript();
  j["compare"] = {{"right", right ? right->id : ""}, {"anchor", state.compare.anchor}};
  j["live"] = {{"phase", live_phase_key(state.live.phase)},
               {"turns", state.live.turns.size()},
               {"inflight", state.live.inflight_text.size()},
               {"error", state.live.error.message}};
  j["jury"] = {{"verdicts", remote_state(state.jury.verdicts)},
               {"count", state.jury.verdicts.value.verdicts.size()},
               {"hidden", state.jury_hidden()},
               {"scoring", state.jury.scoring != 0},
               {"done", state.jury.done},
               {"total", state.jury.total}};
  j["annotation"] = {{"saved", remote_state(state.annotation.saved)},
                     {"scored", state.expert_has_scored()},
                     {"saving", state.annotation.saving},
                     {"message", state.annotation.saved_message},
                     {"error", state.annotation.save_error.message}};
  j["wire_log"] = {{"logs", remote_state(state.wire_log.logs)},
                   {"count", state.wire_log.logs.value.size()},
                   {"selected", state.wire_log.selected}};
  j["dashboard"] = {{"report", remote_state(state.dashboard.report)},
                    {"run", state.dashboard.run_id},
                    {"bar", state.dashboard.bar ? state.dashboard.bar->label : ""},
                    {"bar_transcripts", state.dashboard.bar_transcripts.value.size()}};
  j["settings"] = {{"theme", state.settings.dark ? "dark" : "light"},
                   {"font_scale", state.settings.font_scale},
                   {"annotator", state.settings.annotator},
                   {"blind", state.settings.blind}};
  nlohmann::ordered_json widgets = nlohmann::ordered_json::object();
  for (const auto &[name, r] : state.widgets) widgets[name] = {r.x, r.y, r.w, r.h};
  j["widgets"] = widgets;
  return j.dump();
}

} // namespace imc::ui
