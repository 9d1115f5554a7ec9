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

// --- The API through the proxy -----------------------------------------------------------
// Emscripten 3.1.6's fetch API cannot stream, so JS fetch + ReadableStream does the HTTP and
// hands each chunk to C++, where the core's SSE parser splits events (any chunking is fine).

EM_JS(void, imc_js_api_call, (double id, const char *method, const char *path, const char *body), {
  const reqId = id;
  const opts = {method: UTF8ToString(method), headers: {"Accept": "application/json, text/event-stream"}};
  const text = UTF8ToString(body);
  if (text.length) { opts.body = text; opts.headers["Content-Type"] = "application/json"; }
  const controller = new AbortController();
  opts.signal = controller.signal;
  (window.imcApiControllers = window.imcApiControllers || {})[reqId] = controller;
  const send = (fn, status, str) => {
    const len = lengthBytesUTF8(str) + 1;
    const ptr = _malloc(len);
    stringToUTF8(str, ptr, len);
    fn(reqId, status, ptr, len - 1);
    _free(ptr);
  };
  const sendBytes = (status, bytes) => {
    const ptr = _malloc(bytes.length || 1);
    HEAPU8.set(bytes, ptr);
    _imc_api_chunk(reqId, status, ptr, bytes.length);
    _free(ptr);
  };
  fetch(UTF8ToString(path), opts).then(async (res) => {
    const type = res.headers.get("content-type") || "";
    if (res.ok && type.startsWith("text/event-stream") && res.body) {
      const reader = res.body.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        sendBytes(res.status, value);
      }
      send(_imc_api_end, res.status, "");
    } else {
      send(_imc_api_body, res.status, await res.text());
    }
  }).catch((err) => {
    const aborted = err && err.name === "AbortError";
    send(_imc_api_end, 0, aborted ? "" : "cannot reach the IMC proxy (" + err + "): is `imc serve` running? In replay-only (static) mode live features are off.");
  }).finally(() => { delete window.imcApiControllers[reqId]; });
});

EM_JS(void, imc_js_api_cancel, (double id), {
  const c = window.imcApiControllers && window.imcApiControllers[id];
  if (c) c.abort();
});

EM_JS(void, imc_js_copy, (const char *text), {
  const s = UTF8ToString(text);
  if (navigator.clipboard) navigator.clipboard.writeText(s).catch((e) => console.warn("clipboard:", e));
});

EM_JS(char *, imc_js_load_setting, (const char *key), {
  let v = "";
  try { v = window.localStorage.getItem("imc." + UTF8ToString(key)) || ""; } catch (e) {}
  return stringToNewUTF8(v);
});

EM_JS(void, imc_js_save_setting, (const char *key, const char *value), {
  try { window.localStorage.setItem("imc." + UTF8ToString(key), UTF8ToString(value)); } catch (e) {}
});

namespace {
WasmPlatform *g_platform = nullptr; // the page's one platform, for the JS callbacks
} // namespace

void WasmPlatform::api_call(ui::RequestId id, const std::string &method, const std::string &path,
                            const std::string &body_json) {
  g_platform = this;
  streams_.erase(id);
  imc_js_api_call(static_cast<double>(id), method.c_str(), path.c_str(), body_json.c_str());
}

void WasmPlatform::api_cancel(ui::RequestId id) { imc_js_api_cancel(static_cast<double>(id)); }

void WasmPlatform::api_chunk(ui::RequestId id, int status, std::string_view bytes) {
  auto &parser = streams_[id];
  if (!parser) parser = std::make_unique<SseParser>();
  std::vector<SseEvent> events;
  parser->feed(bytes, events);
  for (auto &e : events) {
    ui::ApiEvent out;
    out.id = id;
    out.status = status;
    out.event = e.type;
    out.data = std::move(e.data);
    done_.push_back(std::move(out));
  }
}

void WasmPlatform::api_body(ui::RequestId id, int status, std::string body) {
  ui::ApiEvent out;
  out.id = id;
  out.status = status;
  out.data = std::move(body);
  out.done = true;
  done_.push_back(std::move(out));
}

void WasmPlatform::api_end(ui::RequestId id, int status, std::string error) {
  std::string truncated;
  auto it = streams_.find(id);
  if (it != streams_.end()) {
    if (it->second->finish() == SseEnd::incomplete_event && error.empty()) {
      truncated = "the stream from the proxy ended in the middle of an event";
    }
    streams_.erase(it);
  }
  ui::ApiEvent out;
  out.id = id;
  out.status = status;
  out.done = true;
  out.error = error.empty() ? truncated : error;
  done_.push_back(std::move(out));
}

void WasmPlatform::copy_to_clipboard(const std::string &text) { imc_js_copy(text.c_str()); }

std::string WasmPlatform::load_setting(const std::string &key) {
  char *raw = imc_js_load_setting(key.c_str());
  std::string value(raw);
  free(raw);
  return value;
}

void WasmPlatform::save_setting(const std::string &key, const std::string &value) {
  imc_js_save_setting(key.c_str(), value.c_str());
}

} // namespace imc::shell

extern "C" {
EMSCRIPTEN_KEEPALIVE void imc_api_chunk(double id, int status, const char *data, int size) {
  if (imc::shell::g_platform) {
    imc::shell::g_platform->api_chunk(static_cast<imc::ui::RequestId>(id), status,
                                      std::string_view(data, static_cast<size_t>(size)));
  }
}
EMSCRIPTEN_KEEPALIVE void imc_api_body(double id, int status, const char *data, int size) {
  if (imc::shell::g_platform) {
    imc::shell::g_platform->api_body(static_cast<imc::ui::RequestId>(id), status,
                                     std::string(data, static_cast<size_t>(size)));
  }
}
EMSCRIPTEN_KEEPALIVE void imc_api_end(double id, int status, const char *data, int size) {
  if (imc::shell::g_platform) {
    imc::shell::g_platform->api_end(static_cast<imc::ui::RequestId>(id), status,
                                    std::string(data, static_cast<size_t>(size)));
  }
}
}
