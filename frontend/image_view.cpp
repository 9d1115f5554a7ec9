#include "image_view.h"

#include <algorithm>

namespace imc::ui {

float fit_zoom(ImVec2 image, ImVec2 box) {
  if (image.x <= 0 || image.y <= 0) return 1.0f;
  return std::max(kMinZoom, std::min(box.x / image.x, box.y / image.y));
}

ImageView resolved(const ImageView &view, ImVec2 image, ImVec2 box) {
  if (!view.fit) return view;
  ImageView out;
  out.fit = false;
  out.zoom = fit_zoom(image, box);
  out.center = ImVec2(image.x / 2, image.y / 2);
  return out;
}

void image_screen_rect(const ImageView &view, ImVec2 image, ImVec2 box_min, ImVec2 box,
                       ImVec2 &out_min, ImVec2 &out_max) {
  const ImageView v = resolved(view, image, box);
  const ImVec2 box_center(box_min.x + box.x / 2, box_min.y + box.y / 2);
  out_min = ImVec2(box_center.x - v.center.x * v.zoom, box_center.y - v.center.y * v.zoom);
  out_max = ImVec2(out_min.x + image.x * v.zoom, out_min.y + image.y * v.zoom);
}

ImageView zoom_at(const ImageView &view, ImVec2 image, ImVec2 box_min, ImVec2 box, float factor,
                  ImVec2 cursor) {
  ImageView v = resolved(view, image, box);
  const ImVec2 box_center(box_min.x + box.x / 2, box_min.y + box.y / 2);
  // The image point under the cursor stays under the cursor.
  const ImVec2 under(v.center.x + (cursor.x - box_center.x) / v.zoom,
                     v.center.y + (cursor.y - box_center.y) / v.zoom);
  const float zoom = std::clamp(v.zoom * factor, kMinZoom, kMaxZoom);
  v.center = ImVec2(under.x - (cursor.x - box_center.x) / zoom,
                    under.y - (cursor.y - box_center.y) / zoom);
  v.zoom = zoom;
  return v;
}

ImageView pan_by(const ImageView &view, ImVec2 image, ImVec2 box, ImVec2 delta) {
  ImageView v = resolved(view, image, box);
  v.center = ImVec2(v.center.x - delta.x / v.zoom, v.center.y - delta.y / v.zoom);
  // Keep at least part of the image in view.
  v.center.x = std::clamp(v.center.x, 0.0f, image.x);
  v.center.y = std::clamp(v.center.y, 0.0f, image.y);
  return v;
}

ImageView actual_size(const ImageView &view, ImVec2 image, ImVec2 box) {
  ImageView v = resolved(view, image, box);
  v.zoom = 1.0f;
  return v;
}

} // namespace imc::ui
