# Locates the cache folder that scripts/setup fills (same rule as the script: $IMC_CACHE,
# else $XDG_CACHE_HOME/imc-sandbox, else ~/.cache/imc-sandbox), and the cached artefacts in it.
if(DEFINED ENV{IMC_CACHE} AND NOT "$ENV{IMC_CACHE}" STREQUAL "")
  set(_imc_cache_default "$ENV{IMC_CACHE}")
elseif(DEFINED ENV{XDG_CACHE_HOME} AND NOT "$ENV{XDG_CACHE_HOME}" STREQUAL "")
  set(_imc_cache_default "$ENV{XDG_CACHE_HOME}/imc-sandbox")
else()
  set(_imc_cache_default "$ENV{HOME}/.cache/imc-sandbox")
endif()
set(IMC_CACHE_DIR "${_imc_cache_default}" CACHE PATH "Cache folder filled by scripts/setup")
set(IMC_IMGUI_DIR "${IMC_CACHE_DIR}/imgui" CACHE PATH "Dear ImGui 1.86 source (Debian imgui source package)")
set(IMC_WASM_SDL2_DIR "${IMC_CACHE_DIR}/wasm-sdl2" CACHE PATH "SDL2 built for wasm by scripts/setup")
set(IMC_LLAMA_SERVER "${IMC_CACHE_DIR}/llama/bin/llama-server" CACHE FILEPATH "llama-server built by scripts/setup")

if(NOT EXISTS "${IMC_IMGUI_DIR}/imgui.cpp")
  message(FATAL_ERROR "Dear ImGui source not found in ${IMC_IMGUI_DIR}. Run: scripts/setup sources")
endif()

# The shared data folder (real clinical images, tiny models): ../shared next to the checkout,
# or $IMC_SHARED (the same variable scripts/setup reads).
if(DEFINED ENV{IMC_SHARED} AND NOT "$ENV{IMC_SHARED}" STREQUAL "")
  set(_imc_shared_default "$ENV{IMC_SHARED}")
else()
  get_filename_component(_imc_shared_default "${PROJECT_SOURCE_DIR}/../shared" ABSOLUTE)
endif()
set(IMC_SHARED_DIR "${_imc_shared_default}" CACHE PATH "Shared data: casepack/ and models/")
