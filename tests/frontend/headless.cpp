#include "headless.h"
#include "support/test_paths.h"

#include <gtest/gtest.h>
#include <stb_image.h>

#include <fstream>
#include <sstream>

namespace imc::test {

std::string demo_pack_dir() { return std::string(imc::test::source_dir()) + "/assets/demo"; }

namespace {
std::string read_all(const std::filesystem::path &p, std::string &error) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    error = "cannot open " + p.string();
    return {};
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
} // namespace

void DiskPlatform::read_pack_file(ui::RequestId id, const std::string &path) {
  ui::FileLoaded f;
  f.id = id;
  f.path = path;
  f.bytes = read_all(root_ / path, f.error);
  done_.push_back(std::move(f));
}

void DiskPlatform::load_pack_image(ui::RequestId id, const std::string &path) {
  ui::ImageDecoded img;
  img.id = id;
  img.path = path;
  std::string bytes = read_all(root_ / path, img.error);
  if (img.error.empty()) {
    int n = 0;
    unsigned char *px = stbi_load_from_memory(reinterpret_cast<const unsigned char *>(bytes.data()),
                                              int(bytes.size()), &img.width, &img.height, &n, 4);
    if (px) {
      img.rgba.assign(px, px + size_t(img.width) * img.height * 4);
      stbi_image_free(px);
    } else {
      img.error = "not a decodable image";
    }
  }
  done_.push_back(std::move(img));
}

void DiskPlatform::read_local_file(ui::RequestId id, const std::string &path) {
  ui::FileLoaded f;
  f.id = id;
  f.path = path;
  f.bytes = read_all(path, f.error);
  done_.push_back(std::move(f));
}

void DiskPlatform::api_call(ui::RequestId id, const std::string &method, const std::string &path,
                            const std::string &body) {
  api_log.push_back({method, path, body});
  if (!api) {
    ui::ApiEvent e;
    e.id = id;
    e.done = true;
    e.error = "no API in this test";
    done_.push_back(std::move(e));
    return;
  }
  for (ui::ApiEvent e : api(method, path, body)) {
    e.id = id;
    done_.push_back(std::move(e));
  }
}

const DiskPlatform::ApiCall *DiskPlatform::last_call(const std::string &method,
                                                     const std::string &path) const {
  for (auto it = api_log.rbegin(); it != api_log.rend(); ++it) {
    if (it->method == method && it->path == path) return &*it;
  }
  return nullptr;
}

std::string DiskPlatform::load_setting(const std::string &key) {
  auto it = settings.find(key);
  return it == settings.end() ? "" : it->second;
}

std::vector<ui::PlatformEvent> DiskPlatform::poll_events() {
  std::vector<ui::PlatformEvent> out;
  out.swap(done_);
  return out;
}

ImTextureID DiskPlatform::create_texture(const uint8_t *, int, int) {
  ++live_textures;
  return reinterpret_cast<ImTextureID>(next_texture_++);
}

Headless::Headless(std::filesystem::path pack, ImVec2 display)
    : display_(display), platform_(std::move(pack)) {
  ctx_ = ImGui::CreateContext();
  ImGui::SetCurrentContext(ctx_);
  ui::App::setup_imgui(1.0f);
  ImGuiIO &io = ImGui::GetIO();
  unsigned char *pixels = nullptr;
  int w = 0, h = 0;
  io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h); // builds the atlas; no GPU needed
  io.Fonts->SetTexID(reinterpret_cast<ImTextureID>(intptr_t(-1)));
  for (int k = 0; k < ImGuiKey_COUNT; ++k) io.KeyMap[k] = k; // identity: KeysDown[ImGuiKey_X]
  app_ = new ui::App(platform_);
}

Headless::~Headless() {
  delete app_;
  ImGui::DestroyContext(ctx_);
}

const std::vector<ui::Action> &Headless::frame() {
  ImGuiIO &io = ImGui::GetIO();
  io.DisplaySize = display_;
  io.DeltaTime = 1.0f / 60.0f;
  platform_.now += io.DeltaTime;
  ImGui::NewFrame();
  app_->frame();
  ImGui::Render();
  return app_->last_actions();
}

void Headless::use_scripted_api() {
  platform_.api = [this](const std::string &m, const std::string &p, const std::string &b) {
    return scripted_.answer(m, p, b);
  };
}

void Headless::frames(int n) {
  for (int i = 0; i < n; ++i) frame();
}

void Headless::load(const ui::StartOptions &options) {
  app_->start(options);
  for (int i = 0; i < 200; ++i) {
    frame();
    const auto &s = state();
    bool images_done = true;
    for (const auto &[p, slot] : s.images) images_done &= slot.state != ui::ImageSlot::State::loading;
    if (s.phase == ui::LoadPhase::ready && images_done && i > 2) return;
    if (s.phase == ui::LoadPhase::failed) break;
  }
  FAIL() << "pack did not load: " << state().status;
}

std::vector<ui::Action> Headless::click_at(ImVec2 pos) {
  ImGuiIO &io = ImGui::GetIO();
  io.MousePos = pos;
  frame(); // hover
  io.MouseDown[0] = true;
  frame();
  io.MouseDown[0] = false;
  return frame(); // buttons fire on release
}

ImVec2 Headless::centre_of(const std::string &widget) {
  auto it = state().widgets.find(widget);
  if (it == state().widgets.end()) {
    ADD_FAILURE() << "no widget named " << widget;
    return ImVec2(-1000, -1000);
  }
  return ImVec2(it->second.x + it->second.w / 2, it->second.y + it->second.h / 2);
}

std::vector<ui::Action> Headless::click(const std::string &widget) {
  if (!state().widgets.count(widget)) {
    ADD_FAILURE() << "no widget named " << widget;
    return {};
  }
  return click_at(centre_of(widget));
}

std::vector<ui::Action> Headless::press_key_index(int index) {
  ImGuiIO &io = ImGui::GetIO();
  io.KeysDown[index] = true;
  std::vector<ui::Action> actions = frame();
  io.KeysDown[index] = false;
  frame();
  return actions;
}

std::vector<ui::Action> Headless::type_char(char c) {
  ImGui::GetIO().AddInputCharacter(static_cast<unsigned>(static_cast<unsigned char>(c)));
  std::vector<ui::Action> actions = frame();
  frame();
  return actions;
}

std::vector<ui::Action> Headless::wheel_at(ImVec2 pos, float wheel) {
  ImGuiIO &io = ImGui::GetIO();
  io.MousePos = pos;
  frame(); // hover
  io.MouseWheel = wheel;
  std::vector<ui::Action> actions = frame();
  io.MouseWheel = 0;
  frame();
  return actions;
}

std::vector<ui::Action> Headless::drag(ImVec2 from, ImVec2 to) {
  ImGuiIO &io = ImGui::GetIO();
  io.MousePos = from;
  frame();
  io.MouseDown[0] = true;
  frame();
  std::vector<ui::Action> all;
  for (int i = 1; i <= 4; ++i) {
    io.MousePos = ImVec2(from.x + (to.x - from.x) * i / 4, from.y + (to.y - from.y) * i / 4);
    const auto &a = frame();
    all.insert(all.end(), a.begin(), a.end());
  }
  io.MouseDown[0] = false;
  frame();
  return all;
}

std::vector<ui::Action> Headless::press_key(ImGuiKey key) {
  ImGuiIO &io = ImGui::GetIO();
  io.KeysDown[key] = true;
  std::vector<ui::Action> actions = frame();
  io.KeysDown[key] = false;
  frame();
  return actions;
}

} // namespace imc::test
