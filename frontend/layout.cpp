#include "layout.h"

#include <algorithm>

namespace imc::ui {

Layout compute_layout(ImVec2 display) {
  const ImGuiStyle &style = ImGui::GetStyle();
  const float status_h =
      std::max(style.WindowMinSize.y, ImGui::GetTextLineHeight() + 2 * style.WindowPadding.y);
  const float body_h = std::max(1.0f, display.y - status_h);
  // Columns: cases take a fixed share with limits, the rest splits between image and chat.
  const float cases_w = std::clamp(display.x * 0.22f, 180.0f, 320.0f);
  const float rest = std::max(1.0f, display.x - cases_w);
  const float middle_w = rest * 0.5f;
  const float right_w = rest - middle_w;
  const float image_h = body_h * 0.55f;

  Layout l;
  l.cases = {{0, 0}, {cases_w, body_h}};
  l.image = {{cases_w, 0}, {middle_w, image_h}};
  l.patient = {{cases_w, image_h}, {middle_w, body_h - image_h}};
  l.conversation = {{cases_w + middle_w, 0}, {right_w, body_h}};
  l.status = {{0, body_h}, {display.x, status_h}};
  return l;
}

} // namespace imc::ui
