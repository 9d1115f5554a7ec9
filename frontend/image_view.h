#pragma once
// How the image panel shows an image: fitted to its box, or at a zoom with a centre, changed by
// zoom-to-cursor (wheel), pan (drag) and 1:1. Pure geometry, so tests check it without drawing.
#include <imgui.h>

namespace imc::ui {

struct ImageView {
  bool fit = true;       // = true  // Fit the image to the box (zoom and centre are then derived).
  float zoom = 1.0f;     // screen pixels per image pixel, when not fitted
  ImVec2 center{0, 0};   // image coordinates shown at the box's centre, when not fitted
  bool operator==(const ImageView &o) const {
    return fit == o.fit && zoom == o.zoom && center.x == o.center.x && center.y == o.center.y;
  }
  bool operator!=(const ImageView &o) const { return !(*this == o); }
};

inline constexpr float kMinZoom = 0.02f;
inline constexpr float kMaxZoom = 32.0f;

// The zoom that fits an image of `image` pixels into `box`.
float fit_zoom(ImVec2 image, ImVec2 box);
// `view` with fit resolved: the fitted zoom and the image's centre when view.fit.
ImageView resolved(const ImageView &view, ImVec2 image, ImVec2 box);
// The screen rectangle (min, max) of the whole image drawn in a box at `box_min` of `box` size.
void image_screen_rect(const ImageView &view, ImVec2 image, ImVec2 box_min, ImVec2 box,
                       ImVec2 &out_min, ImVec2 &out_max);
// Zoom by `factor` keeping the image point under `cursor` (screen coordinates) where it is.
ImageView zoom_at(const ImageView &view, ImVec2 image, ImVec2 box_min, ImVec2 box, float factor,
                  ImVec2 cursor);
// Move the image by `delta` screen pixels.
ImageView pan_by(const ImageView &view, ImVec2 image, ImVec2 box, ImVec2 delta);
// One image pixel per screen pixel, centred where the view is centred now.
ImageView actual_size(const ImageView &view, ImVec2 image, ImVec2 box);

} // namespace imc::ui
