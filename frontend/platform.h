#pragma once
// The frontend's only window to the outside world. Each shell implements it: native/ with
// worker threads and the file system, wasm/ with fetch and the browser. The frontend never
// performs I/O itself; it asks, and later receives events on the UI thread through poll_events().
#include <imgui.h>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace imc::ui {

using RequestId = uint64_t;

struct FileLoaded {
  RequestId id = 0;
  std::string path;     // as requested
  std::string bytes;    // file contents when error is empty
  std::string error;    // what went wrong and what to do ("not found: ..."), empty on success
};

struct ImageDecoded {
  RequestId id = 0;
  std::string path;
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgba; // width * height * 4 bytes when error is empty
  std::string error;
};

// One piece of an API reply (docs/API.md). A plain JSON reply arrives as one ApiEvent with
// done = true and `data` = the body; a streamed reply (server-sent events) as one ApiEvent per
// event (`event` = its name, `data` = its JSON), then a last one with done = true.
struct ApiEvent {
  RequestId id = 0;
  int status = 0;       // HTTP status of the reply (0 when the request never got one)
  std::string event;    // SSE event name; "" for a plain reply
  std::string data;     // JSON text
  bool done = false;    // the reply is over (after this, no more events for `id`)
  std::string error;    // transport-level failure, with what to do next ("" when none)
};

// The shell now serves another case pack (the browser: a folder dropped onto the page). The app
// starts over and loads it through read_pack_file / load_pack_image as usual.
struct PackOpened {
  std::string location;  // shown in the status bar ("dropped folder my-pack")
};

// A file the user handed to the app (the browser: dropped onto the page): transcripts as JSON
// Lines or JSON, or an image to attach to a live session.
struct FileDropped {
  std::string name;      // file name, without folders
  std::string bytes;
};

using PlatformEvent = std::variant<FileLoaded, ImageDecoded, ApiEvent, PackOpened, FileDropped>;

class Platform {
public:
  virtual ~Platform() = default;

  // Read a file of the open case pack (path relative to the pack root). Answers with FileLoaded.
  virtual void read_pack_file(RequestId id, const std::string &relative_path) = 0;
  // Read and decode an image of the pack, off the UI thread where the platform can.
  // Answers with ImageDecoded.
  virtual void load_pack_image(RequestId id, const std::string &relative_path) = 0;
  // Events completed since the last call, in completion order. Called once per frame.
  virtual std::vector<PlatformEvent> poll_events() = 0;

  // GPU textures for decoded images (RGBA8, straight alpha).
  virtual ImTextureID create_texture(const uint8_t *rgba, int width, int height) = 0;
  virtual void destroy_texture(ImTextureID texture) = 0;

  // The kit's JSON API (docs/API.md): natively served in-process by the same service `imc serve`
  // exposes; in the browser fetched from the proxy. `path` starts with "/api/". Answers with
  // ApiEvents. A shell without the API (static hosting: replay only) answers status 0 with an
  // error saying so.
  virtual void api_call(RequestId id, const std::string &method, const std::string &path,
                        const std::string &body_json) = 0;
  // Stops a streamed reply early (e.g. "Stop" in a live session); cancels the upstream call.
  virtual void api_cancel(RequestId id) = 0;

  // Where API calls go, for the settings panel ("in-process service", "this page's server").
  virtual std::string api_location() const { return "in-process service"; }
  // Whether the proxy address setting applies (the browser); set_api_base changes it ("" = the
  // page's own origin).
  virtual bool uses_proxy_address() const { return false; }
  virtual void set_api_base(const std::string &base_url) { (void)base_url; }

  // Read a file the user named (not part of the pack), e.g. an image to attach to a live
  // session. Answers with FileLoaded; a platform without a file system answers with an error
  // saying what to do instead.
  virtual void read_local_file(RequestId id, const std::string &path) = 0;
  // False where files cannot be named by path (the browser: they are dropped onto the page).
  virtual bool can_read_local_files() const { return true; }

  // The io.KeysDown index of function key F`n` (1..12), or -1 when the shell has none: ImGui 1.86
  // names no function keys, and the help overlay opens with F1.
  virtual int function_key_index(int n) const {
    (void)n;
    return -1;
  }

  // The browser's address: "case=...&transcript=..." after '#', kept current as the user
  // navigates so the link can be shared. No-op natively.
  virtual void set_location_hash(const std::string &hash) { (void)hash; }

  // Text to the system clipboard.
  virtual void copy_to_clipboard(const std::string &text) = 0;
  // Settings kept between sessions (native: a file in the user's config folder; browser:
  // localStorage). `load_setting` returns "" when unset.
  virtual std::string load_setting(const std::string &key) = 0;
  virtual void save_setting(const std::string &key, const std::string &value) = 0;

  // Seconds from an arbitrary start, monotonic.
  virtual double now_seconds() = 0;

  // Where the pack comes from, shown in the status bar ("assets/demo", "/pack/").
  virtual std::string pack_location() const = 0;

  // Test and automation hook: a JSON snapshot of the UI (state and widget rectangles) each time
  // it changes. Native writes it to a file when asked to; wasm exposes it as window.imcStatus.
  virtual void publish_status(const std::string &json) { (void)json; }
};

} // namespace imc::ui
