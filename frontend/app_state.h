#pragma once
// Everything the interface shows, in one place. Panels read it and emit Actions (actions.h);
// App::apply() is the only code that changes it, so a headless test can drive the UI by actions
// alone. The one exception is ViewCache: drawing caches and one-shot focus requests that the
// panels keep for themselves (derived, never a source of truth).
#include "api_models.h"
#include "case_filter.h"
#include "image_view.h"
#include "platform.h"
#include "report_model.h"
#include "settings.h"

#include "imc/casepack.h"
#include "imc/transcript.h"

#include <imgui.h>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imc::ui {

enum class LoadPhase { idle, manifest, documents, ready, failed };

// The main views: the explorer (cases, image, patient and the tabs) or the dashboard.
enum class View { explore, dashboard };
// The tabs of the explorer's right column.
enum class Tab { conversation, compare, jury, annotate, wire_log, live };
inline constexpr int kTabCount = 6;
enum class Overlay { none, help, settings };

const char *view_key(View v);   // "explore", "dashboard"
const char *tab_key(Tab t);     // "conversation", "compare", "jury", "annotate", "wire-log", "live"
const char *tab_title(Tab t);   // "Conversation", ..., "Wire log", "Live"
const char *overlay_key(Overlay o); // "none", "help", "settings"
std::optional<View> parse_view(std::string_view s);
std::optional<Tab> parse_tab(std::string_view s);
std::optional<Overlay> parse_overlay(std::string_view s);

struct ImageSlot {
  enum class State { loading, ready, failed } state = State::loading;
  ImTextureID texture = nullptr;
  int width = 0;
  int height = 0;
  std::string error;
};

struct ReplayState {
  int shown = 0;                  // number of turns visible (0..turns.size())
  bool playing = false;
  float turns_per_second = 0.5f;  // = 0.5f // Play speed.
  double next_step_at = 0;        // platform time at which play shows the next turn
  int reveal_turn = -1;           // the turn whose text is streaming in (-1 none)
  double reveal_started_at = 0;   // when it started
};
inline constexpr float kMinReplaySpeed = 0.125f;
inline constexpr float kMaxReplaySpeed = 8.0f;
inline constexpr float kRevealCharsPerSecond = 600.0f; // replayed text streams in this fast

// Screen rectangles of widgets that tests and automation locate (x, y, w, h in pixels).
struct WidgetRect {
  float x = 0, y = 0, w = 0, h = 0;
};

// Data fetched through the API for one key (a transcript id, a run id, a case id).
template <class T> struct Remote {
  enum class State { idle, loading, ready, failed };
  State state = State::idle;
  std::string key;
  T value{};
  ApiError error;
  bool ready_for(const std::string &k) const { return state == State::ready && key == k; }
  bool requested_for(const std::string &k) const { return state != State::idle && key == k; }
  bool loading() const { return state == State::loading; }
};

// Whether the API (docs/API.md) answers: in static hosting it does not (replay only).
struct ApiStatus {
  enum class Availability { unknown, available, unavailable };
  Availability availability = Availability::unknown;
  std::string reason;   // why it is unavailable, with what to do
  bool available() const { return availability == Availability::available; }
};

// --- Live session --------------------------------------------------------------------------
struct LiveConfig {
  std::string clinician;          // endpoint name
  bool human_patient = false;     // "I am the patient"
  std::string patient_endpoint;   // simulated patient's endpoint
  std::string patient_name;       // the human patient's name (optional)
  std::string condition = "full";
  int max_turns = 6;
  std::string image_path;         // natively: a local image to attach to the next human turn
  bool operator==(const LiveConfig &o) const {
    return clinician == o.clinician && human_patient == o.human_patient &&
           patient_endpoint == o.patient_endpoint && patient_name == o.patient_name &&
           condition == o.condition && max_turns == o.max_turns && image_path == o.image_path;
  }
};

enum class LivePhase { idle, starting, running, awaiting_human, finished, failed };
const char *live_phase_key(LivePhase p);

struct LiveAttachment {
  std::string name;       // file name shown to the user
  std::string mime_type;  // "image/png", "image/jpeg"
  std::string bytes;
};

struct LiveState {
  Remote<std::vector<EndpointInfo>> endpoints;
  LiveConfig config;
  LivePhase phase = LivePhase::idle;
  RequestId stream = 0;           // the open POST /api/sessions stream (0 none)
  std::string case_id;            // the session's case
  std::string session_id;
  std::string transcript_id;
  std::vector<Turn> turns;        // completed turns, as stored
  std::string inflight_role;      // role of the turn streaming in ("" none)
  std::string inflight_text;      // its text so far
  std::string await_prompt;       // the server's prompt for the human patient
  std::string human_draft;        // what the human patient is typing
  std::optional<LiveAttachment> attachment;
  std::string attach_error;
  std::string outcome;            // "finished: end_consultation", "stopped by you", ...
  ApiError error;                 // last error, with its hint
  bool active() const {
    return phase == LivePhase::starting || phase == LivePhase::running ||
           phase == LivePhase::awaiting_human;
  }
};

// --- Review: jury, expert annotation, wire log, compare ------------------------------------
struct JuryState {
  Remote<VerdictSet> verdicts;    // of the open transcript (key = transcript id)
  RequestId scoring = 0;          // the open POST /api/jury stream (0 none)
  std::string scoring_transcript;
  int done = 0;
  int total = 0;
  ApiError score_error;
};

struct AnnotationDraft {
  std::array<int, 3> scores{};    // by Dimension; 0 = not scored yet
  std::string note;
  bool operator==(const AnnotationDraft &o) const { return scores == o.scores && note == o.note; }
};

struct AnnotationState {
  std::string transcript_id;      // the draft belongs to this transcript
  AnnotationDraft draft;
  Remote<std::vector<ExpertAnnotation>> saved;  // stored annotations of the transcript
  bool saving = false;
  ApiError save_error;
  std::string saved_message;      // "Saved at ..." after a successful save
};

struct CompareState {
  std::string right_id;           // the transcript on the right ("" = pick the first other one)
  float anchor = 0;               // turn index (with fraction) at the top of both panes
  int source = -1;                // the pane the user scrolled last (0 left, 1 right)
};

struct WireLogState {
  Remote<std::vector<WireLogEntry>> logs;  // of the open transcript
  int selected = -1;
};

// --- Dashboard --------------------------------------------------------------------------------
// A bar of the dashboard's charts, and so the transcripts behind it.
struct BarSelection {
  enum class Kind { model, stratum, ablation } kind = Kind::model;
  std::string clinician;
  std::string condition;          // model, ablation: the condition of the bar
  std::string versus;             // ablation: the baseline condition
  std::string stratum;            // stratum: "malignancy", "rarity", "modality"
  std::string contrast;           // stratum: "malignant - benign"
  int dimension = -1;             // 0..2, or 3 for the overall score
  std::string label;              // for the list's title
};

struct DashboardState {
  Remote<std::vector<RunInfo>> runs;
  std::string run_id;             // the run whose report is shown
  Remote<Report> report;          // key = run id, or "report.json" when read from the pack
  std::string report_source;      // "API" or "the pack's report.json"
  std::string condition = "full"; // the model chart's condition
  int dimension = 0;              // the delta charts' dimension
  std::optional<BarSelection> bar;
  Remote<std::vector<TranscriptSummary>> bar_transcripts;
};

// --- Panel scratch ----------------------------------------------------------------------------
// Heights of chat bubbles laid out at one width, so long transcripts draw only what is visible.
struct BubbleLayout {
  std::string owner;              // transcript id the offsets belong to
  float width = 0;
  float font_size = 0;
  std::vector<float> offsets;     // offsets[i] = top of turn i; offsets.back() = total height
  int followed_count = -1;        // turns shown when the pane last scrolled to the newest
  size_t followed_chars = 0;      // streamed characters then
};

struct ViewCache {
  std::map<std::string, BubbleLayout> bubbles;  // by pane name
  bool focus_jump_input = false;  // the jump-to-turn box should take keyboard focus
  ImVec2 image_box{1, 1};         // the image panel's drawing box (for keyboard zoom)
  float compare_applied_anchor = -1;
  std::array<float, 2> compare_last_scroll{{-1, -1}};
  std::string facts_key;          // transcript id + shown, for `facts_unlocked_at`
  std::vector<int> facts_unlocked_at; // per hidden fact: the clinician turn that unlocked it, -1
  int case_list_scrolled_to = -2; // the selected case the list last scrolled to
  std::string proxy_draft;        // the settings' proxy address while it is edited
  bool proxy_draft_set = false;
};

struct AppState {
  LoadPhase phase = LoadPhase::idle;
  std::string status;                 // one line for the status bar
  std::vector<std::string> errors;    // load errors, each naming file and place
  std::string notice;                 // the last thing that happened ("Imported 3 transcripts")

  std::optional<CasePack> pack;
  std::vector<Transcript> transcripts; // bundled with the pack, imported, or fetched from the API
  double now = 0;                     // platform time of the current frame, in seconds

  View view = View::explore;
  Tab tab = Tab::conversation;
  Overlay overlay = Overlay::none;
  Settings settings;
  ApiStatus api;
  bool can_read_local_files = true;   // the platform reads files by path (not the browser)

  int selected_case = -1;             // index into pack->cases
  int selected_transcript = -1;       // index into transcripts
  int selected_image = 0;             // index into the case's images
  ImageView image_view;               // of the selected image
  ReplayState replay;

  std::map<std::string, ImageSlot> images; // by pack-relative path
  CaseFilter case_filter;
  CaseListView case_list;             // derived from pack and case_filter (rebuilt by apply)

  Remote<std::vector<TranscriptSummary>> case_transcripts; // the API's transcripts of the case
  std::string opening_transcript;     // a transcript being fetched, to select when it arrives
  ApiError open_error;

  LiveState live;
  JuryState jury;
  AnnotationState annotation;
  CompareState compare;
  WireLogState wire_log;
  DashboardState dashboard;

  std::map<std::string, WidgetRect> widgets; // filled while drawing, read by tests
  ViewCache cache;

  const Case *current_case() const;
  const Transcript *current_transcript() const;
  const Transcript *find_transcript(const std::string &id) const;
  // Transcripts of the current case, as indices into `transcripts`.
  std::vector<int> transcripts_of_current_case() const;
  // The transcript shown on the right of the compare view (nullptr when the case has only one).
  const Transcript *compare_transcript() const;
  // The condition the clinician works under in what is shown: the live session's while the Live
  // tab is open, else the open transcript's (full when there is none).
  Condition shown_condition() const;
  // Whether the expert (settings.annotator) has a saved annotation of the open transcript.
  bool expert_has_scored() const;
  // Whether blind mode hides the jury's scores of the open transcript now.
  bool jury_hidden() const;
};

} // namespace imc::ui
