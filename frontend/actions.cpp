#include "actions.h"

#include <type_traits>

namespace imc::ui {

const char *api_purpose_key(ApiPurpose p) {
  switch (p) {
  case ApiPurpose::health: return "health";
  case ApiPurpose::case_transcripts: return "case_transcripts";
  case ApiPurpose::transcript: return "transcript";
  case ApiPurpose::endpoints: return "endpoints";
  case ApiPurpose::session: return "session";
  case ApiPurpose::session_human: return "session_human";
  case ApiPurpose::session_stop: return "session_stop";
  case ApiPurpose::verdicts: return "verdicts";
  case ApiPurpose::jury: return "jury";
  case ApiPurpose::annotations: return "annotations";
  case ApiPurpose::save_annotation: return "save_annotation";
  case ApiPurpose::wire_logs: return "wire_logs";
  case ApiPurpose::runs: return "runs";
  case ApiPurpose::report: return "report";
  case ApiPurpose::bar_transcripts: return "bar_transcripts";
  }
  return "";
}

namespace {

template <class T> const char *action_name() {
  if constexpr (std::is_same_v<T, ClearFacets>) return "ClearFacets";
  else if constexpr (std::is_same_v<T, FocusJumpToTurn>) return "FocusJumpToTurn";
  else if constexpr (std::is_same_v<T, ChangeSettings>) return "ChangeSettings";
  else if constexpr (std::is_same_v<T, LoadEndpoints>) return "LoadEndpoints";
  else if constexpr (std::is_same_v<T, SetLiveConfig>) return "SetLiveConfig";
  else if constexpr (std::is_same_v<T, StartSession>) return "StartSession";
  else if constexpr (std::is_same_v<T, StopSession>) return "StopSession";
  else if constexpr (std::is_same_v<T, SetHumanDraft>) return "SetHumanDraft";
  else if constexpr (std::is_same_v<T, ClearAttachment>) return "ClearAttachment";
  else if constexpr (std::is_same_v<T, LoadVerdicts>) return "LoadVerdicts";
  else if constexpr (std::is_same_v<T, ScoreTranscript>) return "ScoreTranscript";
  else if constexpr (std::is_same_v<T, LoadAnnotations>) return "LoadAnnotations";
  else if constexpr (std::is_same_v<T, EditAnnotation>) return "EditAnnotation";
  else if constexpr (std::is_same_v<T, SaveAnnotation>) return "SaveAnnotation";
  else if constexpr (std::is_same_v<T, LoadWireLogs>) return "LoadWireLogs";
  else if constexpr (std::is_same_v<T, LoadRuns>) return "LoadRuns";
  else if constexpr (std::is_same_v<T, LoadReport>) return "LoadReport";
  else if constexpr (std::is_same_v<T, SetImageView>) return "SetImageView";
  else return "Action";
}

std::string signed_int(int v) { return (v >= 0 ? "+" : "") + std::to_string(v); }

} // namespace

std::string describe(const Action &action) {
  return std::visit(
      [](const auto &a) -> std::string {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, SelectCase>) return "SelectCase(" + a.case_id + ")";
        else if constexpr (std::is_same_v<T, SelectTranscript>)
          return "SelectTranscript(" + a.transcript_id + ")";
        else if constexpr (std::is_same_v<T, SelectImage>)
          return "SelectImage(" + std::to_string(a.index) + ")";
        else if constexpr (std::is_same_v<T, ReplayStep>) return "ReplayStep(" + signed_int(a.delta) + ")";
        else if constexpr (std::is_same_v<T, ReplaySeek>) return "ReplaySeek(" + std::to_string(a.shown) + ")";
        else if constexpr (std::is_same_v<T, ReplaySetPlaying>)
          return std::string("ReplaySetPlaying(") + (a.playing ? "true" : "false") + ")";
        else if constexpr (std::is_same_v<T, SetReplaySpeed>)
          return "SetReplaySpeed(" + std::to_string(a.turns_per_second) + ")";
        else if constexpr (std::is_same_v<T, SetCaseFilter>) return "SetCaseFilter(" + a.text + ")";
        else if constexpr (std::is_same_v<T, ToggleFacet>)
          return std::string("ToggleFacet(") + facet_key(a.facet) + "=" + a.value + ")";
        else if constexpr (std::is_same_v<T, SetView>) return std::string("SetView(") + view_key(a.view) + ")";
        else if constexpr (std::is_same_v<T, SetTab>) return std::string("SetTab(") + tab_key(a.tab) + ")";
        else if constexpr (std::is_same_v<T, SetOverlay>)
          return std::string("SetOverlay(") + overlay_key(a.overlay) + ")";
        else if constexpr (std::is_same_v<T, CopyText>) return "CopyText(" + a.text.substr(0, 24) + ")";
        else if constexpr (std::is_same_v<T, SendHumanTurn>)
          return std::string("SendHumanTurn(") + (a.end ? "end" : "") + ")";
        else if constexpr (std::is_same_v<T, AttachImage>) return "AttachImage(" + a.path + ")";
        else if constexpr (std::is_same_v<T, SetCompareTranscript>)
          return "SetCompareTranscript(" + a.transcript_id + ")";
        else if constexpr (std::is_same_v<T, SyncCompareScroll>)
          return "SyncCompareScroll(" + std::to_string(a.anchor) + ")";
        else if constexpr (std::is_same_v<T, SelectWireLog>)
          return "SelectWireLog(" + std::to_string(a.index) + ")";
        else if constexpr (std::is_same_v<T, SelectRun>) return "SelectRun(" + a.run_id + ")";
        else if constexpr (std::is_same_v<T, SetDashboardCondition>)
          return "SetDashboardCondition(" + a.condition + ")";
        else if constexpr (std::is_same_v<T, SetDashboardDimension>)
          return "SetDashboardDimension(" + std::to_string(a.dimension) + ")";
        else if constexpr (std::is_same_v<T, OpenBar>) return "OpenBar(" + a.bar.label + ")";
        else if constexpr (std::is_same_v<T, ApiReply>)
          return std::string("ApiReply(") + api_purpose_key(a.purpose) + ", " + a.key + ", " +
                 (a.event.event.empty() ? std::to_string(a.event.status) : a.event.event) + ")";
        else return action_name<T>();
      },
      action);
}

} // namespace imc::ui
