// Image: the case's image fitted to the panel, with its license and attribution underneath.
#include "panels.h"

#include <algorithm>

namespace imc::ui {

void draw_image_panel(AppState &state, const PanelRect &rect, std::vector<Action> &out) {
  begin_panel("Image", rect);
  const Case *c = state.current_case();
  if (!c) {
    ImGui::TextDisabled("Select a case");
    end_panel();
    return;
  }
  if (c->images.size() > 1) {
    for (size_t i = 0; i < c->images.size(); ++i) {
      if (i) ImGui::SameLine();
      const std::string label = "Image " + std::to_string(i + 1);
      if (ImGui::RadioButton(label.c_str(), state.selected_image == static_cast<int>(i))) {
        out.push_back(SelectImage{static_cast<int>(i)});
      }
    }
  }
  const CaseImage &img =
      c->images[static_cast<size_t>(std::clamp(state.selected_image, 0, int(c->images.size()) - 1))];
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  // The license line is always visible under the image: reserve its wrapped height.
  const std::string credit = img.attribution + ". License: " + img.license + ". " + img.source;
  const float credit_h = ImGui::CalcTextSize(credit.c_str(), nullptr, false, avail.x).y +
                         ImGui::GetStyle().ItemSpacing.y * 2;
  const ImVec2 box(avail.x, std::max(avail.y * 0.4f, avail.y - credit_h));
  const ImVec2 origin = ImGui::GetCursorScreenPos();

  auto it = state.images.find(img.file);
  if (it == state.images.end() || it->second.state == ImageSlot::State::loading) {
    ImGui::Dummy(box);
    const char *msg = "Loading image...";
    ImVec2 ts = ImGui::CalcTextSize(msg);
    ImGui::GetWindowDrawList()->AddText(
        ImVec2(origin.x + (box.x - ts.x) / 2, origin.y + (box.y - ts.y) / 2),
        ImGui::GetColorU32(ImGuiCol_TextDisabled), msg);
  } else if (it->second.state == ImageSlot::State::failed) {
    ImGui::Dummy(box);
    ImGui::SetCursorScreenPos(origin);
    ImGui::PushTextWrapPos(origin.x + box.x);
    ImGui::TextColored(ImVec4(1, 0.45f, 0.4f, 1), "Could not show %s: %s", img.file.c_str(),
                       it->second.error.c_str());
    ImGui::TextWrapped("Run `scripts/setup demo` (or `imc pack validate`) to restore the pack's images.");
    ImGui::PopTextWrapPos();
    ImGui::SetCursorScreenPos(ImVec2(origin.x, origin.y + box.y));
  } else {
    const ImageSlot &slot = it->second;
    // Fit: the largest size with the image's aspect ratio that fits the box, centred.
    const float scale = std::min(box.x / float(slot.width), box.y / float(slot.height));
    const ImVec2 size(slot.width * scale, slot.height * scale);
    const ImVec2 pos(origin.x + (box.x - size.x) / 2, origin.y + (box.y - size.y) / 2);
    ImGui::Dummy(box);
    ImGui::GetWindowDrawList()->AddImage(slot.texture, pos, ImVec2(pos.x + size.x, pos.y + size.y));
    record_widget(state, "image", pos, ImVec2(pos.x + size.x, pos.y + size.y));
  }
  ImGui::PushTextWrapPos(0.0f);
  ImGui::TextDisabled("%s", credit.c_str());
  ImGui::PopTextWrapPos();
  record_widget(state, "image_license");
  end_panel();
}

} // namespace imc::ui
