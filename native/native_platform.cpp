#include "native_platform.h"

#include "gl_texture.h"

#include <stb_image.h>

#include <chrono>
#include <fstream>
#include <sstream>

namespace imc::shell {

std::string read_file_under(const std::filesystem::path &root, const std::string &relative_path,
                            std::string &bytes) {
  namespace fs = std::filesystem;
  const fs::path rel(relative_path);
  if (rel.is_absolute() || relative_path.find("..") != std::string::npos) {
    return "refused: the path must stay inside the pack";
  }
  const fs::path full = root / rel;
  std::ifstream in(full, std::ios::binary);
  if (!in) return "cannot open " + full.string() + " (missing or unreadable)";
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return "read error on " + full.string();
  bytes = ss.str();
  return "";
}

NativePlatform::NativePlatform(std::filesystem::path pack_root, int workers)
    : pack_root_(std::move(pack_root)) {
  for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { worker_loop(); });
}

NativePlatform::~NativePlatform() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto &t : threads_) t.join();
}

void NativePlatform::submit(std::function<ui::PlatformEvent()> job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void NativePlatform::worker_loop() {
  for (;;) {
    std::function<ui::PlatformEvent()> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
      ++running_;
    }
    ui::PlatformEvent event = job();
    std::lock_guard<std::mutex> lock(mutex_);
    done_.push_back(std::move(event));
    --running_;
  }
}

bool NativePlatform::busy() {
  std::lock_guard<std::mutex> lock(mutex_);
  return running_ > 0 || !jobs_.empty() || !done_.empty();
}

void NativePlatform::read_pack_file(ui::RequestId id, const std::string &relative_path) {
  submit([this, id, relative_path]() -> ui::PlatformEvent {
    ui::FileLoaded out;
    out.id = id;
    out.path = relative_path;
    out.error = read_file_under(pack_root_, relative_path, out.bytes);
    return out;
  });
}

void NativePlatform::load_pack_image(ui::RequestId id, const std::string &relative_path) {
  submit([this, id, relative_path]() -> ui::PlatformEvent {
    ui::ImageDecoded out;
    out.id = id;
    out.path = relative_path;
    std::string bytes;
    out.error = read_file_under(pack_root_, relative_path, bytes);
    if (!out.error.empty()) return out;
    int w = 0, h = 0, channels = 0;
    unsigned char *pixels =
        stbi_load_from_memory(reinterpret_cast<const unsigned char *>(bytes.data()),
                              static_cast<int>(bytes.size()), &w, &h, &channels, 4);
    if (!pixels) {
      out.error = std::string("not a decodable image (") + stbi_failure_reason() + ")";
      return out;
    }
    out.width = w;
    out.height = h;
    out.rgba.assign(pixels, pixels + static_cast<size_t>(w) * h * 4);
    stbi_image_free(pixels);
    return out;
  });
}

std::vector<ui::PlatformEvent> NativePlatform::poll_events() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<ui::PlatformEvent> out;
  out.swap(done_);
  return out;
}

ImTextureID NativePlatform::create_texture(const uint8_t *rgba, int width, int height) {
  return create_gl_texture(rgba, width, height);
}

void NativePlatform::destroy_texture(ImTextureID texture) { destroy_gl_texture(texture); }

double NativePlatform::now_seconds() {
  using clock = std::chrono::steady_clock;
  static const auto start = clock::now();
  return std::chrono::duration<double>(clock::now() - start).count();
}

void NativePlatform::publish_status(const std::string &json) {
  last_status_ = json;
  if (status_file_.empty()) return;
  const auto tmp = status_file_.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << json << "\n";
  }
  std::filesystem::rename(tmp, status_file_);
}

} // namespace imc::shell
