// imc-studio: the native shell of the interface (SDL2 + OpenGL 3).
//
// Besides interactive use it has an automation mode for tests: --screenshot waits until the pack
// and the case's images are loaded, performs the --click actions through real SDL mouse events,
// writes a PNG of the window and the UI status (JSON with widget rectangles), and exits.
#include "app.h"
#include "native_platform.h"
#include "sdl_gl_window.h"

#include <CLI/CLI.hpp>
#include <imgui.h>
#include <stb_image_write.h>

#include <cstdio>
#include <deque>
#include <nlohmann/json.hpp>

#ifndef IMC_DEFAULT_PACK
#define IMC_DEFAULT_PACK "assets/demo"
#endif

namespace {

struct Options {
  std::string pack = IMC_DEFAULT_PACK;
  std::string case_id;
  std::string transcript_id;
  int width = 1280;
  int height = 720;
  float font_scale = 1.0f;
  std::string screenshot;
  std::string status_file;
  std::vector<std::string> clicks;
  double timeout_s = 60;
};

bool images_settled(const imc::ui::AppState &s) {
  for (const auto &[path, slot] : s.images) {
    if (slot.state == imc::ui::ImageSlot::State::loading) return false;
  }
  return true;
}

// Moves the real pointer to the centre of a widget (the SDL backend of ImGui 1.86 reads the
// global mouse state, so a synthetic motion event alone would not move it).
bool move_pointer_to(SDL_Window *window, const imc::ui::AppState &s, const std::string &widget) {
  auto it = s.widgets.find(widget);
  if (it == s.widgets.end()) return false;
  SDL_WarpMouseInWindow(window, static_cast<int>(it->second.x + it->second.w / 2),
                        static_cast<int>(it->second.y + it->second.h / 2));
  return true;
}

void push_button(bool down) {
  SDL_Event e{};
  e.type = down ? SDL_MOUSEBUTTONDOWN : SDL_MOUSEBUTTONUP;
  e.button.button = SDL_BUTTON_LEFT;
  e.button.state = down ? SDL_PRESSED : SDL_RELEASED;
  int x = 0, y = 0;
  SDL_GetMouseState(&x, &y);
  e.button.x = x;
  e.button.y = y;
  SDL_PushEvent(&e);
}

} // namespace

int main(int argc, char **argv) {
  Options opt;
  CLI::App cli{"imc-studio: replay and explore image-grounded medical conversations"};
  cli.add_option("--pack", opt.pack, "Case pack folder")->capture_default_str();
  cli.add_option("--case", opt.case_id, "Case id to open");
  cli.add_option("--transcript", opt.transcript_id, "Transcript id to open");
  cli.add_option("--width", opt.width, "Window width")->capture_default_str();
  cli.add_option("--height", opt.height, "Window height")->capture_default_str();
  cli.add_option("--font-scale", opt.font_scale, "Font scale (HiDPI)")->capture_default_str();
  cli.add_option("--screenshot", opt.screenshot,
                 "Automation: when loaded, perform --click actions, write this PNG and exit");
  cli.add_option("--status-file", opt.status_file, "Write the UI status JSON to this file");
  cli.add_option("--click", opt.clicks, "Automation: widget to click before the screenshot (repeatable)");
  cli.add_option("--timeout", opt.timeout_s, "Automation: seconds to wait for loading")->capture_default_str();
  CLI11_PARSE(cli, argc, argv);

  imc::shell::SdlGlWindow window;
  std::string error;
  if (!window.create("IMC Sandbox Studio", opt.width, opt.height, imc::shell::GlProfile{},
                     opt.font_scale, error)) {
    std::fprintf(stderr, "imc-studio: %s\n", error.c_str());
    return 1;
  }
  imc::shell::NativePlatform platform(opt.pack);
  if (!opt.status_file.empty()) platform.set_status_file(opt.status_file);
  imc::ui::App app(platform);
  app.start({opt.case_id, opt.transcript_id});

  const bool automate = !opt.screenshot.empty();
  std::deque<std::string> clicks(opt.clicks.begin(), opt.clicks.end());
  int settle_frames = 0;   // frames to wait for the UI to reflect the last input
  int click_stage = 0;     // 0 move, 1 press, 2 release
  bool running = true;
  while (running) {
    running = window.pump_events();
    window.new_frame();
    app.frame();
    const bool last_frame_of_automation = automate && app.state().phase != imc::ui::LoadPhase::manifest &&
                                          app.state().phase != imc::ui::LoadPhase::documents &&
                                          images_settled(app.state()) && !platform.busy() &&
                                          clicks.empty() && settle_frames >= 3;
    window.render(!last_frame_of_automation);

    if (!automate) continue;
    if (platform.now_seconds() > opt.timeout_s) {
      std::fprintf(stderr, "imc-studio: timed out after %.0f s waiting for the pack (status: %s)\n",
                   opt.timeout_s, app.state().status.c_str());
      return 1;
    }
    const auto phase = app.state().phase;
    if (phase == imc::ui::LoadPhase::failed) {
      std::fprintf(stderr, "imc-studio: the pack failed to load:\n");
      for (const auto &e : app.state().errors) std::fprintf(stderr, "  %s\n", e.c_str());
      return 2;
    }
    if (phase != imc::ui::LoadPhase::ready || !images_settled(app.state()) || platform.busy()) continue;
    if (!clicks.empty() && settle_frames >= 3) {
      if (click_stage == 0 && !move_pointer_to(window.window(), app.state(), clicks.front())) {
        std::fprintf(stderr, "imc-studio: no widget named '%s' to click\n", clicks.front().c_str());
        return 2;
      }
      if (click_stage == 1) push_button(true);
      if (click_stage == 2) {
        push_button(false);
        clicks.pop_front();
        settle_frames = 0;
      }
      click_stage = (click_stage + 1) % 3;
      continue;
    }
    if (!last_frame_of_automation) {
      ++settle_frames;
      continue;
    }
    int w = 0, h = 0;
    std::string rgba;
    window.read_pixels(w, h, rgba);
    if (!stbi_write_png(opt.screenshot.c_str(), w, h, 4, rgba.data(), w * 4)) {
      std::fprintf(stderr, "imc-studio: could not write %s\n", opt.screenshot.c_str());
      return 1;
    }
    std::printf("imc-studio: wrote %s (%dx%d)\n", opt.screenshot.c_str(), w, h);
    return 0;
  }
  return 0;
}
