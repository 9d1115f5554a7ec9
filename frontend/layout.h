#pragma once
// Panel layout computed from the display size, the view and the tab (Dear ImGui 1.86 has no
// docking). One function, so tests can check that nothing is clipped at 1280x720 and 800x600.
#include "app_state.h"

#include <imgui.h>

namespace imc::ui {

struct PanelRect {
  ImVec2 pos;
  ImVec2 size;
};

struct Layout {
  PanelRect menu;          // top line: views, settings, help
  PanelRect cases;         // left column: case list
  PanelRect image;         // middle top: the case's images
  PanelRect patient;       // middle bottom: profile, persona, hidden facts
  PanelRect workspace;     // right column: the tab bar and the open tab (Compare: middle too)
  PanelRect dashboard;     // the Dashboard view: everything between menu and status line
  PanelRect status;        // bottom line
  PanelRect overlay;       // help and settings, centred over everything
  bool middle_column = true; // image and patient are shown (not under Compare)
};

Layout compute_layout(ImVec2 display_size, View view, Tab tab);

} // namespace imc::ui
