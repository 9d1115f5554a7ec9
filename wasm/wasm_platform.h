#pragma once
// The frontend's Platform in the browser: pack files come from the server (or static hosting)
// with emscripten_fetch under <pack_url>/, and UI status is mirrored to window.imcStatus.
#include "imc/sse.h"
#include "platform.h"

#include <map>
#include <memory>

#include <string>
#include <vector>

namespace imc::shell {

class WasmPlatform : public ui::Platform {
public:
  explicit WasmPlatform(std::string pack_url) : pack_url_(std::move(pack_url)) {}

  void read_pack_file(ui::RequestId id, const std::string &relative_path) override;
  void load_pack_image(ui::RequestId id, const std::string &relative_path) override;
  std::vector<ui::PlatformEvent> poll_events() override;
  ImTextureID create_texture(const uint8_t *rgba, int width, int height) override;
  void destroy_texture(ImTextureID texture) override;
  double now_seconds() override;
  std::string pack_location() const override { return pack_url_; }
  void publish_status(const std::string &json) override;
  void api_call(ui::RequestId id, const std::string &method, const std::string &path,
                const std::string &body_json) override;
  void api_cancel(ui::RequestId id) override;
  void copy_to_clipboard(const std::string &text) override;
  std::string load_setting(const std::string &key) override;
  void save_setting(const std::string &key, const std::string &value) override;

  // Called from JS (wasm/api_bridge): a chunk of a streamed reply, a whole plain reply, the end.
  void api_chunk(ui::RequestId id, int status, std::string_view bytes);
  void api_body(ui::RequestId id, int status, std::string body);
  void api_end(ui::RequestId id, int status, std::string error);

  // Called from fetch callbacks (main thread).
  void complete(ui::PlatformEvent event) { done_.push_back(std::move(event)); }

private:
  void fetch(ui::RequestId id, const std::string &relative_path, bool image);

  std::string pack_url_;
  std::map<ui::RequestId, std::unique_ptr<SseParser>> streams_;
  std::vector<ui::PlatformEvent> done_;
};

} // namespace imc::shell
