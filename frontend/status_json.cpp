#include "status_json.h"

#include <nlohmann/json.hpp>

namespace imc::ui {

std::string status_json(const AppState &state) {
  static const char *kPhases[] = {"idle", "manifest", "documents", "ready", "failed"};
  nlohmann::ordered_json j;
  j["phase"] = kPhases[static_cast<int>(state.phase)];
  j["status"] = state.status;
  j["errors"] = state.errors;
  const Case *c = state.current_case();
  j["case"] = c ? c->id : "";
  const Transcript *t = state.current_transcript();
  j["transcript"] = t ? t->id : "";
  j["turns"] = t ? t->turns.size() : 0;
  j["shown"] = state.replay.shown;
  j["playing"] = state.replay.playing;
  nlohmann::ordered_json images = nlohmann::ordered_json::object();
  for (const auto &[path, slot] : state.images) {
    static const char *kStates[] = {"loading", "ready", "failed"};
    images[path] = kStates[static_cast<int>(slot.state)];
  }
  j["images"] = images;
  nlohmann::ordered_json widgets = nlohmann::ordered_json::object();
  for (const auto &[name, r] : state.widgets) widgets[name] = {r.x, r.y, r.w, r.h};
  j["widgets"] = widgets;
  return j.dump();
}

} // namespace imc::ui
