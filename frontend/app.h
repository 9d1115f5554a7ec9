#pragma once
// The application: loads the case pack through the Platform, draws every panel each frame and
// applies the actions they emit. Used unchanged by imc-studio, the wasm build and headless tests.
#include "actions.h"
#include "app_state.h"
#include "platform.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace imc::ui {

struct StartOptions {
  std::string case_id;        // select this case when the pack is loaded ("" = first case)
  std::string transcript_id;  // open this transcript ("" = first transcript of the case)
  std::string view;           // "explore" or "dashboard" ("" = explore)
  std::string tab;            // a tab key (tab_key()), "" = conversation
  std::string overlay;        // "help" or "settings" ("" = none)
  std::string compare_id;     // the transcript on the right of Compare ("" = the first other one)
};

class App {
public:
  explicit App(Platform &platform);
  ~App();
  App(const App &) = delete;
  App &operator=(const App &) = delete;

  // Sets up fonts and style for the current ImGui context; call once after ImGui::CreateContext
  // and before the first frame.
  static void setup_imgui(float font_scale = 1.0f);

  // Reads the saved settings, asks whether the API answers, and starts loading the pack.
  // Selection from `options` is applied when loading completes.
  void start(const StartOptions &options = {});

  // Opens an already-parsed pack and its transcripts (the end of loading; benchmarks use it
  // to open generated packs).
  void open_pack(CasePack pack, std::vector<Transcript> transcripts);

  // Draws one frame: call between ImGui::NewFrame() and ImGui::Render().
  void frame();

  // Performs one action (also used by tests and by keyboard shortcuts).
  void apply(const Action &action);

  AppState &state() { return state_; }
  const AppState &state() const { return state_; }
  // Actions emitted by the panels and shortcuts during the last frame, in order.
  const std::vector<Action> &last_actions() const { return last_actions_; }

  // Calls the API (docs/API.md); `on_event` runs on the UI thread for each piece of the reply,
  // the last with done = true. Returns the request id (for Platform::api_cancel).
  RequestId call_api(const std::string &method, const std::string &path, const std::string &body,
                     std::function<void(const ApiEvent &)> on_event);

private:
  // Loading (app.cpp).
  void process_events();
  void on_file(const FileLoaded &file);
  void on_image(const ImageDecoded &image);
  void on_api(const ApiEvent &event);
  void on_pack_opened(const PackOpened &opened);
  void on_file_dropped(const FileDropped &dropped);
  void import_transcripts(const std::string &name, const std::string &bytes);
  void finish_loading();
  void reset_for_new_pack();
  void request_images_of_current_case();
  void handle_shortcuts(std::vector<Action> &out);
  void wanted_loads(std::vector<Action> &out);
  void advance_playback();
  void publish_status();
  void update_location_hash();
  RequestId request(ApiPurpose purpose, const std::string &key, const std::string &method,
                    const std::string &path, const std::string &body = "");

  // Navigation, replay, filters, view and settings (app_apply.cpp).
  void on(const SelectCase &a);
  void on(const SelectTranscript &a);
  void on(const SelectImage &a);
  void on(const ReplayStep &a);
  void on(const ReplaySeek &a);
  void on(const ReplaySetPlaying &a);
  void on(const SetReplaySpeed &a);
  void on(const SetCaseFilter &a);
  void on(const ToggleFacet &a);
  void on(const ClearFacets &a);
  void on(const SetImageView &a);
  void on(const SetView &a);
  void on(const SetTab &a);
  void on(const SetOverlay &a);
  void on(const FocusJumpToTurn &a);
  void on(const CopyText &a);
  void on(const ChangeSettings &a);
  void on(const SetCompareTranscript &a);
  void on(const SyncCompareScroll &a);
  void on(const SelectWireLog &a);
  void on(const SetDashboardCondition &a);
  void on(const SetDashboardDimension &a);
  void rebuild_case_list();
  void set_shown(int shown, bool reveal);

  // Requests and their replies (app_remote.cpp).
  void on(const LoadEndpoints &a);
  void on(const SetLiveConfig &a);
  void on(const StartSession &a);
  void on(const StopSession &a);
  void on(const SetHumanDraft &a);
  void on(const SendHumanTurn &a);
  void on(const AttachImage &a);
  void on(const ClearAttachment &a);
  void on(const LoadVerdicts &a);
  void on(const ScoreTranscript &a);
  void on(const LoadAnnotations &a);
  void on(const EditAnnotation &a);
  void on(const SaveAnnotation &a);
  void on(const LoadWireLogs &a);
  void on(const LoadRuns &a);
  void on(const SelectRun &a);
  void on(const LoadReport &a);
  void on(const OpenBar &a);
  void on(const ApiReply &a);
  void on_session_event(const ApiReply &a);
  void on_jury_event(const ApiReply &a);
  void on_attachment_read(const FileLoaded &file);
  void add_or_replace_transcript(Transcript t);
  void load_case_transcripts();

  Platform &platform_;
  AppState state_;
  StartOptions start_options_;
  std::vector<Action> last_actions_;
  RequestId next_request_ = 1;
  std::map<RequestId, std::string> pending_files_;   // request -> path
  std::map<std::string, std::string> fetched_;       // path -> bytes
  std::vector<std::string> fetch_errors_;
  RequestId report_file_request_ = 0;                // the pack's optional report.json
  RequestId attachment_request_ = 0;                 // a local image being read to attach
  std::string last_published_;
  std::string last_hash_;
  std::map<RequestId, std::function<void(const ApiEvent &)>> api_handlers_;
};

} // namespace imc::ui
