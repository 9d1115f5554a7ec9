#pragma once
// One function per panel; each draws from the state and appends the actions the user took.
#include "../app_state.h"
#include "../layout.h"

#include <vector>

namespace imc::ui {

void draw_cases_panel(AppState &state, const PanelRect &rect, std::vector<Action> &out);
void draw_image_panel(AppState &state, const PanelRect &rect, std::vector<Action> &out);
void draw_patient_panel(AppState &state, const PanelRect &rect, std::vector<Action> &out);
void draw_conversation_panel(AppState &state, const PanelRect &rect, std::vector<Action> &out);
void draw_status_bar(AppState &state, const PanelRect &rect, const char *pack_location);

// Shared helpers for panels.
void begin_panel(const char *name, const PanelRect &rect, ImGuiWindowFlags extra_flags = 0);
void end_panel();
void record_widget(AppState &state, const char *name); // the last item's rectangle
void record_widget(AppState &state, const char *name, ImVec2 min, ImVec2 max);

} // namespace imc::ui
