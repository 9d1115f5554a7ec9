#pragma once
// Everything the interface shows, in one place. Panels read it and emit Actions; App::apply()
// is the only code that changes it, so a headless test can drive the UI by actions alone.
#include "imc/casepack.h"
#include "imc/transcript.h"

#include <imgui.h>

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace imc::ui {

enum class LoadPhase { idle, manifest, documents, ready, failed };

struct ImageSlot {
  enum class State { loading, ready, failed } state = State::loading;
  ImTextureID texture = nullptr;
  int width = 0;
  int height = 0;
  std::string error;
};

struct ReplayState {
  int shown = 0;          // number of turns visible (0..turns.size())
  bool playing = false;
  float turns_per_second = 0.5f;  // = 0.5f // Play speed.
  double next_step_at = 0; // platform time at which play shows the next turn
  int scrolled_to = -1;    // `shown` the conversation view last scrolled to
};

// Screen rectangles of widgets that tests and automation locate (x, y, w, h in pixels).
struct WidgetRect {
  float x = 0, y = 0, w = 0, h = 0;
};

struct AppState {
  LoadPhase phase = LoadPhase::idle;
  std::string status;                 // one line for the status bar
  std::vector<std::string> errors;    // load errors, each naming file and place

  std::optional<CasePack> pack;
  std::vector<Transcript> transcripts; // bundled with the pack, in manifest order

  int selected_case = -1;             // index into pack->cases
  int selected_transcript = -1;       // index into transcripts
  int selected_image = 0;             // index into the case's images
  ReplayState replay;

  std::map<std::string, ImageSlot> images; // by pack-relative path
  std::string case_filter;            // search text in the case list

  std::map<std::string, WidgetRect> widgets; // filled while drawing, read by tests

  const Case *current_case() const;
  const Transcript *current_transcript() const;
  // Transcripts of the current case, as indices into `transcripts`.
  std::vector<int> transcripts_of_current_case() const;
};

// What a user can do. Panels emit these; App::apply() performs them.
struct SelectCase {
  std::string case_id;
};
struct SelectTranscript {
  std::string transcript_id;
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
struct SetCaseFilter {
  std::string text;
};

using Action = std::variant<SelectCase, SelectTranscript, SelectImage, ReplayStep, ReplaySeek,
                            ReplaySetPlaying, SetCaseFilter>;

// A short description for logs and test failures ("ReplayStep(+1)").
std::string describe(const Action &action);

} // namespace imc::ui
