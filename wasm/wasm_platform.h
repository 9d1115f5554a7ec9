#pragma once
// The frontend's Platform in the browser: pack files come from the server (or static hosting)
// with emscripten_fetch under <pack_url>/, and UI status is mirrored to window.imcStatus.
#include "platform.h"

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

  // Called from fetch callbacks (main thread).
  void complete(ui::PlatformEvent event) { done_.push_back(std::move(event)); }

private:
  void fetch(ui::RequestId id, const std::string &relative_path, bool image);

  std::string pack_url_;
  std::vector<ui::PlatformEvent> done_;
};

} // namespace imc::shell
