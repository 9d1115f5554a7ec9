#include "settings.h"

#include "platform.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace imc::ui {
namespace {

constexpr const char *kProxy = "proxy";
constexpr const char *kTheme = "theme";
constexpr const char *kFontScale = "font_scale";
constexpr const char *kAnnotator = "annotator";
constexpr const char *kBlind = "blind";

std::string format_scale(float scale) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.2f", static_cast<double>(scale));
  return buf;
}

void style_common(ImGuiStyle &style) {
  style.WindowRounding = 0.0f;
  style.FrameRounding = 4.0f;
  style.WindowBorderSize = 1.0f;
  style.TabRounding = 4.0f;
}

} // namespace

Settings load_settings(Platform &platform) {
  Settings s;
  s.proxy = platform.load_setting(kProxy);
  const std::string theme = platform.load_setting(kTheme);
  if (theme == "light") s.dark = false;
  const std::string scale = platform.load_setting(kFontScale);
  if (!scale.empty()) {
    char *end = nullptr;
    const float v = std::strtof(scale.c_str(), &end);
    if (end && *end == '\0' && v >= kMinFontScale && v <= kMaxFontScale) s.font_scale = v;
  }
  s.annotator = platform.load_setting(kAnnotator);
  if (platform.load_setting(kBlind) == "off") s.blind = false;
  return s;
}

void save_settings(Platform &platform, const Settings &before, const Settings &after) {
  if (before.proxy != after.proxy) platform.save_setting(kProxy, after.proxy);
  if (before.dark != after.dark) platform.save_setting(kTheme, after.dark ? "dark" : "light");
  if (before.font_scale != after.font_scale) {
    platform.save_setting(kFontScale, format_scale(after.font_scale));
  }
  if (before.annotator != after.annotator) platform.save_setting(kAnnotator, after.annotator);
  if (before.blind != after.blind) platform.save_setting(kBlind, after.blind ? "on" : "off");
}

void apply_settings_to_imgui(const Settings &settings) {
  ImGuiStyle &style = ImGui::GetStyle();
  // Colours only: sizes were scaled once by App::setup_imgui.
  if (settings.dark) ImGui::StyleColorsDark(&style);
  else ImGui::StyleColorsLight(&style);
  style_common(style);
  ImGui::GetIO().FontGlobalScale = std::clamp(settings.font_scale, kMinFontScale, kMaxFontScale);
}

const Palette &palette(bool dark) {
  static const Palette kDark{
      IM_COL32(58, 58, 64, 255),    IM_COL32(38, 70, 110, 255),  IM_COL32(44, 84, 70, 255),
      IM_COL32(235, 235, 240, 255), IM_COL32(165, 170, 185, 255), IM_COL32(255, 120, 100, 255),
      IM_COL32(255, 204, 90, 255),  IM_COL32(20, 20, 24, 170),    IM_COL32(200, 200, 210, 255),
      IM_COL32(90, 90, 100, 140),   IM_COL32(240, 240, 245, 255), IM_COL32(230, 110, 95, 255),
      IM_COL32(100, 190, 130, 255),
      {IM_COL32(232, 126, 96, 255), IM_COL32(98, 160, 232, 255), IM_COL32(186, 140, 230, 255),
       IM_COL32(210, 210, 120, 255)}};
  static const Palette kLight{
      IM_COL32(228, 228, 234, 255), IM_COL32(206, 224, 245, 255), IM_COL32(212, 238, 222, 255),
      IM_COL32(20, 20, 26, 255),    IM_COL32(90, 94, 110, 255),   IM_COL32(190, 40, 30, 255),
      IM_COL32(150, 95, 0, 255),    IM_COL32(250, 250, 252, 170), IM_COL32(60, 60, 70, 255),
      IM_COL32(160, 160, 170, 120), IM_COL32(30, 30, 36, 255),    IM_COL32(200, 70, 55, 255),
      IM_COL32(40, 140, 80, 255),
      {IM_COL32(214, 96, 66, 255), IM_COL32(50, 110, 200, 255), IM_COL32(140, 90, 200, 255),
       IM_COL32(150, 150, 40, 255)}};
  return dark ? kDark : kLight;
}

} // namespace imc::ui
