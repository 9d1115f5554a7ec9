#pragma once
// The frontend's Platform for imc-studio: reads the pack from the file system and decodes
// images on worker threads, so the UI thread never waits on disk or on stb_image.
#include "api_service.h"
#include "platform.h"

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <map>
#include <set>
#include <thread>
#include <vector>

namespace imc::shell {

class NativePlatform : public ui::Platform {
public:
  // `workers` threads serve file reads and image decodes.
  explicit NativePlatform(std::filesystem::path pack_root, int workers = 2);
  ~NativePlatform() override;

  void read_pack_file(ui::RequestId id, const std::string &relative_path) override;
  void load_pack_image(ui::RequestId id, const std::string &relative_path) override;
  std::vector<ui::PlatformEvent> poll_events() override;
  ImTextureID create_texture(const uint8_t *rgba, int width, int height) override;
  void destroy_texture(ImTextureID texture) override;
  double now_seconds() override;
  std::string pack_location() const override { return pack_root_.string(); }
  void publish_status(const std::string &json) override;
  void api_call(ui::RequestId id, const std::string &method, const std::string &path,
                const std::string &body_json) override;
  void api_cancel(ui::RequestId id) override;
  void copy_to_clipboard(const std::string &text) override;
  void read_local_file(ui::RequestId id, const std::string &path) override;
  int function_key_index(int n) const override;
  std::string api_location() const override;
  std::string load_setting(const std::string &key) override;
  void save_setting(const std::string &key, const std::string &value) override;

  // The in-process API (store, endpoints, sessions, jury); without one, API calls answer with an
  // error saying how to start the studio with data.
  void set_api_service(api::ApiService *service) { api_ = service; }
  // Where settings are kept (default: $XDG_CONFIG_HOME or ~/.config, /imc-sandbox/settings.json).
  void set_settings_file(std::filesystem::path path) { settings_file_ = std::move(path); }

  // Where publish_status() writes (atomically, via a temporary file); empty = nowhere.
  void set_status_file(std::filesystem::path path) { status_file_ = std::move(path); }
  const std::string &last_status() const { return last_status_; }
  // True while requests are queued or running.
  bool busy();

private:
  void submit(std::function<ui::PlatformEvent()> job);
  void worker_loop();

  std::filesystem::path pack_root_;
  api::ApiService *api_ = nullptr;
  std::filesystem::path settings_file_;
  std::set<ui::RequestId> cancelled_; // guarded by mutex_
  std::map<ui::RequestId, std::thread> api_threads_;   // guarded by mutex_
  std::vector<ui::RequestId> finished_api_threads_;   // guarded by mutex_
  void reap_api_threads(bool all);
  std::filesystem::path status_file_;
  std::string last_status_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<ui::PlatformEvent()>> jobs_;
  std::vector<ui::PlatformEvent> done_;
  int running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// Reads a file under `root` refusing paths that leave it. Returns an error message or "".
std::string read_file_under(const std::filesystem::path &root, const std::string &relative_path,
                            std::string &bytes);

} // namespace imc::shell
