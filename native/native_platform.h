#pragma once
// The frontend's Platform for imc-studio: reads the pack from the file system and decodes
// images on worker threads, so the UI thread never waits on disk or on stb_image.
#include "platform.h"

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
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

  // Where publish_status() writes (atomically, via a temporary file); empty = nowhere.
  void set_status_file(std::filesystem::path path) { status_file_ = std::move(path); }
  const std::string &last_status() const { return last_status_; }
  // True while requests are queued or running.
  bool busy();

private:
  void submit(std::function<ui::PlatformEvent()> job);
  void worker_loop();

  std::filesystem::path pack_root_;
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
