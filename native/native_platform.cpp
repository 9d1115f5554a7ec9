#include "native_platform.h"

#include "gl_texture.h"

#include <SDL.h>
#include <nlohmann/json.hpp>
#include <stb_image.h>

#include <chrono>
#include <cstdlib>
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
  reap_api_threads(true); // cancels streams still open, then waits for their handlers
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

void NativePlatform::read_local_file(ui::RequestId id, const std::string &path) {
  submit([id, path]() -> ui::PlatformEvent {
    ui::FileLoaded out;
    out.id = id;
    out.path = path;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      out.error = "cannot open " + path + " (missing or unreadable)";
      return out;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    out.bytes = ss.str();
    return out;
  });
}

int NativePlatform::function_key_index(int n) const {
  // ImGui's SDL backend indexes io.KeysDown by SDL scancode.
  return n >= 1 && n <= 12 ? SDL_SCANCODE_F1 + n - 1 : -1;
}

std::string NativePlatform::api_location() const {
  return api_ ? "in-process service (imc-studio --store)"
              : "in-process service, which this studio was started without (--store FILE)";
}

std::vector<ui::PlatformEvent> NativePlatform::poll_events() {
  reap_api_threads(false);
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

namespace {

// Collects an ApiService's answer into ApiEvents for the UI thread.
class QueueSink : public api::ApiSink {
public:
  QueueSink(ui::RequestId id, std::function<void(ui::ApiEvent)> push,
            std::function<bool()> is_cancelled)
      : id_(id), push_(std::move(push)), is_cancelled_(std::move(is_cancelled)) {}
  void reply(int status, const std::string &json) override {
    ui::ApiEvent e;
    e.id = id_;
    e.status = status;
    e.data = json;
    e.done = true;
    push_(std::move(e));
    replied_ = true;
  }
  bool event(const std::string &name, const std::string &json) override {
    if (is_cancelled_()) return false;
    ui::ApiEvent e;
    e.id = id_;
    e.status = 200;
    e.event = name;
    e.data = json;
    push_(std::move(e));
    return true;
  }
  bool cancelled() const override { return is_cancelled_(); }
  bool replied() const { return replied_; }

private:
  ui::RequestId id_;
  std::function<void(ui::ApiEvent)> push_;
  std::function<bool()> is_cancelled_;
  bool replied_ = false;
};

std::filesystem::path default_settings_file() {
  const char *xdg = std::getenv("XDG_CONFIG_HOME");
  const char *home = std::getenv("HOME");
  std::filesystem::path base = xdg && *xdg ? xdg : std::string(home ? home : ".") + "/.config";
  return base / "imc-sandbox" / "settings.json";
}

} // namespace

void NativePlatform::api_call(ui::RequestId id, const std::string &method, const std::string &path,
                              const std::string &body_json) {
  if (!api_) {
    ui::ApiEvent e;
    e.id = id;
    e.done = true;
    e.error = "no data service in this studio: start imc-studio with --store FILE (and --config "
              "FILE for live sessions and the jury)";
    std::lock_guard<std::mutex> lock(mutex_);
    done_.push_back(std::move(e));
    return;
  }
  // Each call gets its own thread: streams (live sessions, jury) block for their whole length and
  // must not starve file reads on the pool.
  std::lock_guard<std::mutex> guard(mutex_);
  api_threads_[id] = std::thread([this, id, method, path, body_json] {
    api::ApiRequest request;
    request.method = method;
    request.client = "studio";
    request.body = body_json;
    const auto q = path.find('?');
    request.path = path.substr(0, q);
    if (q != std::string::npos) {
      std::string query = path.substr(q + 1);
      size_t start = 0;
      while (start <= query.size()) {
        size_t end = query.find('&', start);
        if (end == std::string::npos) end = query.size();
        const std::string pair = query.substr(start, end - start);
        const auto eq = pair.find('=');
        if (!pair.empty()) {
          request.query.emplace_back(pair.substr(0, eq),
                                     eq == std::string::npos ? "" : pair.substr(eq + 1));
        }
        start = end + 1;
      }
    }
    QueueSink sink(
        id,
        [this](ui::ApiEvent e) {
          std::lock_guard<std::mutex> lock(mutex_);
          done_.push_back(std::move(e));
        },
        [this, id] {
          std::lock_guard<std::mutex> lock(mutex_);
          return cancelled_.count(id) > 0;
        });
    api_->handle(request, sink);
    if (!sink.replied()) { // a stream: close it
      ui::ApiEvent end;
      end.id = id;
      end.status = 200;
      end.done = true;
      std::lock_guard<std::mutex> lock(mutex_);
      done_.push_back(std::move(end));
    }
    std::lock_guard<std::mutex> lock(mutex_);
    finished_api_threads_.push_back(id);
  });
}

void NativePlatform::reap_api_threads(bool all) {
  std::vector<std::thread> to_join;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (all) {
      for (auto &[id, t] : api_threads_) {
        cancelled_.insert(id);
        to_join.push_back(std::move(t));
      }
      api_threads_.clear();
    } else {
      for (ui::RequestId id : finished_api_threads_) {
        auto it = api_threads_.find(id);
        if (it == api_threads_.end()) continue;
        to_join.push_back(std::move(it->second));
        api_threads_.erase(it);
        cancelled_.erase(id);
      }
    }
    finished_api_threads_.clear();
  }
  for (auto &t : to_join) t.join();
}

void NativePlatform::api_cancel(ui::RequestId id) {
  std::lock_guard<std::mutex> lock(mutex_);
  cancelled_.insert(id);
}

void NativePlatform::copy_to_clipboard(const std::string &text) { SDL_SetClipboardText(text.c_str()); }

std::string NativePlatform::load_setting(const std::string &key) {
  const auto file = settings_file_.empty() ? default_settings_file() : settings_file_;
  std::ifstream in(file);
  if (!in) return "";
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return "";
  return j[key].get<std::string>();
}

void NativePlatform::save_setting(const std::string &key, const std::string &value) {
  const auto file = settings_file_.empty() ? default_settings_file() : settings_file_;
  nlohmann::json j = nlohmann::json::object();
  {
    std::ifstream in(file);
    if (in) {
      auto old = nlohmann::json::parse(in, nullptr, false);
      if (old.is_object()) j = old;
    }
  }
  j[key] = value;
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  const auto tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump(2) << "\n";
  }
  std::filesystem::rename(tmp, file, ec);
}

} // namespace imc::shell
