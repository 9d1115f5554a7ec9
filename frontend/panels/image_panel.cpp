// Image: the case's images (thumbnails when there are several), fitted to the panel or zoomed to
// the cursor with the wheel, panned by dragging, at 1:1 on request; the license and attribution
// underneath. Under a condition without the image, the image is veiled and labelled.
#include "panels.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace imc::ui {
namespace {

void draw_thumbnails(AppState &state, const Case &c, std::vector<Action> &out) {
  const float h = ImGui::GetTextLineHeight() * 2.4f;
  const float avail = ImGui::GetContentRegionAvail().x;
  float x = 0;
  for (size_t i = 0; i < c.images.size(); ++i) {
    const auto it = state.images.find(c.images[i].file);
    const bool ready = it != state.images.end() && it->second.state == ImageSlot::State::ready;
    const float w = ready ? h * std::min(2.0f, float(it->second.width) / float(std::max(1, it->second.height))) : h;
    if (i > 0) {
      if (x + ImGui::GetStyle().ItemSpacing.x + w <= avail) {
        ImGui::SameLine();
        x += ImGui::GetStyle().ItemSpacing.x;
      } else {
        x = 0;
      }
    }
    ImGui::PushID(static_cast<int>(i));
    const bool selected = state.selected_image == static_cast<int>(i);
    bool clicked = false;
    if (ready) {
      ImGui::PushStyleColor(ImGuiCol_Button, ImGui::GetStyleColorVec4(selected ? ImGuiCol_ButtonActive : ImGuiCol_FrameBg));
      clicked = ImGui::ImageButton(it->second.texture, ImVec2(w - 4, h - 4), ImVec2(0, 0), ImVec2(1, 1), 2);
      ImGui::PopStyleColor();
    } else {
      clicked = ImGui::Button(std::to_string(i + 1).c_str(), ImVec2(w, h));
    }
    if (clicked && !selected) out.push_back(SelectImage{static_cast<int>(i)});
    record_widget(state, "image_thumb:" + std::to_string(i));
    if (ImGui::IsItemHovered()) {
      ImGui::SetTooltip("Image %d of %d: %s", int(i + 1), int(c.images.size()),
                        c.images[i].caption.empty() ? c.images[i].file.c_str() : c.images[i].caption.c_str());
    }
    ImGui::PopID();
    x += w;
  }
}

void draw_toolbar(AppState &state, const ImageSlot *slot, ImVec2 box, std::vector<Action> &out) {
  const bool ready = slot && slot->state == ImageSlot::State::ready;
  const ImVec2 img = ready ? ImVec2(float(slot->width), float(slot->height)) : ImVec2(1, 1);
  if (button("Fit", ready && !state.image_view.fit)) out.push_back(SetImageView{ImageView{}});
  record_widget(state, "image_fit");
  ImGui::SameLine();
  if (button("1:1", ready)) out.push_back(SetImageView{actual_size(state.image_view, img, box)});
  record_widget(state, "image_1to1");
  ImGui::SameLine();
  const ImVec2 centre(box.x / 2, box.y / 2);
  if (button(" - ", ready)) out.push_back(SetImageView{zoom_at(state.image_view, img, ImVec2(0, 0), box, 0.8f, centre)});
  record_widget(state, "image_zoom_out");
  ImGui::SameLine();
  if (button(" + ", ready)) out.push_back(SetImageView{zoom_at(state.image_view, img, ImVec2(0, 0), box, 1.25f, centre)});
  record_widget(state, "image_zoom_in");
  if (ready) {
    const ImageView v = resolved(state.image_view, img, box);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.0f %%%s  %dx%d", static_cast<double>(v.zoom * 100),
                  state.image_view.fit ? " (fit)" : "", slot->width, slot->height);
    ImGui::SameLine();
    ImGui::AlignTextToFramePadding();
    text_fitted(buf, ImGui::GetColorU32(ImGuiCol_TextDisabled));
  }
}

} // namespace

void draw_image_panel(AppState &state, const PanelRect &rect, std::vector<Action> &out) {
  // The wheel zooms the image: the panel itself never scrolls.
  begin_panel("Image", rect, ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  const Case *c = state.current_case();
  if (!c || c->images.empty()) {
    note("Select a case");
    end_panel();
    return;
  }
  const Palette &p = palette(state.settings.dark);
  if (c->images.size() > 1) draw_thumbnails(state, *c, out);
  const size_t index = static_cast<size_t>(std::clamp(state.selected_image, 0, int(c->images.size()) - 1));
  const CaseImage &img = c->images[index];
  auto it = state.images.find(img.file);
  const ImageSlot *slot = it == state.images.end() ? nullptr : &it->second;

  // The license line is always visible under the image: reserve its wrapped height.
  const float avail_w = ImGui::GetContentRegionAvail().x;
  const std::string credit = img.attribution + ". License: " + img.license + ". " + img.source;
  const float credit_h = ImGui::CalcTextSize(credit.c_str(), nullptr, false, avail_w).y +
                         ImGui::GetStyle().ItemSpacing.y * 2;
  const float toolbar_h = ImGui::GetFrameHeightWithSpacing();
  const float avail_h = ImGui::GetContentRegionAvail().y - toolbar_h;
  const ImVec2 box(avail_w, std::max(avail_h * 0.4f, avail_h - credit_h));
  state.cache.image_box = box;
  draw_toolbar(state, slot, box, out);

  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("image_canvas", ImVec2(std::max(1.0f, box.x), std::max(1.0f, box.y)));
  record_widget(state, "image_canvas");
  const bool hovered = ImGui::IsItemHovered();
  const bool dragging = ImGui::IsItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 0.0f);
  const bool double_clicked = hovered && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left);
  ImDrawList *dl = ImGui::GetWindowDrawList();

  if (!slot || slot->state == ImageSlot::State::loading) {
    const char *msg = "Loading image...";
    ImVec2 ts = ImGui::CalcTextSize(msg);
    dl->AddText(ImVec2(origin.x + (box.x - ts.x) / 2, origin.y + (box.y - ts.y) / 2),
                ImGui::GetColorU32(ImGuiCol_TextDisabled), msg);
  } else if (slot->state == ImageSlot::State::failed) {
    const std::string msg = "Could not show " + img.file + ": " + slot->error +
                            "\nRun `scripts/setup demo` (or `imc pack validate`) to restore the pack's images.";
    dl->AddText(nullptr, 0.0f, ImVec2(origin.x + 4, origin.y + 4), p.error_text, msg.c_str(), nullptr,
                std::max(1.0f, box.x - 8));
  } else {
    const ImVec2 size(float(slot->width), float(slot->height));
    ImVec2 min, max;
    image_screen_rect(state.image_view, size, origin, box, min, max);
    const ImVec2 box_max(origin.x + box.x, origin.y + box.y);
    dl->PushClipRect(origin, box_max, true);
    dl->AddImage(slot->texture, min, max);
    dl->PopClipRect();
    // Where the image is visible, for tests that sample its pixels.
    record_widget(state, "image", ImVec2(std::max(min.x, origin.x), std::max(min.y, origin.y)),
                  ImVec2(std::min(max.x, box_max.x), std::min(max.y, box_max.y)));

    const ImGuiIO &io = ImGui::GetIO();
    if (hovered && io.MouseWheel != 0.0f) {
      const float factor = std::pow(1.2f, io.MouseWheel);
      out.push_back(SetImageView{zoom_at(state.image_view, size, origin, box, factor, io.MousePos)});
    } else if (dragging && (io.MouseDelta.x != 0.0f || io.MouseDelta.y != 0.0f)) {
      out.push_back(SetImageView{pan_by(state.image_view, size, box, io.MouseDelta)});
    } else if (double_clicked) {
      out.push_back(SetImageView{state.image_view.fit ? actual_size(state.image_view, size, box) : ImageView{}});
    }
    if (!state.shown_condition().image) {
      // What the clinician model does not see is greyed and labelled.
      dl->AddRectFilled(origin, box_max, p.hidden_overlay);
      const std::string label = "Not shown to the clinician (condition " + state.shown_condition().name() + ")";
      const std::string fitted = fit_text(label, box.x - 16);
      const ImVec2 ts = ImGui::CalcTextSize(fitted.c_str());
      const ImVec2 at(origin.x + (box.x - ts.x) / 2, origin.y + 8);
      dl->AddRectFilled(ImVec2(at.x - 6, at.y - 3), ImVec2(at.x + ts.x + 6, at.y + ts.y + 3),
                        ImGui::GetColorU32(ImGuiCol_WindowBg), 4.0f);
      dl->AddText(at, p.warning_text, fitted.c_str());
      record_widget(state, "image_hidden_label", at, ImVec2(at.x + ts.x, at.y + ts.y));
    }
  }
  ImGui::PushTextWrapPos(0.0f);
  ImGui::TextDisabled("%s", credit.c_str());
  ImGui::PopTextWrapPos();
  record_widget(state, "image_license");
  end_panel();
}

} // namespace imc::ui
