#pragma once
// One function per panel; each draws from the state and appends the actions the user took.
// Panels never change AppState themselves (except AppState::cache, their drawing scratch) and
// record the rectangles of the widgets tests and automation use (AppState::widgets).
#include "../actions.h"
#include "../app_state.h"
#include "../layout.h"

#include <string>
#include <vector>

namespace imc::ui {

// Windows of the layout.
void draw_menu_bar(AppState &state, const PanelRect &rect, std::vector<Action> &out);
void draw_cases_panel(AppState &state, const PanelRect &rect, std::vector<Action> &out);
void draw_image_panel(AppState &state, const PanelRect &rect, std::vector<Action> &out);
void draw_patient_panel(AppState &state, const PanelRect &rect, std::vector<Action> &out);
// The right column: the tab bar and the open tab.
void draw_workspace(AppState &state, const PanelRect &rect, std::vector<Action> &out);
void draw_dashboard_panel(AppState &state, const PanelRect &rect, std::vector<Action> &out);
void draw_status_bar(AppState &state, const PanelRect &rect, const char *pack_location);
void draw_help_overlay(AppState &state, const PanelRect &rect, std::vector<Action> &out);
void draw_settings_panel(AppState &state, const PanelRect &rect, bool uses_proxy_address,
                         const std::string &api_location, std::vector<Action> &out);

// The tabs, drawn into the workspace window below the tab bar.
void draw_conversation_tab(AppState &state, std::vector<Action> &out);
void draw_compare_tab(AppState &state, std::vector<Action> &out);
void draw_jury_tab(AppState &state, std::vector<Action> &out);
void draw_annotate_tab(AppState &state, std::vector<Action> &out);
void draw_wire_log_tab(AppState &state, std::vector<Action> &out);
void draw_live_tab(AppState &state, std::vector<Action> &out);
// Previous / play / next, speed, jump to turn and the scrub bar, at the bottom of a tab.
void draw_replay_bar(AppState &state, const Transcript &transcript, std::vector<Action> &out);
float replay_bar_height();

// Chat bubbles of `turns` (the first `count`), drawn inside the current child window. Only the
// visible bubbles are drawn: heights are cached per pane (AppState::cache), so a 1,000-turn
// transcript costs what its visible part costs.
struct TurnListOptions {
  int count = 0;
  int reveal_turn = -1;           // this turn's text is streaming in: only `reveal_chars` shown
  size_t reveal_chars = 0;
  std::string inflight_role;      // a turn arriving live, drawn after the others ("" none)
  std::string inflight_text;
  bool follow = false;            // scroll to the newest turn when the count changes
  bool record_widgets = false;    // record each visible bubble's copy button ("copy:N")
};
// Returns the offsets of the turns' tops in the pane (for scroll synchronisation).
const std::vector<float> &draw_turn_list(AppState &state, const std::string &pane,
                                         const std::string &owner, const std::vector<Turn> &turns,
                                         const TurnListOptions &options, std::vector<Action> &out);
// The turn (with fraction) at scroll position `y`, and back.
float turn_at(const std::vector<float> &offsets, float y);
float offset_of(const std::vector<float> &offsets, float turn);
// A picker of the current case's transcripts (local and, with the API, the store's).
void draw_transcript_picker(AppState &state, const char *id, const Transcript *current,
                            bool left_side, std::vector<Action> &out);
// "Clinician model, condition, provenance" line under a picker.
void draw_transcript_caption(const AppState &state, const Transcript &t);

// Shared helpers for panels.
void begin_panel(const char *name, const PanelRect &rect, ImGuiWindowFlags extra_flags = 0);
void end_panel();
void record_widget(AppState &state, const char *name); // the last item's rectangle
void record_widget(AppState &state, const std::string &name);
void record_widget(AppState &state, const char *name, ImVec2 min, ImVec2 max);
// `text` shortened with "..." to fit `max_width` pixels (the whole text when it fits).
std::string fit_text(const std::string &text, float max_width);
// One line of text that never widens its window: shortened to the space left on the line.
void text_fitted(const std::string &text, ImU32 color = 0);
// A collapsing header whose label is shortened to the width (ImGui would widen the window).
bool collapsing_header(const std::string &label, const char *id, ImGuiTreeNodeFlags flags = 0);
// Wrapped text in the disabled colour: hints and empty states.
void note(const std::string &text);
// Wrapped text in a colour (0 = the text colour).
void text_wrapped(const std::string &text, ImU32 color = 0);
// An error with what to do next, and a small title ("Could not load the verdicts").
void error_box(const AppState &state, const char *title, const ApiError &error);
// The message tabs show when the API is not there (replay only), with the reason.
void api_unavailable_note(const AppState &state, const char *what);
// A button that spans `width` (0 = its label) and is disabled (greyed, inert) when `enabled` is
// false. Returns true when clicked.
bool button(const char *label, bool enabled = true, float width = 0);
// Milliseconds as "3.2 s" / "410 ms".
std::string format_ms(long long ms);

} // namespace imc::ui
