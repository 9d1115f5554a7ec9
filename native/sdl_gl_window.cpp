#include "sdl_gl_window.h"

#include "app.h"

#include <SDL_opengl.h>
#include <imgui.h>
#include <imgui_impl_opengl3.h>
#include <imgui_impl_sdl.h>

#include <algorithm>
#include <deque>
#include <vector>

namespace imc::shell {

SdlGlWindow::~SdlGlWindow() {
  if (imgui_ready_) {
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplSDL2_Shutdown();
    ImGui::DestroyContext();
  }
  if (gl_) SDL_GL_DeleteContext(gl_);
  if (window_) SDL_DestroyWindow(window_);
  SDL_Quit();
}

bool SdlGlWindow::create(const char *title, int width, int height, const GlProfile &profile,
                         float font_scale, std::string &error) {
  if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_TIMER) != 0) {
    error = std::string("SDL could not start video: ") + SDL_GetError() +
            ". Is a display available (DISPLAY set, or run under xvfb-run)?";
    return false;
  }
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK,
                      profile.es ? SDL_GL_CONTEXT_PROFILE_ES : SDL_GL_CONTEXT_PROFILE_CORE);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, profile.major);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, profile.minor);
  SDL_GL_SetAttribute(SDL_GL_DOUBLEBUFFER, 1);
  SDL_GL_SetAttribute(SDL_GL_DEPTH_SIZE, 0);
  SDL_GL_SetAttribute(SDL_GL_STENCIL_SIZE, 8);
  window_ = SDL_CreateWindow(title, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, width, height,
                             SDL_WINDOW_OPENGL | SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
  if (!window_) {
    error = std::string("SDL could not open a window: ") + SDL_GetError();
    return false;
  }
  gl_ = SDL_GL_CreateContext(window_);
  if (!gl_) {
    error = std::string("No OpenGL ") + std::to_string(profile.major) + "." +
            std::to_string(profile.minor) + (profile.es ? " ES" : "") +
            " context: " + SDL_GetError() + ". Try LIBGL_ALWAYS_SOFTWARE=1.";
    return false;
  }
  SDL_GL_MakeCurrent(window_, gl_);
  SDL_GL_SetSwapInterval(1);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ui::App::setup_imgui(font_scale);
  ImGui_ImplSDL2_InitForOpenGL(window_, gl_);
  ImGui_ImplOpenGL3_Init(profile.glsl_version);
  imgui_ready_ = true;
  return true;
}

bool SdlGlWindow::pump_events() {
  bool running = true;
  // ImGui 1.86 samples key state once per frame: a key pressed and released within one frame
  // (fast typing, automation, several presses of one key) would be lost or merged. So the
  // event stream is cut into frames: each key changes state at most once a frame; its next
  // event, and everything after it, waits for the next frame, in order.
  std::deque<SDL_Event> queue;
  queue.swap(deferred_events_);
  SDL_Event polled;
  while (SDL_PollEvent(&polled)) queue.push_back(polled);
  std::vector<SDL_Scancode> changed_now;
  while (!queue.empty()) {
    SDL_Event event = queue.front();
    if (event.type == SDL_KEYDOWN || event.type == SDL_KEYUP) {
      const SDL_Scancode code = event.key.keysym.scancode;
      const bool seen = std::find(changed_now.begin(), changed_now.end(), code) != changed_now.end();
      if (seen) break;  // the rest waits for the next frame
      changed_now.push_back(code);
    }
    queue.pop_front();
    ImGui_ImplSDL2_ProcessEvent(&event);
    if (event.type == SDL_QUIT) running = false;
    if (event.type == SDL_WINDOWEVENT && event.window.event == SDL_WINDOWEVENT_CLOSE &&
        event.window.windowID == SDL_GetWindowID(window_)) {
      running = false;
    }
  }
  // A quit request further back in the queue still ends the loop now.
  for (const SDL_Event &e : queue) {
    if (e.type == SDL_QUIT) running = false;
  }
  deferred_events_.swap(queue);
  return running;
}

bool SdlGlWindow::has_deferred_events() const { return !deferred_events_.empty(); }

void SdlGlWindow::new_frame() {
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplSDL2_NewFrame();
  ImGui::NewFrame();
}

void SdlGlWindow::render(bool present) {
  ImGui::Render();
  const ImGuiIO &io = ImGui::GetIO();
  glViewport(0, 0, static_cast<int>(io.DisplaySize.x * io.DisplayFramebufferScale.x),
             static_cast<int>(io.DisplaySize.y * io.DisplayFramebufferScale.y));
  glClearColor(0.08f, 0.08f, 0.09f, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  if (present) SDL_GL_SwapWindow(window_);
}

void SdlGlWindow::read_pixels(int &width, int &height, std::string &rgba) const {
  SDL_GL_GetDrawableSize(window_, &width, &height);
  std::vector<unsigned char> raw(static_cast<size_t>(width) * height * 4);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, raw.data());
  rgba.resize(raw.size());
  const size_t row = static_cast<size_t>(width) * 4;
  for (int y = 0; y < height; ++y) { // GL's origin is bottom-left
    std::copy(raw.begin() + static_cast<long>((height - 1 - y) * row),
              raw.begin() + static_cast<long>((height - y) * row),
              rgba.begin() + static_cast<long>(y * row));
  }
}

} // namespace imc::shell
