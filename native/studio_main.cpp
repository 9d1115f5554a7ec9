// imc-studio: the native shell of the interface (SDL2 + OpenGL 3).
//
// Besides interactive use it has an automation mode for tests: --screenshot waits until the pack
// and the case's images are loaded, opens the --view / --tab / --overlay asked for, performs the
// --step actions in order (clicks through real SDL mouse events, keys and text through real SDL
// key and text events), writes a PNG of the window and the UI status (JSON with widget
// rectangles), and exits.
#include "app.h"
#include "native_platform.h"
#include "sdl_gl_window.h"

#include "api/service.h"

#include <CLI/CLI.hpp>
#include <imgui.h>
#include <stb_image_write.h>

#include <cstdio>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>

#ifndef IMC_DEFAULT_PACK
#define IMC_DEFAULT_PACK "assets/demo"
#endif

namespace {

struct Options {
  std::string pack = IMC_DEFAULT_PACK;
  std::string case_id;
  std::string transcript_id;
  std::string view;
  std::string tab;
  std::string overlay;
  std::string compare_id;
  int width = 1280;
  int height = 720;
  float font_scale = 1.0f;
  std::string settings_file;
  std::string screenshot;
  std::string status_file;
  std::vector<std::string> steps;    // "click:WIDGET", "key:NAME", "text:TEXT", in order
  std::vector<std::string> clicks;   // shorthand for click: steps (before the --press ones)
  std::vector<std::string> presses;  // shorthand for key: steps
  double timeout_s = 60;
  std::string store;  // the in-process API's store (live sessions, jury, annotations)
  std::string config; // its endpoint config
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

// A named key ("Right", "F1", ...) as a key press, or a single character as typed text.
bool push_key(const std::string &name) {
  static const std::map<std::string, SDL_Scancode> kKeys = {
      {"Right", SDL_SCANCODE_RIGHT},     {"Left", SDL_SCANCODE_LEFT},
      {"Up", SDL_SCANCODE_UP},           {"Down", SDL_SCANCODE_DOWN},
      {"Home", SDL_SCANCODE_HOME},       {"End", SDL_SCANCODE_END},
      {"Space", SDL_SCANCODE_SPACE},     {"Escape", SDL_SCANCODE_ESCAPE},
      {"Enter", SDL_SCANCODE_RETURN},    {"PageUp", SDL_SCANCODE_PAGEUP},
      {"PageDown", SDL_SCANCODE_PAGEDOWN}, {"F1", SDL_SCANCODE_F1}};
  auto it = kKeys.find(name);
  if (it != kKeys.end()) {
    for (bool down : {true, false}) {
      SDL_Event e{};
      e.type = down ? SDL_KEYDOWN : SDL_KEYUP;
      e.key.state = down ? SDL_PRESSED : SDL_RELEASED;
      e.key.keysym.scancode = it->second;
      e.key.keysym.sym = SDL_GetKeyFromScancode(it->second);
      SDL_PushEvent(&e);
    }
    return true;
  }
  if (name.size() != 1) return false;
  SDL_Event e{};
  e.type = SDL_TEXTINPUT;
  e.text.text[0] = name[0];
  SDL_PushEvent(&e);
  return true;
}

} // namespace

int main(int argc, char **argv) {
  Options opt;
  CLI::App cli{"imc-studio: replay and explore image-grounded medical conversations"};
  cli.add_option("--pack", opt.pack, "Case pack folder")->capture_default_str();
  cli.add_option("--store", opt.store, "Store (SQLite) for the in-process API: transcripts, verdicts, annotations");
  cli.add_option("--config", opt.config, "Endpoint config for live sessions and the jury (needs --store)");
  cli.add_option("--case", opt.case_id, "Case id to open");
  cli.add_option("--transcript,--select-transcript", opt.transcript_id, "Transcript id to open");
  cli.add_option("--view", opt.view, "View to open: explore or dashboard");
  cli.add_option("--tab", opt.tab, "Tab to open: conversation, compare, jury, annotate, wire-log, live");
  cli.add_option("--overlay", opt.overlay, "Overlay to open: help or settings");
  cli.add_option("--compare", opt.compare_id, "Transcript id on the right of the Compare tab");
  cli.add_option("--width", opt.width, "Window width")->capture_default_str();
  cli.add_option("--height", opt.height, "Window height")->capture_default_str();
  cli.add_option("--font-scale", opt.font_scale, "Font scale (HiDPI)")->capture_default_str();
  cli.add_option("--settings-file", opt.settings_file,
                 "Where settings are kept (default: ~/.config/imc-sandbox/settings.json)");
  cli.add_option("--screenshot", opt.screenshot,
                 "Automation: when loaded, perform --click and --press actions, write this PNG and exit");
  cli.add_option("--status-file", opt.status_file, "Write the UI status JSON to this file");
  cli.add_option("--step", opt.steps,
                 "Automation, in order: click:WIDGET, key:NAME (Right, Left, Up, Down, Home, End, "
                 "Space, Escape, Enter, PageUp, PageDown, F1, or one character) or text:TEXT (typed); "
                 "repeatable");
  cli.add_option("--click", opt.clicks, "Automation: widget to click before the screenshot (repeatable)");
  cli.add_option("--press", opt.presses, "Automation: key to press after the clicks (as key: steps)");
  cli.add_option("--timeout", opt.timeout_s, "Automation: seconds to wait for loading")->capture_default_str();
  CLI11_PARSE(cli, argc, argv);
  if (!opt.config.empty() && opt.store.empty()) {
    std::fprintf(stderr, "imc-studio: --config needs --store FILE (the in-process API's store)\n");
    return 2;
  }
  if (!opt.view.empty() && !imc::ui::parse_view(opt.view)) {
    std::fprintf(stderr, "imc-studio: --view must be explore or dashboard, not '%s'\n", opt.view.c_str());
    return 2;
  }
  if (!opt.tab.empty() && !imc::ui::parse_tab(opt.tab)) {
    std::fprintf(stderr, "imc-studio: unknown --tab '%s' (conversation, compare, jury, annotate, wire-log, live)\n",
                 opt.tab.c_str());
    return 2;
  }
  if (!opt.overlay.empty() && !imc::ui::parse_overlay(opt.overlay)) {
    std::fprintf(stderr, "imc-studio: --overlay must be help or settings, not '%s'\n", opt.overlay.c_str());
    return 2;
  }

  imc::shell::SdlGlWindow window;
  std::string error;
  if (!window.create("IMC Sandbox Studio", opt.width, opt.height, imc::shell::GlProfile{},
                     opt.font_scale, error)) {
    std::fprintf(stderr, "imc-studio: %s\n", error.c_str());
    return 1;
  }
  // The JSON API in-process (docs/API.md); declared before the platform, which joins its calls.
  std::unique_ptr<imc::api::ImcApiService> api;
  if (!opt.store.empty()) {
    imc::api::ServiceSettings settings;
    settings.store_path = opt.store;
    settings.endpoints_path = opt.config;
    settings.pack_dir = opt.pack;
    auto made = imc::api::make_api_service(settings);
    if (!made) {
      std::fprintf(stderr, "imc-studio: cannot start the API:\n%s\n",
                   imc::format_errors(made.errors()).c_str());
      return 2;
    }
    api = std::move(*made);
  }
  imc::shell::NativePlatform platform(opt.pack);
  if (api) platform.set_api_service(api.get());
  if (!opt.status_file.empty()) platform.set_status_file(opt.status_file);
  if (!opt.settings_file.empty()) platform.set_settings_file(opt.settings_file);
  imc::ui::App app(platform);
  imc::ui::StartOptions start;
  start.case_id = opt.case_id;
  start.transcript_id = opt.transcript_id;
  start.view = opt.view;
  start.tab = opt.tab;
  start.overlay = opt.overlay;
  start.compare_id = opt.compare_id;
  app.start(start);

  const bool automate = !opt.screenshot.empty();
  std::deque<std::string> steps;
  for (const auto &c : opt.clicks) steps.push_back("click:" + c);
  for (const auto &k : opt.presses) steps.push_back("key:" + k);
  steps.insert(steps.end(), opt.steps.begin(), opt.steps.end());
  for (const auto &step : steps) {
    if (step.rfind("click:", 0) != 0 && step.rfind("key:", 0) != 0 && step.rfind("text:", 0) != 0) {
      std::fprintf(stderr, "imc-studio: a step is click:WIDGET, key:NAME or text:TEXT, not '%s'\n", step.c_str());
      return 2;
    }
  }
  int settle_frames = 0;   // frames to wait for the UI to reflect the last input
  int click_stage = 0;     // 0 move, 1 press, 2 release
  size_t typed = 0;        // characters of a text: step sent so far
  bool running = true;
  auto settled = [&] {
    const auto &s = app.state();
    return s.phase != imc::ui::LoadPhase::manifest && s.phase != imc::ui::LoadPhase::documents &&
           images_settled(s) && !platform.busy() &&
           s.api.availability != imc::ui::ApiStatus::Availability::unknown;
  };
  while (running) {
    running = window.pump_events();
    window.new_frame();
    app.frame();
    const bool last_frame_of_automation =
        automate && settled() && steps.empty() && settle_frames >= 3;
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
    if (phase != imc::ui::LoadPhase::ready || !settled()) continue;
    if (!steps.empty() && settle_frames >= 3) {
      const std::string &step = steps.front();
      if (step.rfind("click:", 0) == 0) {
        const std::string widget = step.substr(6);
        if (click_stage == 0 && !move_pointer_to(window.window(), app.state(), widget)) {
          std::fprintf(stderr, "imc-studio: no widget named '%s' to click\n", widget.c_str());
          return 2;
        }
        if (click_stage == 1) push_button(true);
        if (click_stage == 2) {
          push_button(false);
          steps.pop_front();
          settle_frames = 0;
        }
        click_stage = (click_stage + 1) % 3;
      } else if (step.rfind("key:", 0) == 0) {
        if (!push_key(step.substr(4))) {
          std::fprintf(stderr, "imc-studio: unknown key '%s'\n", step.substr(4).c_str());
          return 2;
        }
        steps.pop_front();
        settle_frames = 0;
      } else {
        // One character per frame, as typing would.
        const std::string text = step.substr(5);
        if (typed < text.size()) push_key(std::string(1, text[typed++]));
        if (typed >= text.size()) {
          steps.pop_front();
          typed = 0;
          settle_frames = 0;
        }
      }
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
