#pragma once
// RGBA8 textures for Dear ImGui's OpenGL3 backend (desktop GL and WebGL2 alike).
#include <imgui.h>

#include <cstdint>

namespace imc::shell {

ImTextureID create_gl_texture(const uint8_t *rgba, int width, int height);
void destroy_gl_texture(ImTextureID texture);

} // namespace imc::shell
