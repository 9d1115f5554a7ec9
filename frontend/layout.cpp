#include "layout.h"

#include <algorithm>

namespace imc::ui {

Layout compute_layout(ImVec2 display, View view, Tab tab) {
  const ImGuiStyle &style = ImGui::GetStyle();
  const float menu_h = ImGui::GetFrameHeight();
  const float status_h =
      std::max(style.WindowMinSize.y, ImGui::GetTextLineHeight() + 2 * style.WindowPadding.y);
  const float body_y = menu_h;
  const float body_h = std::max(1.0f, display.y - status_h - menu_h);
  // Columns: cases take a fixed share with limits, the rest splits between image and tabs.
  const float cases_w = std::clamp(display.x * 0.22f, 180.0f, 320.0f);
  const float rest = std::max(1.0f, display.x - cases_w);
  const float middle_w = rest * 0.5f;
  const float right_w = rest - middle_w;
  const float image_h = body_h * 0.55f;

  Layout l;
  l.menu = {{0, 0}, {display.x, menu_h}};
  l.cases = {{0, body_y}, {cases_w, body_h}};
  l.image = {{cases_w, body_y}, {middle_w, image_h}};
  l.patient = {{cases_w, body_y + image_h}, {middle_w, body_h - image_h}};
  l.middle_column = !(view == View::explore && tab == Tab::compare);
  if (l.middle_column) {
    l.workspace = {{cases_w + middle_w, body_y}, {right_w, body_h}};
  } else {
    l.workspace = {{cases_w, body_y}, {rest, body_h}};
  }
  l.dashboard = {{0, body_y}, {display.x, body_h}};
  l.status = {{0, body_y + body_h}, {display.x, status_h}};
  const ImVec2 overlay_size(std::min(display.x - 40.0f, 680.0f), std::min(body_h - 20.0f, 600.0f));
  l.overlay = {{(display.x - overlay_size.x) / 2, body_y + (body_h - overlay_size.y) / 2},
               {std::max(1.0f, overlay_size.x), std::max(1.0f, overlay_size.y)}};
  return l;
}

} // namespace imc::ui
