# Dear ImGui 1.86 compiled from Debian's imgui source package (never the prebuilt libimgui),
# so the native and the wasm builds use identical code.
add_library(imgui STATIC
  ${IMC_IMGUI_DIR}/imgui.cpp
  ${IMC_IMGUI_DIR}/imgui_draw.cpp
  ${IMC_IMGUI_DIR}/imgui_tables.cpp
  ${IMC_IMGUI_DIR}/imgui_widgets.cpp
  ${IMC_IMGUI_DIR}/imgui_demo.cpp
  ${IMC_IMGUI_DIR}/misc/cpp/imgui_stdlib.cpp)
target_include_directories(imgui SYSTEM PUBLIC ${IMC_IMGUI_DIR} ${IMC_IMGUI_DIR}/misc/cpp)
target_compile_definitions(imgui PUBLIC IMGUI_DISABLE_OBSOLETE_FUNCTIONS)

# Platform backends: SDL2 + OpenGL3 (native: GL 3; wasm: WebGL2 through GLES3).
function(imc_add_imgui_backend sdl_target)
  add_library(imgui_backend STATIC
    ${IMC_IMGUI_DIR}/backends/imgui_impl_sdl.cpp
    ${IMC_IMGUI_DIR}/backends/imgui_impl_opengl3.cpp)
  target_include_directories(imgui_backend SYSTEM PUBLIC ${IMC_IMGUI_DIR}/backends)
  target_link_libraries(imgui_backend PUBLIC imgui ${sdl_target})
  if(EMSCRIPTEN)
    target_compile_definitions(imgui_backend PUBLIC IMGUI_IMPL_OPENGL_ES3)
  endif()
endfunction()
