#pragma once
// The application: loads the case pack through the Platform, draws every panel each frame and
// applies the actions they emit. Used unchanged by imc-studio, the wasm build and headless tests.
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

  // Starts loading the pack. Selection from `options` is applied when loading completes.
  void start(const StartOptions &options = {});

  // Draws one frame: call between ImGui::NewFrame() and ImGui::Render().
  void frame();

  // Performs one action (also used by tests and by keyboard shortcuts).
  void apply(const Action &action);

  AppState &state() { return state_; }
  const AppState &state() const { return state_; }
  // Actions emitted by the panels during the last frame, in order.
  const std::vector<Action> &last_actions() const { return last_actions_; }

  // Calls the API (docs/API.md); `on_event` runs on the UI thread for each piece of the reply,
  // the last with done = true. Returns the request id (for Platform::api_cancel).
  RequestId call_api(const std::string &method, const std::string &path, const std::string &body,
                     std::function<void(const ApiEvent &)> on_event);

private:
  void process_events();
  void on_file(const FileLoaded &file);
  void on_image(const ImageDecoded &image);
  void on_api(const ApiEvent &event);
  void finish_loading();
  void request_images_of_current_case();
  void handle_shortcuts(std::vector<Action> &out);
  void advance_playback();
  void publish_status();

  Platform &platform_;
  AppState state_;
  StartOptions start_options_;
  std::vector<Action> last_actions_;
  RequestId next_request_ = 1;
  std::map<RequestId, std::string> pending_files_;   // request -> path
  std::map<std::string, std::string> fetched_;       // path -> bytes
  std::vector<std::string> fetch_errors_;
  std::string last_published_;
  std::map<RequestId, std::function<void(const ApiEvent &)>> api_handlers_;
};

} // namespace imc::ui
