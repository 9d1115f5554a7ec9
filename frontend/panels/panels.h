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
// `text` shortened with "..." to fit `max_width` pixels (the whole text when it fits).
std::string fit_text(const std::string &text, float max_width);
// One line of text that never widens its window: shortened to the space left on the line.
void text_fitted(const std::string &text, ImU32 color = 0);
void record_widget(AppState &state, const char *name, ImVec2 min, ImVec2 max);

} // namespace imc::ui
