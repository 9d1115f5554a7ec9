// The browser shell: the same frontend as imc-studio, on SDL2 + WebGL2, driven by the
// browser's animation frames. Deep links (#case=...&transcript=...&tab=...&view=...) choose what
// opens; the app keeps the hash current as the user navigates.
#include "app.h"
#include "sdl_gl_window.h"
#include "wasm_platform.h"

#include <emscripten.h>

#include <cstdio>
#include <string>

namespace {

struct Shell {
  imc::shell::SdlGlWindow window;
  imc::shell::WasmPlatform platform{"pack/"};
  imc::ui::App app{platform};
};

// Reads one parameter of the page's hash ("#case=x&transcript=y"); "" when absent.
EM_JS(char *, imc_js_hash_param, (const char *name), {
  const params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  const value = params.get(UTF8ToString(name)) || "";
  return stringToNewUTF8(value);
});

// The canvas size follows the browser window; SDL learns it through a resize.
EM_JS(int, imc_js_canvas_width, (), { return window.innerWidth; });
EM_JS(int, imc_js_canvas_height, (), { return window.innerHeight; });

std::string hash_param(const char *name) {
  char *raw = imc_js_hash_param(name);
  std::string value(raw);
  free(raw);
  return value;
}

void main_loop(void *arg) {
  auto *shell = static_cast<Shell *>(arg);
  int w = imc_js_canvas_width(), h = imc_js_canvas_height(), cur_w = 0, cur_h = 0;
  SDL_GetWindowSize(shell->window.window(), &cur_w, &cur_h);
  if (w != cur_w || h != cur_h) SDL_SetWindowSize(shell->window.window(), w, h);
  shell->window.pump_events();
  shell->window.new_frame();
  shell->app.frame();
  shell->window.render();
}

} // namespace

int main() {
  auto *shell = new Shell; // lives for the page's lifetime
  std::string error;
  imc::shell::GlProfile webgl2{3, 0, true, "#version 300 es"};
  if (!shell->window.create("IMC Sandbox", imc_js_canvas_width(), imc_js_canvas_height(), webgl2,
                            1.0f, error)) {
    std::fprintf(stderr, "imc: %s\n", error.c_str());
    return 1;
  }
  imc::ui::StartOptions start;
  start.case_id = hash_param("case");
  start.transcript_id = hash_param("transcript");
  start.view = hash_param("view");
  start.tab = hash_param("tab");
  start.overlay = hash_param("overlay");
  start.compare_id = hash_param("compare");
  shell->app.start(start);
  emscripten_set_main_loop_arg(main_loop, shell, 0, true);
  return 0;
}
