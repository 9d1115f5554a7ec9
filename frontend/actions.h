#pragma once
// What a user can do, and what the outside world answers. Panels and keyboard shortcuts emit
// actions; API replies arrive as ApiReply actions; App::apply() performs every one of them.
#include "app_state.h"
#include "platform.h"

#include <string>
#include <variant>

namespace imc::ui {

// --- Navigation and replay ---------------------------------------------------------------------
struct SelectCase {
  std::string case_id;
};
struct SelectTranscript {
  std::string transcript_id;  // fetched through the API first when it is not loaded yet
};
struct SelectImage {
  int index = 0;
};
struct ReplayStep {
  int delta = 1;          // +1 next turn, -1 previous turn
};
struct ReplaySeek {
  int shown = 0;          // show exactly this many turns
};
struct ReplaySetPlaying {
  bool playing = false;
};
struct SetReplaySpeed {
  float turns_per_second = 0.5f;
};
struct SetCaseFilter {
  std::string text;
};
struct ToggleFacet {
  Facet facet = Facet::diagnosis;
  std::string value;
};
struct ClearFacets {};
struct SetImageView {
  ImageView view;
};
struct SetView {
  View view = View::explore;
};
struct SetTab {
  Tab tab = Tab::conversation;
};
struct SetOverlay {
  Overlay overlay = Overlay::none;
};
struct FocusJumpToTurn {};
struct CopyText {
  std::string text;
};
struct ChangeSettings {
  Settings settings;
};

// --- Live session ------------------------------------------------------------------------------
struct LoadEndpoints {};
struct SetLiveConfig {
  LiveConfig config;
};
struct StartSession {};
struct StopSession {};
struct SetHumanDraft {
  std::string text;
};
struct SendHumanTurn {
  bool end = false;       // also ends the consultation
};
struct AttachImage {
  std::string path;       // a local file (natively); the browser attaches dropped images
};
struct ClearAttachment {};

// --- Review ------------------------------------------------------------------------------------
struct LoadVerdicts {
  bool force = false;     // reload even when loaded
};
struct ScoreTranscript {};
struct LoadAnnotations {
  bool force = false;
};
struct EditAnnotation {
  AnnotationDraft draft;
};
struct SaveAnnotation {};
struct SetCompareTranscript {
  std::string transcript_id;
};
struct SyncCompareScroll {
  float anchor = 0;       // turn index (with fraction) at the top of the pane the user scrolled
  int source = 0;         // 0 left, 1 right
};
struct LoadWireLogs {
  bool force = false;
};
struct SelectWireLog {
  int index = -1;
};

// --- Dashboard ---------------------------------------------------------------------------------
struct LoadRuns {};
struct SelectRun {
  std::string run_id;
};
struct LoadReport {
  bool force = false;
};
struct SetDashboardCondition {
  std::string condition;
};
struct SetDashboardDimension {
  int dimension = 0;
};
struct OpenBar {
  BarSelection bar;
};

// --- Replies -----------------------------------------------------------------------------------
enum class ApiPurpose {
  health,
  case_transcripts,
  transcript,
  endpoints,
  session,
  session_human,
  session_stop,
  verdicts,
  jury,
  annotations,
  save_annotation,
  wire_logs,
  runs,
  report,
  bar_transcripts,
};
const char *api_purpose_key(ApiPurpose p);

// One piece of an API reply, for the request made for `purpose` and `key` (a transcript id, a
// run id...). Stale replies (for a key no longer shown) are ignored by apply.
struct ApiReply {
  ApiPurpose purpose = ApiPurpose::health;
  std::string key;
  ApiEvent event;
};

using Action =
    std::variant<SelectCase, SelectTranscript, SelectImage, ReplayStep, ReplaySeek,
                 ReplaySetPlaying, SetReplaySpeed, SetCaseFilter, ToggleFacet, ClearFacets,
                 SetImageView, SetView, SetTab, SetOverlay, FocusJumpToTurn, CopyText,
                 ChangeSettings, LoadEndpoints, SetLiveConfig, StartSession, StopSession,
                 SetHumanDraft, SendHumanTurn, AttachImage, ClearAttachment, LoadVerdicts,
                 ScoreTranscript, LoadAnnotations, EditAnnotation, SaveAnnotation,
                 SetCompareTranscript, SyncCompareScroll, LoadWireLogs, SelectWireLog, LoadRuns,
                 SelectRun, LoadReport, SetDashboardCondition, SetDashboardDimension, OpenBar,
                 ApiReply>;

// A short description for logs and test failures ("ReplayStep(+1)").
std::string describe(const Action &action);

} // namespace imc::ui
