#pragma once
// A headless harness for the frontend: a real Dear ImGui context with no renderer and no window,
// a platform that serves the pack from disk synchronously, and helpers that inject mouse and
// keyboard input frame by frame. Tests drive App exactly as a shell does.
#include "app.h"
#include "platform.h"

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
  std::string load_setting(const std::string &key) override;
  void save_setting(const std::string &key, const std::string &value) override {
    settings[key] = value;
  }

  std::function<std::vector<ui::ApiEvent>(const std::string &method, const std::string &path,
                                          const std::string &body)>
      api;
  std::vector<ui::RequestId> cancelled;
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
  void set_display(ImVec2 size) { display_ = size; }

  ui::App &app() { return *app_; }
  ui::AppState &state() { return app_->state(); }
  DiskPlatform &platform() { return platform_; }

private:
  ImGuiContext *ctx_ = nullptr;
  ImVec2 display_;
  DiskPlatform platform_;
  ui::App *app_ = nullptr;
};

std::string demo_pack_dir();

} // namespace imc::test
