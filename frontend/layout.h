#pragma once
// Fixed panel layout computed from the display size (Dear ImGui 1.86 has no docking). One
// function, so tests can check that nothing is clipped at 1280x720 and 800x600.
#include <imgui.h>

namespace imc::ui {

struct PanelRect {
  ImVec2 pos;
  ImVec2 size;
};

struct Layout {
  PanelRect cases;         // left column: case list
  PanelRect image;         // middle top: the case's image
  PanelRect patient;       // middle bottom: profile and persona
  PanelRect conversation;  // right column: transcript and replay controls
  PanelRect status;        // bottom line
};

Layout compute_layout(ImVec2 display_size);

} // namespace imc::ui
