#pragma once
// A headless harness for the frontend: a real Dear ImGui context with no renderer and no window,
// a platform that serves the pack from disk synchronously, and helpers that inject mouse and
// keyboard input frame by frame. Tests drive App exactly as a shell does.
#include "app.h"
#include "platform.h"
#include "scripted_api.h"

#include <imgui.h>

#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <string>

namespace imc::test {

class DiskPlatform : public ui::Platform {
public:
  explicit DiskPlatform(std::filesystem::path root) : root_(std::move(root)) {}
  void read_pack_file(ui::RequestId id, const std::string &path) override;
  void load_pack_image(ui::RequestId id, const std::string &path) override;
  std::vector<ui::PlatformEvent> poll_events() override;
  ImTextureID create_texture(const uint8_t *, int, int) override;
  void destroy_texture(ImTextureID) override { --live_textures; }
  double now_seconds() override { return now; }
  std::string pack_location() const override { return root_.string(); }
  void publish_status(const std::string &json) override { last_status = json; }
  // API calls are answered by `api` (tests script the replies); unset = an error reply.
  void api_call(ui::RequestId id, const std::string &method, const std::string &path,
                const std::string &body) override;
  void api_cancel(ui::RequestId id) override { cancelled.push_back(id); }
  void copy_to_clipboard(const std::string &text) override { clipboard = text; }
  void read_local_file(ui::RequestId id, const std::string &path) override;
  int function_key_index(int n) const override { return 400 + n; } // unused KeysDown slots
  void set_location_hash(const std::string &hash) override { location_hash = hash; }
  // Queues an event as if the shell produced it (a dropped file, a new pack).
  void push_event(ui::PlatformEvent event) { done_.push_back(std::move(event)); }
  std::string load_setting(const std::string &key) override;
  void save_setting(const std::string &key, const std::string &value) override {
    settings[key] = value;
  }

  std::function<std::vector<ui::ApiEvent>(const std::string &method, const std::string &path,
                                          const std::string &body)>
      api;
  struct ApiCall {
    std::string method, path, body;
  };
  std::vector<ApiCall> api_log;  // every API call, in order
  // The last call with this method and path, or nullptr.
  const ApiCall *last_call(const std::string &method, const std::string &path) const;
  std::vector<ui::RequestId> cancelled;
  std::string location_hash;
  std::string clipboard;
  std::map<std::string, std::string> settings;

  double now = 0;            // advanced by the harness, one frame = 1/60 s
  int live_textures = 0;
  std::string last_status;

private:
  std::filesystem::path root_;
  std::vector<ui::PlatformEvent> done_;
  intptr_t next_texture_ = 1;
};

class Headless {
public:
  explicit Headless(std::filesystem::path pack, ImVec2 display = {1280, 720});
  ~Headless();

  // Runs one frame with the current input; returns the actions emitted.
  const std::vector<ui::Action> &frame();
  // Runs frames until the pack and the current case's images are loaded (fails the test if not).
  void load(const ui::StartOptions &options = {});
  // A left click at the centre of a widget recorded by the app (press one frame, release next).
  // Each returns the actions of the frame that completed the gesture.
  std::vector<ui::Action> click(const std::string &widget);
  std::vector<ui::Action> click_at(ImVec2 pos);
  std::vector<ui::Action> press_key(ImGuiKey key);
  // A key by its io.KeysDown index (function keys: DiskPlatform::function_key_index).
  std::vector<ui::Action> press_key_index(int index);
  // A typed character (shortcuts such as '?', '[', 'g'), as the shell's text input delivers it.
  std::vector<ui::Action> type_char(char c);
  // The mouse wheel over `pos` (positive = up / zoom in).
  std::vector<ui::Action> wheel_at(ImVec2 pos, float wheel);
  // Press at `from`, move to `to` over a few frames, release.
  std::vector<ui::Action> drag(ImVec2 from, ImVec2 to);
  // Centre of a recorded widget (fails the test when there is none).
  ImVec2 centre_of(const std::string &widget);
  void set_display(ImVec2 size) { display_ = size; }
  // Answers API calls with the scripted replies of fixtures/api (call before load()).
  void use_scripted_api();
  const ScriptedApi &scripted() const { return scripted_; }
  // Runs `n` frames.
  void frames(int n);

  ui::App &app() { return *app_; }
  ui::AppState &state() { return app_->state(); }
  DiskPlatform &platform() { return platform_; }

private:
  ImGuiContext *ctx_ = nullptr;
  ImVec2 display_;
  DiskPlatform platform_;
  ScriptedApi scripted_;
  ui::App *app_ = nullptr;
};

std::string demo_pack_dir();

// The first action of type T among `actions`, or nullptr.
template <class T> const T *find_action(const std::vector<ui::Action> &actions) {
  for (const auto &a : actions) {
    if (auto *x = std::get_if<T>(&a)) return x;
  }
  return nullptr;
}
template <class T> bool has_action(const std::vector<ui::Action> &actions) {
  return find_action<T>(actions) != nullptr;
}

} // namespace imc::test
