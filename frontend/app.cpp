#include "app.h"

#include "embedded_assets.h"
#include "layout.h"
#include "panels/panels.h"
#include "status_json.h"

#include <algorithm>
#include <type_traits>

namespace imc::ui {
namespace {

// The files fetched before parsing, served to the core's pack loader from memory.
class FetchedPackFiles : public PackFiles {
public:
  explicit FetchedPackFiles(const std::map<std::string, std::string> &files) : files_(files) {}
  Result<std::string> read(const std::string &path) override {
    auto it = files_.find(path);
    if (it == files_.end()) return Error{path, "", "a readable file", "missing"};
    return it->second;
  }

private:
  const std::map<std::string, std::string> &files_;
};

int clamp_shown(int shown, const Transcript *t) {
  const int n = t ? static_cast<int>(t->turns.size()) : 0;
  return std::clamp(shown, 0, n);
}

} // namespace

App::App(Platform &platform) : platform_(platform) {}

App::~App() {
  for (auto &[path, slot] : state_.images) {
    if (slot.texture) platform_.destroy_texture(slot.texture);
  }
}

void App::setup_imgui(float font_scale) {
  ImGuiIO &io = ImGui::GetIO();
  io.IniFilename = nullptr; // layout is computed, not saved
  ImFontConfig config;
  config.FontDataOwnedByAtlas = false; // static data, never freed by ImGui
  config.OversampleH = 2;
  io.Fonts->AddFontFromMemoryTTF(const_cast<unsigned char *>(kFontRegular),
                                 static_cast<int>(kFontRegularSize), 16.0f * font_scale, &config);
  ImGuiStyle &style = ImGui::GetStyle();
  ImGui::StyleColorsDark(&style);
  style.WindowRounding = 0.0f;
  style.FrameRounding = 4.0f;
  style.WindowBorderSize = 1.0f;
  style.ScaleAllSizes(font_scale);
}

void App::start(const StartOptions &options) {
  start_options_ = options;
  state_.phase = LoadPhase::manifest;
  state_.status = "Loading manifest.json from " + platform_.pack_location();
  const RequestId id = next_request_++;
  pending_files_[id] = "manifest.json";
  platform_.read_pack_file(id, "manifest.json");
}

void App::process_events() {
  for (auto &event : platform_.poll_events()) {
    std::visit(
        [this](auto &e) {
          using T = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<T, FileLoaded>) on_file(e);
          else if constexpr (std::is_same_v<T, ImageDecoded>) on_image(e);
          else on_api(e);
        },
        event);
  }
}

void App::on_file(const FileLoaded &file) {
  auto it = pending_files_.find(file.id);
  if (it == pending_files_.end()) return;
  pending_files_.erase(it);
  if (!file.error.empty()) {
    fetch_errors_.push_back(file.path + ": " + file.error);
  } else {
    fetched_[file.path] = file.bytes;
  }

  if (state_.phase == LoadPhase::manifest) {
    if (!file.error.empty()) {
      state_.phase = LoadPhase::failed;
      state_.errors = fetch_errors_;
      state_.status = "Could not read the case pack's manifest.json: check the pack location";
      return;
    }
    auto manifest = parse_manifest(file.bytes, "manifest.json");
    if (!manifest) {
      state_.phase = LoadPhase::failed;
      for (const auto &e : manifest.errors()) state_.errors.push_back(e.message());
      state_.status = "The case pack's manifest.json is invalid (see the errors)";
      return;
    }
    state_.phase = LoadPhase::documents;
    std::vector<std::string> wanted = manifest->cases;
    wanted.insert(wanted.end(), manifest->transcripts.begin(), manifest->transcripts.end());
    for (const auto &path : wanted) {
      const RequestId id = next_request_++;
      pending_files_[id] = path;
      platform_.read_pack_file(id, path);
    }
    state_.status = "Loading " + std::to_string(wanted.size()) + " documents";
  }
  if (state_.phase == LoadPhase::documents && pending_files_.empty()) finish_loading();
}

void App::finish_loading() {
  FetchedPackFiles files(fetched_);
  auto pack = load_case_pack(files);
  if (!pack) {
    state_.phase = LoadPhase::failed;
    for (const auto &e : pack.errors()) state_.errors.push_back(e.message());
    state_.status = "The case pack has errors; run `imc pack validate` on it for details";
    return;
  }
  state_.pack = std::move(pack.value());
  for (const auto &path : state_.pack->manifest.transcripts) {
    auto it = fetched_.find(path);
    if (it == fetched_.end()) continue; // reported in fetch_errors_
    auto t = parse_transcript(it->second, path);
    if (t) {
      state_.transcripts.push_back(std::move(t.value()));
    } else {
      for (const auto &e : t.errors()) state_.errors.push_back(e.message());
    }
  }
  for (const auto &e : fetch_errors_) state_.errors.push_back(e);
  fetched_.clear();
  state_.phase = LoadPhase::ready;
  state_.status = "Loaded " + state_.pack->manifest.title + " (" +
                  std::to_string(state_.pack->cases.size()) + " cases, " +
                  std::to_string(state_.transcripts.size()) + " transcripts)";

  std::string case_id = start_options_.case_id;
  if (!start_options_.transcript_id.empty()) {
    for (const auto &t : state_.transcripts) {
      if (t.id == start_options_.transcript_id && case_id.empty()) case_id = t.case_id;
    }
  }
  if (case_id.empty() && !state_.pack->cases.empty()) case_id = state_.pack->cases.front().id;
  apply(SelectCase{case_id});
  if (!start_options_.transcript_id.empty()) apply(SelectTranscript{start_options_.transcript_id});
}

void App::on_api(const ApiEvent &event) {
  auto it = api_handlers_.find(event.id);
  if (it == api_handlers_.end()) return; // a reply nobody waits for any more
  it->second(event);
  if (event.done) api_handlers_.erase(event.id);
}

RequestId App::call_api(const std::string &method, const std::string &path, const std::string &body,
                        std::function<void(const ApiEvent &)> on_event) {
  const RequestId id = next_request_++;
  api_handlers_[id] = std::move(on_event);
  platform_.api_call(id, method, path, body);
  return id;
}

void App::on_image(const ImageDecoded &image) {
  ImageSlot &slot = state_.images[image.path];
  if (!image.error.empty()) {
    slot.state = ImageSlot::State::failed;
    slot.error = image.error;
    return;
  }
  slot.texture = platform_.create_texture(image.rgba.data(), image.width, image.height);
  slot.width = image.width;
  slot.height = image.height;
  slot.state = ImageSlot::State::ready;
}

void App::request_images_of_current_case() {
  const Case *c = state_.current_case();
  if (!c) return;
  for (const auto &img : c->images) {
    if (state_.images.count(img.file)) continue;
    state_.images[img.file] = ImageSlot{};
    platform_.load_pack_image(next_request_++, img.file);
  }
}

void App::apply(const Action &action) {
  std::visit(
      [this](const auto &a) {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, SelectCase>) {
          if (!state_.pack) return;
          for (size_t i = 0; i < state_.pack->cases.size(); ++i) {
            if (state_.pack->cases[i].id != a.case_id) continue;
            state_.selected_case = static_cast<int>(i);
            state_.selected_image = 0;
            auto ts = state_.transcripts_of_current_case();
            state_.selected_transcript = ts.empty() ? -1 : ts.front();
            state_.replay = ReplayState{};
            state_.replay.shown = clamp_shown(1, state_.current_transcript());
            request_images_of_current_case();
            return;
          }
          state_.errors.push_back("No case with id '" + a.case_id + "' in this pack");
        } else if constexpr (std::is_same_v<T, SelectTranscript>) {
          for (size_t i = 0; i < state_.transcripts.size(); ++i) {
            if (state_.transcripts[i].id != a.transcript_id) continue;
            if (state_.current_case() == nullptr ||
                state_.current_case()->id != state_.transcripts[i].case_id) {
              apply(SelectCase{state_.transcripts[i].case_id});
            }
            state_.selected_transcript = static_cast<int>(i);
            state_.replay = ReplayState{};
            state_.replay.shown = clamp_shown(1, state_.current_transcript());
            return;
          }
          state_.errors.push_back("No transcript with id '" + a.transcript_id + "'");
        } else if constexpr (std::is_same_v<T, SelectImage>) {
          const Case *c = state_.current_case();
          if (c && a.index >= 0 && a.index < static_cast<int>(c->images.size())) {
            state_.selected_image = a.index;
          }
        } else if constexpr (std::is_same_v<T, ReplayStep>) {
          state_.replay.shown = clamp_shown(state_.replay.shown + a.delta, state_.current_transcript());
        } else if constexpr (std::is_same_v<T, ReplaySeek>) {
          state_.replay.shown = clamp_shown(a.shown, state_.current_transcript());
        } else if constexpr (std::is_same_v<T, ReplaySetPlaying>) {
          state_.replay.playing = a.playing && state_.current_transcript() != nullptr;
          state_.replay.next_step_at =
              platform_.now_seconds() + 1.0 / std::max(0.05f, state_.replay.turns_per_second);
        } else {
          state_.case_filter = a.text;
        }
      },
      action);
}

void App::handle_shortcuts(std::vector<Action> &out) {
  ImGuiIO &io = ImGui::GetIO();
  if (io.WantTextInput) return; // typing in a text box
  auto pressed = [](ImGuiKey key) { return ImGui::IsKeyPressed(ImGui::GetKeyIndex(key)); };
  if (pressed(ImGuiKey_RightArrow)) out.push_back(ReplayStep{+1});
  if (pressed(ImGuiKey_LeftArrow)) out.push_back(ReplayStep{-1});
  if (pressed(ImGuiKey_Home)) out.push_back(ReplaySeek{0});
  if (pressed(ImGuiKey_End)) out.push_back(ReplaySeek{1 << 30});
  if (pressed(ImGuiKey_Space)) out.push_back(ReplaySetPlaying{!state_.replay.playing});
}

void App::advance_playback() {
  if (!state_.replay.playing) return;
  const Transcript *t = state_.current_transcript();
  const double now = platform_.now_seconds();
  if (!t || state_.replay.shown >= static_cast<int>(t->turns.size())) {
    state_.replay.playing = false;
    return;
  }
  if (now >= state_.replay.next_step_at) {
    state_.replay.shown += 1;
    state_.replay.next_step_at = now + 1.0 / std::max(0.05f, state_.replay.turns_per_second);
  }
}

void App::frame() {
  process_events();
  advance_playback();

  const Layout layout = compute_layout(ImGui::GetIO().DisplaySize);
  std::vector<Action> actions;
  state_.widgets.clear();
  draw_cases_panel(state_, layout.cases, actions);
  draw_image_panel(state_, layout.image, actions);
  draw_patient_panel(state_, layout.patient, actions);
  draw_conversation_panel(state_, layout.conversation, actions);
  draw_status_bar(state_, layout.status, platform_.pack_location().c_str());
  handle_shortcuts(actions);

  for (const auto &a : actions) apply(a);
  last_actions_ = std::move(actions);
  publish_status();
}

void App::publish_status() {
  std::string json = status_json(state_);
  if (json == last_published_) return;
  last_published_ = json;
  platform_.publish_status(json);
}

} // namespace imc::ui
