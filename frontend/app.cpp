#include "app.h"

#include "embedded_assets.h"
#include "layout.h"
#include "panels/panels.h"
#include "shortcuts.h"
#include "status_json.h"

#include "imc/http.h"

#include <imgui_internal.h>

#include <algorithm>
#include <cctype>
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

bool ends_with(const std::string &s, const char *suffix) {
  const std::string x(suffix);
  return s.size() >= x.size() && std::equal(x.rbegin(), x.rend(), s.rbegin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

} // namespace

App::App(Platform &platform) : platform_(platform) {
  state_.can_read_local_files = platform_.can_read_local_files();
}

App::~App() {
  for (auto &[path, slot] : state_.images) {
    if (slot.texture) platform_.destroy_texture(slot.texture);
  }
  if (state_.live.stream) platform_.api_cancel(state_.live.stream);
  if (state_.jury.scoring) platform_.api_cancel(state_.jury.scoring);
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
  apply_settings_to_imgui(Settings{});
  style.ScaleAllSizes(font_scale);
}

void App::start(const StartOptions &options) {
  start_options_ = options;
  // Saved settings are the starting point, not a change: nothing is written back.
  state_.settings = load_settings(platform_);
  apply_settings_to_imgui(state_.settings);
  if (platform_.uses_proxy_address()) platform_.set_api_base(state_.settings.proxy);
  if (auto v = parse_view(options.view)) state_.view = *v;
  if (auto t = parse_tab(options.tab)) state_.tab = *t;
  if (auto o = parse_overlay(options.overlay)) state_.overlay = *o;

  state_.api.availability = ApiStatus::Availability::unknown;
  request(ApiPurpose::health, "", "GET", "/api/health");

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
          else if constexpr (std::is_same_v<T, ApiEvent>) on_api(e);
          else if constexpr (std::is_same_v<T, PackOpened>) on_pack_opened(e);
          else on_file_dropped(e);
        },
        event);
  }
}

void App::on_file(const FileLoaded &file) {
  if (file.id == attachment_request_ && attachment_request_ != 0) {
    attachment_request_ = 0;
    on_attachment_read(file);
    return;
  }
  if (file.id == report_file_request_ && report_file_request_ != 0) {
    report_file_request_ = 0;
    ApiEvent e;
    e.done = true;
    if (file.error.empty()) {
      e.status = 200;
      e.data = file.bytes;
    } else {
      e.status = 404;
      e.data = R"({"error":{"kind":"not_found","message":"this pack has no report.json","hint":"Run `imc report --format json` on a store and save it as report.json next to the pack's manifest.json, or open the interface through `imc serve --store FILE`."}})";
    }
    apply(ApiReply{ApiPurpose::report, "report.json", e});
    return;
  }
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
  std::vector<Transcript> transcripts;
  for (const auto &path : pack->manifest.transcripts) {
    auto it = fetched_.find(path);
    if (it == fetched_.end()) continue; // reported in fetch_errors_
    auto t = parse_transcript(it->second, path);
    if (t) {
      transcripts.push_back(std::move(t.value()));
    } else {
      for (const auto &e : t.errors()) state_.errors.push_back(e.message());
    }
  }
  for (const auto &e : fetch_errors_) state_.errors.push_back(e);
  fetched_.clear();
  open_pack(std::move(pack.value()), std::move(transcripts));
}

void App::open_pack(CasePack pack, std::vector<Transcript> transcripts) {
  state_.pack = std::move(pack);
  state_.transcripts = std::move(transcripts);
  state_.phase = LoadPhase::ready;
  state_.status = "Loaded " + state_.pack->manifest.title + " (" +
                  std::to_string(state_.pack->cases.size()) + " cases, " +
                  std::to_string(state_.transcripts.size()) + " transcripts)";
  rebuild_case_list();

  std::string case_id = start_options_.case_id;
  if (!start_options_.transcript_id.empty() && case_id.empty()) {
    if (const Transcript *t = state_.find_transcript(start_options_.transcript_id)) case_id = t->case_id;
  }
  if (case_id.empty() && !state_.pack->cases.empty()) case_id = state_.pack->cases.front().id;
  if (!case_id.empty()) apply(SelectCase{case_id});
  if (!start_options_.transcript_id.empty()) apply(SelectTranscript{start_options_.transcript_id});
  if (!start_options_.compare_id.empty()) apply(SetCompareTranscript{start_options_.compare_id});
}

void App::reset_for_new_pack() {
  for (auto &[path, slot] : state_.images) {
    if (slot.texture) platform_.destroy_texture(slot.texture);
  }
  AppState fresh;
  fresh.settings = state_.settings;
  fresh.api = state_.api;
  fresh.view = state_.view;
  fresh.tab = state_.tab;
  state_ = std::move(fresh);
  pending_files_.clear();
  fetched_.clear();
  fetch_errors_.clear();
  start_options_ = StartOptions{};
}

void App::on_pack_opened(const PackOpened &opened) {
  reset_for_new_pack();
  state_.notice = "Opened " + opened.location;
  state_.phase = LoadPhase::manifest;
  state_.status = "Loading manifest.json from " + opened.location;
  const RequestId id = next_request_++;
  pending_files_[id] = "manifest.json";
  platform_.read_pack_file(id, "manifest.json");
}

void App::on_file_dropped(const FileDropped &dropped) {
  if (ends_with(dropped.name, ".png") || ends_with(dropped.name, ".jpg") ||
      ends_with(dropped.name, ".jpeg")) {
    FileLoaded f;
    f.path = dropped.name;
    f.bytes = dropped.bytes;
    on_attachment_read(f);
    return;
  }
  if (ends_with(dropped.name, ".jsonl") || ends_with(dropped.name, ".json")) {
    import_transcripts(dropped.name, dropped.bytes);
    return;
  }
  state_.notice = "Cannot use " + dropped.name +
                  ": drop a case pack folder, a transcripts .jsonl/.json file, or an image";
}

void App::import_transcripts(const std::string &name, const std::string &bytes) {
  // JSON Lines (one transcript per line), or one transcript document.
  std::vector<std::string> docs;
  const bool one_document = ends_with(name, ".json");
  if (one_document) {
    docs.push_back(bytes);
  } else {
    size_t start = 0;
    while (start < bytes.size()) {
      size_t end = bytes.find('\n', start);
      if (end == std::string::npos) end = bytes.size();
      docs.push_back(bytes.substr(start, end - start));
      start = end + 1;
    }
  }
  int imported = 0, problems = 0;
  std::string first_id;
  for (size_t i = 0; i < docs.size(); ++i) {
    const std::string &doc = docs[i];
    if (doc.find_first_not_of(" \t\r") == std::string::npos) continue; // blank line
    const std::string source = one_document ? name : name + ":" + std::to_string(i + 1);
    auto t = parse_transcript(doc, source);
    if (!t) {
      ++problems;
      for (const auto &e : t.errors()) state_.errors.push_back(e.message());
      continue;
    }
    if (first_id.empty()) first_id = t->id;
    add_or_replace_transcript(std::move(t.value()));
    ++imported;
  }
  state_.notice = "Imported " + std::to_string(imported) + " transcript(s) from " + name;
  if (problems) state_.notice += ", " + std::to_string(problems) + " with errors (see problems)";
  if (!first_id.empty() && state_.pack) apply(SelectTranscript{first_id});
}

void App::on_api(const ApiEvent &event) {
  auto it = api_handlers_.find(event.id);
  if (it == api_handlers_.end()) return; // a reply nobody waits for any more
  auto handler = it->second;             // the handler may issue requests (and grow the map)
  if (event.done) api_handlers_.erase(it);
  handler(event);
}

RequestId App::call_api(const std::string &method, const std::string &path, const std::string &body,
                        std::function<void(const ApiEvent &)> on_event) {
  const RequestId id = next_request_++;
  api_handlers_[id] = std::move(on_event);
  platform_.api_call(id, method, path, body);
  return id;
}

RequestId App::request(ApiPurpose purpose, const std::string &key, const std::string &method,
                       const std::string &path, const std::string &body) {
  return call_api(method, path, body,
                  [this, purpose, key](const ApiEvent &e) { apply(ApiReply{purpose, key, e}); });
}

void App::on_image(const ImageDecoded &image) {
  auto it = state_.images.find(image.path);
  if (it == state_.images.end()) return; // from a pack that was replaced meanwhile
  ImageSlot &slot = it->second;
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
  std::visit([this](const auto &a) { on(a); }, action);
}

void App::handle_shortcuts(std::vector<Action> &out) {
  ImGuiIO &io = ImGui::GetIO();
  // Typing in a text box (io.WantTextInput lags a frame behind a box that was just clicked).
  const ImGuiContext &g = *ImGui::GetCurrentContext();
  if (io.WantTextInput || (g.ActiveId != 0 && g.ActiveId == g.InputTextState.ID)) return;
  auto triggered = [&](const Shortcut &s) {
    for (const KeyBinding &k : s.keys) {
      switch (k.kind) {
      case KeyBinding::Kind::named:
        if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(k.code))) return true;
        break;
      case KeyBinding::Kind::function: {
        const int index = platform_.function_key_index(k.code);
        if (index >= 0 && ImGui::IsKeyPressed(index, false)) return true;
        break;
      }
      case KeyBinding::Kind::character:
        for (ImWchar c : io.InputQueueCharacters) {
          if (c == static_cast<ImWchar>(k.code)) return true;
        }
        break;
      }
    }
    return false;
  };
  const AppState &s = state_;
  const bool explore = s.view == View::explore;
  for (const Shortcut &sc : shortcuts()) {
    if (!triggered(sc)) continue;
    switch (sc.command) {
    case Command::next_turn: out.push_back(ReplayStep{+1}); break;
    case Command::previous_turn: out.push_back(ReplayStep{-1}); break;
    case Command::first_turn: out.push_back(ReplaySeek{0}); break;
    case Command::last_turn: out.push_back(ReplaySeek{1 << 30}); break;
    case Command::play_pause: out.push_back(ReplaySetPlaying{!s.replay.playing}); break;
    case Command::slower: out.push_back(SetReplaySpeed{s.replay.turns_per_second / 2}); break;
    case Command::faster: out.push_back(SetReplaySpeed{s.replay.turns_per_second * 2}); break;
    case Command::jump_to_turn: out.push_back(FocusJumpToTurn{}); break;
    case Command::next_case:
    case Command::previous_case: {
      const auto &visible = s.case_list.visible;
      if (visible.empty()) break;
      auto it = std::find(visible.begin(), visible.end(), s.selected_case);
      int pos = it == visible.end() ? -1 : static_cast<int>(it - visible.begin());
      pos += sc.command == Command::next_case ? 1 : -1;
      pos = std::clamp(pos, 0, static_cast<int>(visible.size()) - 1);
      out.push_back(SelectCase{s.pack->cases[static_cast<size_t>(visible[static_cast<size_t>(pos)])].id});
      break;
    }
    case Command::tab_conversation: out.push_back(SetTab{Tab::conversation}); break;
    case Command::tab_compare: out.push_back(SetTab{Tab::compare}); break;
    case Command::tab_jury: out.push_back(SetTab{Tab::jury}); break;
    case Command::tab_annotate: out.push_back(SetTab{Tab::annotate}); break;
    case Command::tab_wire_log: out.push_back(SetTab{Tab::wire_log}); break;
    case Command::tab_live: out.push_back(SetTab{Tab::live}); break;
    case Command::toggle_dashboard:
      out.push_back(SetView{explore ? View::dashboard : View::explore});
      break;
    case Command::image_fit: out.push_back(SetImageView{ImageView{}}); break;
    case Command::image_actual_size:
    case Command::image_zoom_in:
    case Command::image_zoom_out: {
      const Case *c = s.current_case();
      if (!c || c->images.empty()) break;
      auto slot = s.images.find(c->images[static_cast<size_t>(s.selected_image)].file);
      if (slot == s.images.end() || slot->second.state != ImageSlot::State::ready) break;
      const ImVec2 img(float(slot->second.width), float(slot->second.height));
      const ImVec2 box = s.cache.image_box;
      if (sc.command == Command::image_actual_size) {
        out.push_back(SetImageView{actual_size(s.image_view, img, box)});
      } else {
        const float factor = sc.command == Command::image_zoom_in ? 1.25f : 0.8f;
        out.push_back(SetImageView{
            zoom_at(s.image_view, img, ImVec2(0, 0), box, factor, ImVec2(box.x / 2, box.y / 2))});
      }
      break;
    }
    case Command::settings: out.push_back(SetOverlay{Overlay::settings}); break;
    case Command::help:
      out.push_back(SetOverlay{s.overlay == Overlay::help ? Overlay::none : Overlay::help});
      break;
    case Command::close_overlay:
      if (s.overlay != Overlay::none) out.push_back(SetOverlay{Overlay::none});
      break;
    }
  }
}

void App::wanted_loads(std::vector<Action> &out) {
  const AppState &s = state_;
  if (s.phase != LoadPhase::ready) return;
  const bool api = s.api.available();
  if (s.view == View::dashboard) {
    if (s.api.availability == ApiStatus::Availability::unknown) return;
    if (api && s.dashboard.runs.state == Remote<std::vector<RunInfo>>::State::idle) {
      out.push_back(LoadRuns{});
    } else if (s.dashboard.report.state == Remote<Report>::State::idle &&
               (!api || !s.dashboard.runs.loading())) {
      out.push_back(LoadReport{});
    }
    return;
  }
  if (!api) return;
  const Transcript *t = s.current_transcript();
  switch (s.tab) {
  case Tab::jury:
  case Tab::annotate:
    if (t && !s.jury.verdicts.requested_for(t->id)) out.push_back(LoadVerdicts{});
    if (t && !s.annotation.saved.requested_for(t->id)) out.push_back(LoadAnnotations{});
    break;
  case Tab::wire_log:
    if (t && !s.wire_log.logs.requested_for(t->id)) out.push_back(LoadWireLogs{});
    break;
  case Tab::live:
    if (s.live.endpoints.state == Remote<std::vector<EndpointInfo>>::State::idle) {
      out.push_back(LoadEndpoints{});
    }
    break;
  default: break;
  }
}

void App::advance_playback() {
  if (!state_.replay.playing) return;
  const Transcript *t = state_.current_transcript();
  if (!t || state_.replay.shown >= static_cast<int>(t->turns.size())) {
    state_.replay.playing = false;
    return;
  }
  if (state_.now >= state_.replay.next_step_at) {
    set_shown(state_.replay.shown + 1, true);
    state_.replay.next_step_at =
        state_.now + 1.0 / std::max(kMinReplaySpeed, state_.replay.turns_per_second);
  }
}

void App::frame() {
  state_.now = platform_.now_seconds();
  process_events();
  advance_playback();

  const Layout layout = compute_layout(ImGui::GetIO().DisplaySize, state_.view, state_.tab);
  std::vector<Action> actions;
  state_.widgets.clear();
  draw_menu_bar(state_, layout.menu, actions);
  if (state_.view == View::explore) {
    draw_cases_panel(state_, layout.cases, actions);
    if (layout.middle_column) {
      draw_image_panel(state_, layout.image, actions);
      draw_patient_panel(state_, layout.patient, actions);
    }
    draw_workspace(state_, layout.workspace, actions);
  } else {
    draw_dashboard_panel(state_, layout.dashboard, actions);
  }
  draw_status_bar(state_, layout.status, platform_.pack_location().c_str());
  if (state_.overlay == Overlay::help) draw_help_overlay(state_, layout.overlay, actions);
  if (state_.overlay == Overlay::settings) {
    draw_settings_panel(state_, layout.overlay, platform_.uses_proxy_address(),
                        platform_.api_location(), actions);
  }
  handle_shortcuts(actions);

  for (const auto &a : actions) apply(a);
  last_actions_ = std::move(actions);
  // Data the open view needs, requested once per key (not reported as user actions).
  std::vector<Action> loads;
  wanted_loads(loads);
  for (const auto &a : loads) apply(a);

  update_location_hash();
  publish_status();
}

void App::update_location_hash() {
  if (state_.phase != LoadPhase::ready) return;
  std::string hash;
  if (const Case *c = state_.current_case()) hash = "case=" + percent_encode(c->id);
  if (const Transcript *t = state_.current_transcript()) {
    hash += (hash.empty() ? "" : "&") + std::string("transcript=") + percent_encode(t->id);
  }
  if (state_.view == View::dashboard) hash += "&view=dashboard";
  else if (state_.tab != Tab::conversation) hash += std::string("&tab=") + tab_key(state_.tab);
  if (hash == last_hash_) return;
  last_hash_ = hash;
  platform_.set_location_hash(hash);
}

void App::publish_status() {
  std::string json = status_json(state_, last_hash_);
  if (json == last_published_) return;
  last_published_ = json;
  platform_.publish_status(json);
}

} // namespace imc::ui
