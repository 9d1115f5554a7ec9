#pragma once
// User settings kept between sessions through Platform::load_setting/save_setting (native: a
// JSON file in the config folder; browser: localStorage). One source of truth: AppState::settings.
#include <imgui.h>

#include <string>

namespace imc::ui {

class Platform;

struct Settings {
  std::string proxy;          // = ""    // API base URL in the browser; "" = the page's own server
  bool dark = true;           // = true  // Dark theme (false: light).
  float font_scale = 1.0f;    // = 1.0f  // io.FontGlobalScale, 0.75..2 (HiDPI screens).
  std::string annotator;      // = ""    // Expert's name written into annotations.
  bool blind = true;          // = true  // Hide the jury's scores until the expert has scored.
  bool operator==(const Settings &o) const {
    return proxy == o.proxy && dark == o.dark && font_scale == o.font_scale &&
           annotator == o.annotator && blind == o.blind;
  }
  bool operator!=(const Settings &o) const { return !(*this == o); }
};

inline constexpr float kMinFontScale = 0.75f;
inline constexpr float kMaxFontScale = 2.0f;

// Reads every setting (unset or unreadable values keep their defaults).
Settings load_settings(Platform &platform);
// Writes the settings that differ from `before`.
void save_settings(Platform &platform, const Settings &before, const Settings &after);
// Applies theme and font scale to the current ImGui context.
void apply_settings_to_imgui(const Settings &settings);

// Colours the panels draw with, for the current theme.
struct Palette {
  ImU32 patient_bubble;
  ImU32 clinician_bubble;
  ImU32 inflight_bubble;
  ImU32 bubble_text;
  ImU32 bubble_meta;
  ImU32 error_text;
  ImU32 warning_text;
  ImU32 hidden_overlay;   // veil over parts the clinician does not see
  ImU32 chart_axis;
  ImU32 chart_grid;
  ImU32 chart_whisker;
  ImU32 chart_negative;
  ImU32 chart_positive;
  ImU32 dimension[4];     // safety, accuracy, uncertainty, overall
};
const Palette &palette(bool dark);

} // namespace imc::ui
