#pragma once
// The frontend's Platform in the browser. Pack files come from the server (or static hosting)
// under <pack_url>/, or from a folder dropped onto the page; images are decoded by the browser
// (createImageBitmap, off the main thread) and handed over as RGBA; the API goes through JS fetch
// with streamed bodies; UI status is mirrored to window.imcStatus and the selection to the
// address's #hash.
#include "imc/sse.h"
#include "platform.h"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace imc::shell {

class WasmPlatform : public ui::Platform {
public:
  explicit WasmPlatform(std::string pack_url);

  void read_pack_file(ui::RequestId id, const std::string &relative_path) override;
  void load_pack_image(ui::RequestId id, const std::string &relative_path) override;
  std::vector<ui::PlatformEvent> poll_events() override;
  ImTextureID create_texture(const uint8_t *rgba, int width, int height) override;
  void destroy_texture(ImTextureID texture) override;
  double now_seconds() override;
  std::string pack_location() const override;
  void publish_status(const std::string &json) override;
  void api_call(ui::RequestId id, const std::string &method, const std::string &path,
                const std::string &body_json) override;
  void api_cancel(ui::RequestId id) override;
  std::string api_location() const override;
  bool uses_proxy_address() const override { return true; }
  void set_api_base(const std::string &base_url) override;
  void read_local_file(ui::RequestId id, const std::string &path) override;
  bool can_read_local_files() const override { return false; }
  int function_key_index(int n) const override;
  void set_location_hash(const std::string &hash) override;
  void copy_to_clipboard(const std::string &text) override;
  std::string load_setting(const std::string &key) override;
  void save_setting(const std::string &key, const std::string &value) override;

  // Called from JS: a chunk of a streamed reply, a whole plain reply, the end of a reply.
  void api_chunk(ui::RequestId id, int status, std::string_view bytes);
  void api_body(ui::RequestId id, int status, std::string body);
  void api_end(ui::RequestId id, int status, std::string error);
  // Called from JS: a pack file read, an image decoded by the browser, a dropped pack or file.
  void file_loaded(ui::RequestId id, std::string path, std::string bytes, std::string error);
  void image_decoded(ui::RequestId id, std::string path, int width, int height,
                     const uint8_t *rgba, std::string error);
  void pack_dropped(std::string name);
  void file_dropped(std::string name, std::string bytes);

private:
  std::string pack_url_;
  std::string dropped_pack_;  // name of the dropped folder being served ("" = the server's pack)
  std::string api_base_;
  std::map<ui::RequestId, std::unique_ptr<SseParser>> streams_;
  std::vector<ui::PlatformEvent> done_;
};

} // namespace imc::shell
