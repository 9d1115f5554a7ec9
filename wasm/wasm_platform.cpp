#include "wasm_platform.h"

#include "gl_texture.h"

#include <SDL.h>
#include <emscripten.h>

namespace imc::shell {
namespace {

WasmPlatform *g_platform = nullptr; // the page's one platform, for the JS callbacks

} // namespace

// --- The JS side ---------------------------------------------------------------------------------
// One object, Module.imcIO, holds the page's I/O: pack files (fetched, or from a dropped folder),
// browser-side image decoding, drops, and the API base. Results come back through the
// EMSCRIPTEN_KEEPALIVE functions at the end of this file, always on the main thread.

EM_JS(void, imc_js_install, (const char *pack_url), {
  if (Module.imcIO) return;
  const io = Module.imcIO = { packUrl: UTF8ToString(pack_url), dropped: null, apiBase: "" };
  const withString = (s, fn) => {
    const len = lengthBytesUTF8(s) + 1;
    const ptr = _malloc(len);
    stringToUTF8(s, ptr, len);
    try { return fn(ptr, len - 1); } finally { _free(ptr); }
  };
  const withBytes = (bytes, fn) => {
    const n = bytes ? bytes.length : 0;
    const ptr = _malloc(n || 1);
    if (n) HEAPU8.set(bytes, ptr);
    try { return fn(ptr, n); } finally { _free(ptr); }
  };
  io.withString = withString;
  io.withBytes = withBytes;
  const fileLoaded = (id, path, bytes, error) =>
    withString(path, (p) => withString(error, (e) => withBytes(bytes, (b, n) => _imc_file_loaded(id, p, b, n, e))));
  const imageDecoded = (id, path, w, h, rgba, error) =>
    withString(path, (p) => withString(error, (e) => withBytes(rgba, (b, n) => _imc_image_decoded(id, p, w, h, b, n, e))));
  const blobOf = async (path) => {
    if (io.dropped) {
      const file = io.dropped.files.get(path);
      if (!file) throw new Error("not in the dropped folder " + io.dropped.name);
      return file;
    }
    const res = await fetch(io.packUrl + path);
    if (res.status === 404) throw new Error("not found on the server (HTTP 404): is the pack complete?");
    if (!res.ok) throw new Error("HTTP " + res.status + " " + res.statusText + ": check that the server is running");
    return res.blob();
  };
  io.readPack = (id, path, image) => {
    const generation = io.generation || 0;
    (async () => {
      let blob;
      try { blob = await blobOf(path); } catch (err) {
        if ((io.generation || 0) !== generation) return;
        const msg = String(err && err.message || err);
        return image ? imageDecoded(id, path, 0, 0, null, msg) : fileLoaded(id, path, null, msg);
      }
      if (!image) {
        const bytes = new Uint8Array(await blob.arrayBuffer());
        if ((io.generation || 0) === generation) fileLoaded(id, path, bytes, "");
        return;
      }
      // The browser decodes (createImageBitmap runs off the main thread); only the copy of the
      // pixels happens here.
      let bitmap;
      try {
        bitmap = await createImageBitmap(blob, { premultiplyAlpha: "none", colorSpaceConversion: "none" });
      } catch (err) {
        return imageDecoded(id, path, 0, 0, null, "not a decodable image (" + err + ")");
      }
      const w = bitmap.width, h = bitmap.height;
      const canvas = typeof OffscreenCanvas !== "undefined" ? new OffscreenCanvas(w, h)
                                                             : Object.assign(document.createElement("canvas"), { width: w, height: h });
      const ctx = canvas.getContext("2d");
      ctx.drawImage(bitmap, 0, 0);
      bitmap.close();
      const rgba = new Uint8Array(ctx.getImageData(0, 0, w, h).data.buffer);
      if ((io.generation || 0) === generation) imageDecoded(id, path, w, h, rgba, "");
    })();
  };
  // Called by web/drop.js: a case pack folder (Map of pack-relative path -> File), or one file.
  window.imcOpenDroppedPack = (name, files) => {
    io.dropped = { name: name, files: files };
    io.generation = (io.generation || 0) + 1; // replies for the previous pack are dropped
    withString(name, (p) => _imc_pack_dropped(p));
  };
  window.imcDropFile = async (file) => {
    const bytes = new Uint8Array(await file.arrayBuffer());
    withString(file.name, (p) => withBytes(bytes, (b, n) => _imc_file_dropped(p, b, n)));
  };
  if (window.imcOnAppReady) window.imcOnAppReady();
});

EM_JS(void, imc_js_read_pack, (double id, const char *path, int image), {
  Module.imcIO.readPack(id, UTF8ToString(path), image !== 0);
});

EM_JS(void, imc_js_publish_status, (const char *json), {
  try {
    window.imcStatus = JSON.parse(UTF8ToString(json));
    if (window.imcOnStatus) window.imcOnStatus(window.imcStatus);
  } catch (e) {
    console.error('imc: bad status JSON', e);
  }
});

EM_JS(void, imc_js_set_hash, (const char *hash), {
  const h = UTF8ToString(hash);
  if (window.location.hash.replace(/^#/, "") !== h) {
    history.replaceState(null, "", h ? "#" + h : window.location.pathname + window.location.search);
  }
});

EM_JS(void, imc_js_set_api_base, (const char *base), {
  let b = UTF8ToString(base);
  while (b.endsWith("/")) b = b.slice(0, -1);
  Module.imcIO.apiBase = b;
});

// Emscripten 3.1.6's fetch API cannot stream, so JS fetch + ReadableStream does the HTTP and
// hands each chunk to C++, where the core's SSE parser splits events (any chunking is fine).
EM_JS(void, imc_js_api_call, (double id, const char *method, const char *path, const char *body), {
  const io = Module.imcIO;
  const reqId = id;
  const opts = {method: UTF8ToString(method), headers: {"Accept": "application/json, text/event-stream"}};
  const text = UTF8ToString(body);
  if (text.length) { opts.body = text; opts.headers["Content-Type"] = "application/json"; }
  const controller = new AbortController();
  opts.signal = controller.signal;
  (window.imcApiControllers = window.imcApiControllers || {})[reqId] = controller;
  const send = (fn, status, str) => io.withString(str, (p, n) => fn(reqId, status, p, n));
  fetch(io.apiBase + UTF8ToString(path), opts).then(async (res) => {
    const type = res.headers.get("content-type") || "";
    if (res.ok && type.startsWith("text/event-stream") && res.body) {
      const reader = res.body.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        io.withBytes(value, (p, n) => _imc_api_chunk(reqId, res.status, p, n));
      }
      send(_imc_api_end, res.status, "");
    } else {
      send(_imc_api_body, res.status, await res.text());
    }
  }).catch((err) => {
    const aborted = err && err.name === "AbortError";
    const where = io.apiBase || "this page's server";
    send(_imc_api_end, 0, aborted ? "" : "cannot reach the IMC API at " + where + " (" + err + "): is `imc serve` running? Without it the page is replay only.");
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

// --- WasmPlatform --------------------------------------------------------------------------------

WasmPlatform::WasmPlatform(std::string pack_url) : pack_url_(std::move(pack_url)) {
  g_platform = this;
  imc_js_install(pack_url_.c_str());
}

void WasmPlatform::read_pack_file(ui::RequestId id, const std::string &relative_path) {
  imc_js_read_pack(static_cast<double>(id), relative_path.c_str(), 0);
}

void WasmPlatform::load_pack_image(ui::RequestId id, const std::string &relative_path) {
  imc_js_read_pack(static_cast<double>(id), relative_path.c_str(), 1);
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

std::string WasmPlatform::pack_location() const {
  return dropped_pack_.empty() ? pack_url_ : "dropped folder " + dropped_pack_;
}

void WasmPlatform::publish_status(const std::string &json) { imc_js_publish_status(json.c_str()); }

void WasmPlatform::api_call(ui::RequestId id, const std::string &method, const std::string &path,
                            const std::string &body_json) {
  streams_.erase(id);
  imc_js_api_call(static_cast<double>(id), method.c_str(), path.c_str(), body_json.c_str());
}

void WasmPlatform::api_cancel(ui::RequestId id) { imc_js_api_cancel(static_cast<double>(id)); }

std::string WasmPlatform::api_location() const {
  return api_base_.empty() ? "server that served this page" : "proxy at " + api_base_;
}

void WasmPlatform::set_api_base(const std::string &base_url) {
  api_base_ = base_url;
  imc_js_set_api_base(base_url.c_str());
}

void WasmPlatform::read_local_file(ui::RequestId id, const std::string &path) {
  ui::FileLoaded out;
  out.id = id;
  out.path = path;
  out.error = "the browser cannot open files by path: drop the file onto the page instead";
  done_.push_back(std::move(out));
}

int WasmPlatform::function_key_index(int n) const {
  // ImGui's SDL backend indexes io.KeysDown by SDL scancode, in the browser too.
  return n >= 1 && n <= 12 ? SDL_SCANCODE_F1 + n - 1 : -1;
}

void WasmPlatform::set_location_hash(const std::string &hash) { imc_js_set_hash(hash.c_str()); }

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

void WasmPlatform::file_loaded(ui::RequestId id, std::string path, std::string bytes, std::string error) {
  ui::FileLoaded out;
  out.id = id;
  out.path = std::move(path);
  out.bytes = std::move(bytes);
  out.error = std::move(error);
  done_.push_back(std::move(out));
}

void WasmPlatform::image_decoded(ui::RequestId id, std::string path, int width, int height,
                                 const uint8_t *rgba, std::string error) {
  ui::ImageDecoded out;
  out.id = id;
  out.path = std::move(path);
  out.error = std::move(error);
  if (out.error.empty()) {
    out.width = width;
    out.height = height;
    out.rgba.assign(rgba, rgba + static_cast<size_t>(width) * static_cast<size_t>(height) * 4);
  }
  done_.push_back(std::move(out));
}

void WasmPlatform::pack_dropped(std::string name) {
  dropped_pack_ = name;
  done_.push_back(ui::PackOpened{"dropped folder " + name});
}

void WasmPlatform::file_dropped(std::string name, std::string bytes) {
  done_.push_back(ui::FileDropped{std::move(name), std::move(bytes)});
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

// Entry points for the JS side (main thread).
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
EMSCRIPTEN_KEEPALIVE void imc_file_loaded(double id, const char *path, const char *data, int size,
                                          const char *error) {
  if (imc::shell::g_platform) {
    imc::shell::g_platform->file_loaded(static_cast<imc::ui::RequestId>(id), path,
                                        std::string(data, static_cast<size_t>(size)), error);
  }
}
EMSCRIPTEN_KEEPALIVE void imc_image_decoded(double id, const char *path, int width, int height,
                                            const uint8_t *rgba, int size, const char *error) {
  (void)size;
  if (imc::shell::g_platform) {
    imc::shell::g_platform->image_decoded(static_cast<imc::ui::RequestId>(id), path, width, height,
                                          rgba, error);
  }
}
EMSCRIPTEN_KEEPALIVE void imc_pack_dropped(const char *name) {
  if (imc::shell::g_platform) imc::shell::g_platform->pack_dropped(name);
}
EMSCRIPTEN_KEEPALIVE void imc_file_dropped(const char *name, const char *data, int size) {
  if (imc::shell::g_platform) {
    imc::shell::g_platform->file_dropped(name, std::string(data, static_cast<size_t>(size)));
  }
}
}
