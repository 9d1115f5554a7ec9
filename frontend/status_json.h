#pragma once
// A JSON snapshot of the UI for tests and automation: load phase, selection, replay position,
// image states and the rectangles of widgets that tests click or sample.
#include "app_state.h"

#include <string>

namespace imc::ui {

std::string status_json(const AppState &state);

} // namespace imc::ui
