// Dear ImGui's example_emscripten_opengl3, compiled as it ships (the file is included, not
// copied). One difference: this project's SDL2 for wasm is built without the joystick subsystem,
// which the example initialises with SDL_INIT_GAMECONTROLLER and would fail on; that flag is made
// 0 before the example's own #include <SDL.h> (a no-op then, thanks to SDL.h's include guard).
#include <SDL.h>
#undef SDL_INIT_GAMECONTROLLER
#define SDL_INIT_GAMECONTROLLER 0u

#include IMC_BARE_EXAMPLE_MAIN
