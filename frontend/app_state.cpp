#include "app_state.h"

#include <type_traits>

namespace imc::ui {

const Case *AppState::current_case() const {
  if (!pack || selected_case < 0 || selected_case >= static_cast<int>(pack->cases.size())) {
    return nullptr;
  }
  return &pack->cases[static_cast<size_t>(selected_case)];
}

const Transcript *AppState::current_transcript() const {
  if (selected_transcript < 0 || selected_transcript >= static_cast<int>(transcripts.size())) {
    return nullptr;
  }
  return &transcripts[static_cast<size_t>(selected_transcript)];
}

std::vector<int> AppState::transcripts_of_current_case() const {
  std::vector<int> out;
  const Case *c = current_case();
  if (!c) return out;
  for (size_t i = 0; i < transcripts.size(); ++i) {
    if (transcripts[i].case_id == c->id) out.push_back(static_cast<int>(i));
  }
  return out;
}

std::string describe(const Action &action) {
  return std::visit(
      [](const auto &a) -> std::string {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, SelectCase>) return "SelectCase(" + a.case_id + ")";
        else if constexpr (std::is_same_v<T, SelectTranscript>)
          return "SelectTranscript(" + a.transcript_id + ")";
        else if constexpr (std::is_same_v<T, SelectImage>)
          return "SelectImage(" + std::to_string(a.index) + ")";
        else if constexpr (std::is_same_v<T, ReplayStep>)
          return std::string("ReplayStep(") + (a.delta >= 0 ? "+" : "") + std::to_string(a.delta) +
                 ")";
        else if constexpr (std::is_same_v<T, ReplaySeek>)
          return "ReplaySeek(" + std::to_string(a.shown) + ")";
        else if constexpr (std::is_same_v<T, ReplaySetPlaying>)
          return std::string("ReplaySetPlaying(") + (a.playing ? "true" : "false") + ")";
        else return "SetCaseFilter(" + a.text + ")";
      },
      action);
}

} // namespace imc::ui
