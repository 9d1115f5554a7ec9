#pragma once
// An SDL2 window with an OpenGL context and Dear ImGui's SDL2 + OpenGL3 backends, shared by the
// native studio and the wasm shell (each passes its GL profile; no #ifdefs here).
#include <SDL.h>

#include <deque>
#include <string>
#include <vector>

namespace imc::shell {

struct GlProfile {
  int major = 3;
  int minor = 0;
  bool es = false;                  // OpenGL ES (WebGL2 in the browser)
  const char *glsl_version = "#version 130";
};

class SdlGlWindow {
public:
  SdlGlWindow() = default;
  ~SdlGlWindow();
  SdlGlWindow(const SdlGlWindow &) = delete;
  SdlGlWindow &operator=(const SdlGlWindow &) = delete;

  // Creates the window, the GL context and the ImGui context with both backends. On failure
  // returns false and sets `error` to what went wrong and what to try.
  bool create(const char *title, int width, int height, const GlProfile &profile, float font_scale,
              std::string &error);
  // Feeds pending SDL events to ImGui. Returns false when the user closed the window.
  bool pump_events();
  // Input events held back for the next frame (see pump_events): the loop must not idle.
  bool has_deferred_events() const;
  void new_frame();
  // Renders ImGui's draw data and, unless `present` is false, swaps buffers.
  void render(bool present = true);
  // Reads the back buffer as tightly packed RGBA rows, top row first.
  void read_pixels(int &width, int &height, std::string &rgba) const;
  SDL_Window *window() const { return window_; }

private:
  SDL_Window *window_ = nullptr;
  SDL_GLContext gl_ = nullptr;
  bool imgui_ready_ = false;
  std::deque<SDL_Event> deferred_events_;
};

} // namespace imc::shell
