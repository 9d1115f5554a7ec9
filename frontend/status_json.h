#pragma once
// A JSON snapshot of the UI for tests and automation: load phase, view and tab, selection,
// replay position, filters, image view, each panel's data state and the rectangles of widgets
// that tests click or sample.
#include "app_state.h"

#include <string>

namespace imc::ui {

// `location_hash` is the deep link the app last set ("case=...&transcript=...").
std::string status_json(const AppState &state, const std::string &location_hash = "");

} // namespace imc::ui
