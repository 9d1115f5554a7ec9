#include "wasm_platform.h"

#include "gl_texture.h"

#include <emscripten.h>
#include <emscripten/fetch.h>

#include <cstring>
#include <stb_image.h>

namespace imc::shell {
namespace {

struct FetchContext {
  WasmPlatform *platform;
  ui::RequestId id;
  std::string path;
  bool image;
};

ui::PlatformEvent make_event(const FetchContext &ctx, const char *data, size_t size,
                             const std::string &error) {
  if (!ctx.image) {
    ui::FileLoaded out;
    out.id = ctx.id;
    out.path = ctx.path;
    out.error = error;
    if (error.empty()) out.bytes.assign(data, size);
    return out;
  }
  ui::ImageDecoded out;
  out.id = ctx.id;
  out.path = ctx.path;
  out.error = error;
  if (!error.empty()) return out;
  int w = 0, h = 0, channels = 0;
  unsigned char *pixels = stbi_load_from_memory(reinterpret_cast<const unsigned char *>(data),
                                                static_cast<int>(size), &w, &h, &channels, 4);
  if (!pixels) {
    out.error = std::string("not a decodable image (") + stbi_failure_reason() + ")";
    return out;
  }
  out.width = w;
  out.height = h;
  out.rgba.assign(pixels, pixels + static_cast<size_t>(w) * h * 4);
  stbi_image_free(pixels);
  return out;
}

void on_success(emscripten_fetch_t *fetch) {
  auto *ctx = static_cast<FetchContext *>(fetch->userData);
  ctx->platform->complete(make_event(*ctx, fetch->data, static_cast<size_t>(fetch->numBytes), ""));
  delete ctx;
  emscripten_fetch_close(fetch);
}

void on_error(emscripten_fetch_t *fetch) {
  auto *ctx = static_cast<FetchContext *>(fetch->userData);
  std::string error = fetch->status == 404
                          ? "not found on the server (HTTP 404): is the pack complete?"
                          : "HTTP " + std::to_string(fetch->status) + " " + fetch->statusText +
                                ": check that the server is running";
  ctx->platform->complete(make_event(*ctx, nullptr, 0, error));
  delete ctx;
  emscripten_fetch_close(fetch);
}

} // namespace

void WasmPlatform::fetch(ui::RequestId id, const std::string &relative_path, bool image) {
  emscripten_fetch_attr_t attr;
  emscripten_fetch_attr_init(&attr);
  std::strcpy(attr.requestMethod, "GET");
  attr.attributes = EMSCRIPTEN_FETCH_LOAD_TO_MEMORY;
  attr.onsuccess = on_success;
  attr.onerror = on_error;
  attr.userData = new FetchContext{this, id, relative_path, image};
  const std::string url = pack_url_ + relative_path;
  emscripten_fetch(&attr, url.c_str());
}

void WasmPlatform::read_pack_file(ui::RequestId id, const std::string &relative_path) {
  fetch(id, relative_path, false);
}

void WasmPlatform::load_pack_image(ui::RequestId id, const std::string &relative_path) {
  fetch(id, relative_path, true);
}

std::vector<ui::PlatformEvent> WasmPlatform::poll_events() {
  std::vector<ui::PlatformEvent> out;
  out.swap(done_);
  return out;
}

ImTextureID WasmPlatform::create_texture(const uint8_t *rgba, int width, int height) {
  return create_gl_texture(rgba, width, height);
}

void WasmPlatform::destroy_texture(ImTextureID texture) { destroy_gl_texture(texture); }

double WasmPlatform::now_seconds() { return emscripten_get_now() / 1000.0; }

EM_JS(void, imc_js_publish_status, (const char *json), {
  try {
    window.imcStatus = JSON.parse(UTF8ToString(json));
    if (window.imcOnStatus) window.imcOnStatus(window.imcStatus);
  } catch (e) {
    console.error('imc: bad status JSON', e);
  }
});

void WasmPlatform::publish_status(const std::string &json) { imc_js_publish_status(json.c_str()); }

} // namespace imc::shell
