// App::apply for everything that goes through the API (docs/API.md): the health check, the
// store's transcripts, live sessions, the jury, expert annotations, wire logs and the dashboard's
// report; and the replies, which arrive as ApiReply actions.
#include "app.h"

#include "imc/base64.h"
#include "imc/http.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace imc::ui {
namespace {

using nlohmann::json;

constexpr size_t kMaxAttachmentBytes = 10u << 20; // larger images are refused before sending

template <class T> void start_loading(Remote<T> &r, const std::string &key) {
  r.state = Remote<T>::State::loading;
  r.key = key;
  r.value = T{};
  r.error = ApiError{};
}

template <class T> void fail(Remote<T> &r, ApiError error) {
  r.state = Remote<T>::State::failed;
  r.error = std::move(error);
}

template <class T> void succeed(Remote<T> &r, T value) {
  r.state = Remote<T>::State::ready;
  r.value = std::move(value);
  r.error = ApiError{};
}

// The reply's error, or the errors of parsing its body.
template <class T> ApiError parse_error(const Result<T> &parsed) {
  ApiError e;
  e.kind = "protocol";
  e.message = "the reply does not have the documented shape: " + format_errors(parsed.errors());
  e.hint = "Check that the proxy and this page come from the same version of IMC Sandbox.";
  return e;
}

// Applies a plain reply to a Remote: error, or the parsed value.
template <class T, class Parse>
void settle(Remote<T> &r, const ApiReply &a, const char *what, Parse &&parse) {
  if (!a.event.done || r.key != a.key) return; // stale, or not over yet
  ApiError error = api_error_of(a.event);
  if (!error.empty()) {
    fail(r, std::move(error));
    return;
  }
  auto parsed = parse(a.event.data, what);
  if (!parsed) {
    fail(r, parse_error(parsed));
    return;
  }
  succeed(r, std::move(parsed.value()));
}

std::string mime_type_of(const std::string &bytes) {
  if (bytes.size() >= 8 && bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0) return "image/png";
  if (bytes.size() >= 3 && static_cast<unsigned char>(bytes[0]) == 0xFF &&
      static_cast<unsigned char>(bytes[1]) == 0xD8 && static_cast<unsigned char>(bytes[2]) == 0xFF) {
    return "image/jpeg";
  }
  return "";
}

// The stratum levels a contrast names ("malignant - benign" -> {malignant, benign}).
std::vector<std::string> contrast_levels(const std::string &contrast) {
  std::vector<std::string> out;
  const auto dash = contrast.find(" - ");
  if (dash == std::string::npos) return {contrast};
  out.push_back(contrast.substr(0, dash));
  out.push_back(contrast.substr(dash + 3));
  return out;
}

bool case_in_stratum(const Case &c, const std::string &stratum, const std::vector<std::string> &levels) {
  std::vector<std::string> values;
  if (stratum == "malignancy") values = facet_values(c, Facet::malignancy);
  else if (stratum == "rarity") values = facet_values(c, Facet::rarity);
  else if (stratum == "modality" && !c.images.empty()) values = {to_string(c.images.front().modality)};
  for (const auto &v : values) {
    if (std::find(levels.begin(), levels.end(), v) != levels.end()) return true;
  }
  return false;
}

// Whether a transcript is one of those a dashboard bar summarises.
bool bar_includes(const BarSelection &bar, const TranscriptSummary &t, const CasePack *pack) {
  if (t.clinician_endpoint != bar.clinician) return false;
  switch (bar.kind) {
  case BarSelection::Kind::model: return t.condition == bar.condition;
  case BarSelection::Kind::ablation: return t.condition == bar.condition || t.condition == bar.versus;
  case BarSelection::Kind::stratum: {
    if (t.condition != "full") return false;
    const Case *c = pack ? pack->find_case(t.case_id) : nullptr;
    return c == nullptr || case_in_stratum(*c, bar.stratum, contrast_levels(bar.contrast));
  }
  }
  return false;
}

TranscriptSummary summary_of(const Transcript &t) {
  TranscriptSummary s;
  s.id = t.id;
  s.run_id = t.run_id;
  s.case_id = t.case_id;
  s.clinician_endpoint = t.clinician.endpoint;
  s.clinician_model = t.clinician.model;
  s.condition = t.condition.name();
  s.status = to_string(t.status.state);
  s.title = t.title;
  s.turns = static_cast<int>(t.turns.size());
  s.created_at = t.created_at;
  return s;
}

std::string string_field(const std::string &data, const char *key) {
  json j = json::parse(data, nullptr, false);
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return "";
  return j[key].get<std::string>();
}

} // namespace

void App::add_or_replace_transcript(Transcript t) {
  for (auto &existing : state_.transcripts) {
    if (existing.id == t.id) {
      existing = std::move(t);
      return;
    }
  }
  state_.transcripts.push_back(std::move(t));
}

void App::load_case_transcripts() {
  const Case *c = state_.current_case();
  if (!c) return;
  start_loading(state_.case_transcripts, c->id);
  request(ApiPurpose::case_transcripts, c->id, "GET", "/api/transcripts?case=" + percent_encode(c->id));
}

// --- Live session -------------------------------------------------------------------------------

void App::on(const LoadEndpoints &) {
  start_loading(state_.live.endpoints, "endpoints");
  request(ApiPurpose::endpoints, "endpoints", "GET", "/api/endpoints");
}

void App::on(const SetLiveConfig &a) { state_.live.config = a.config; }

void App::on(const StartSession &) {
  LiveState &live = state_.live;
  const Case *c = state_.current_case();
  live.error = ApiError{};
  if (live.active()) return;
  if (!state_.api.available()) {
    live.error = {"unavailable", "live sessions need the IMC API", state_.api.reason};
    return;
  }
  if (!c) {
    live.error = {"bad_request", "no case is selected", "Pick a case in the list on the left."};
    return;
  }
  if (live.config.clinician.empty() || (!live.config.human_patient && live.config.patient_endpoint.empty())) {
    live.error = {"bad_request", "choose the clinician's endpoint (and the simulated patient's)",
                  "Endpoints come from the server's endpoint config (imc serve --config FILE)."};
    return;
  }
  json body;
  body["case_id"] = c->id;
  body["condition"] = live.config.condition;
  body["clinician"] = live.config.clinician;
  if (live.config.human_patient) {
    body["patient"] = {{"kind", "human"}, {"name", live.config.patient_name}};
  } else {
    body["patient"] = {{"kind", "simulated"}, {"endpoint", live.config.patient_endpoint}};
  }
  body["max_turns"] = live.config.max_turns;
  live.phase = LivePhase::starting;
  live.case_id = c->id;
  live.session_id.clear();
  live.transcript_id.clear();
  live.turns.clear();
  live.inflight_role.clear();
  live.inflight_text.clear();
  live.await_prompt.clear();
  live.outcome.clear();
  live.stream = request(ApiPurpose::session, c->id, "POST", "/api/sessions", body.dump());
}

void App::on(const StopSession &) {
  LiveState &live = state_.live;
  if (!live.active()) return;
  if (live.stream) platform_.api_cancel(live.stream);
  live.stream = 0;
  if (!live.session_id.empty()) {
    request(ApiPurpose::session_stop, live.session_id, "POST",
            "/api/sessions/" + percent_encode(live.session_id) + "/stop", "{}");
  }
  live.phase = LivePhase::finished;
  live.outcome = "stopped by you; the transcript is stored as incomplete";
  live.inflight_role.clear();
  live.inflight_text.clear();
  if (!live.transcript_id.empty()) {
    request(ApiPurpose::transcript, live.transcript_id, "GET",
            "/api/transcripts/" + percent_encode(live.transcript_id));
  }
}

void App::on(const SetHumanDraft &a) { state_.live.human_draft = a.text; }

void App::on(const SendHumanTurn &a) {
  LiveState &live = state_.live;
  if (live.phase != LivePhase::awaiting_human || live.session_id.empty()) return;
  if (live.human_draft.find_first_not_of(" \t\r\n") == std::string::npos && !live.attachment) {
    live.error = {"bad_request", "the message is empty", "Type what you, the patient, say."};
    return;
  }
  json body;
  body["text"] = live.human_draft;
  body["end"] = a.end;
  if (live.attachment) {
    body["images"] = json::array({{{"mime_type", live.attachment->mime_type},
                                   {"source_name", live.attachment->name},
                                   {"data", base64_encode(live.attachment->bytes)}}});
  }
  live.error = ApiError{};
  live.phase = LivePhase::running;
  request(ApiPurpose::session_human, live.session_id, "POST",
          "/api/sessions/" + percent_encode(live.session_id) + "/human", body.dump());
}

void App::on(const AttachImage &a) {
  state_.live.attach_error.clear();
  if (a.path.empty()) {
    state_.live.attach_error = "type the path of a PNG or JPEG image first";
    return;
  }
  attachment_request_ = next_request_++;
  platform_.read_local_file(attachment_request_, a.path);
}

void App::on(const ClearAttachment &) { state_.live.attachment.reset(); }

void App::on_attachment_read(const FileLoaded &file) {
  LiveState &live = state_.live;
  live.attach_error.clear();
  if (!file.error.empty()) {
    live.attach_error = file.error;
    return;
  }
  const std::string mime = mime_type_of(file.bytes);
  if (mime.empty()) {
    live.attach_error = file.path + " is not a PNG or JPEG image";
    return;
  }
  if (file.bytes.size() > kMaxAttachmentBytes) {
    live.attach_error = file.path + " is larger than 10 MB; resize it first";
    return;
  }
  const auto slash = file.path.find_last_of("/\\");
  live.attachment = LiveAttachment{slash == std::string::npos ? file.path : file.path.substr(slash + 1),
                                   mime, file.bytes};
  state_.notice = "Attached " + live.attachment->name + " to your next message";
}

void App::on_session_event(const ApiReply &a) {
  LiveState &live = state_.live;
  if (a.event.id != live.stream || live.stream == 0) return; // an old or stopped session
  const ApiEvent &e = a.event;
  const ApiError error = api_error_of(e);
  if (!error.empty()) {
    live.error = error;
    live.phase = LivePhase::failed;
    live.inflight_role.clear();
    if (e.done) live.stream = 0;
    return;
  }
  json data = json::parse(e.data, nullptr, false);
  if (e.event == "session") {
    live.session_id = string_field(e.data, "session_id");
    live.transcript_id = string_field(e.data, "transcript_id");
    live.phase = LivePhase::running;
  } else if (e.event == "delta") {
    const std::string role = string_field(e.data, "role");
    if (role != live.inflight_role) live.inflight_text.clear();
    live.inflight_role = role.empty() ? "clinician" : role;
    live.inflight_text += string_field(e.data, "text");
  } else if (e.event == "turn") {
    if (data.is_object() && data.contains("turn")) {
      auto turn = parse_turn(data["turn"].dump(), "turn event");
      if (turn) {
        live.turns.push_back(std::move(turn.value()));
      } else {
        live.error = parse_error(turn);
      }
    }
    live.inflight_role.clear();
    live.inflight_text.clear();
    if (live.phase == LivePhase::awaiting_human || live.phase == LivePhase::starting) {
      live.phase = LivePhase::running;
    }
  } else if (e.event == "await_human") {
    live.phase = LivePhase::awaiting_human;
    live.await_prompt = string_field(e.data, "prompt");
  } else if (e.event == "finished") {
    live.phase = LivePhase::finished;
    std::string state = "finished", reason;
    if (data.is_object() && data.contains("status") && data["status"].is_object()) {
      const json &st = data["status"];
      if (st.contains("state") && st["state"].is_string()) state = st["state"].get<std::string>();
      if (st.contains("reason") && st["reason"].is_string()) reason = st["reason"].get<std::string>();
    }
    live.outcome = state + (reason.empty() ? "" : ": " + reason);
    live.inflight_role.clear();
    if (!live.transcript_id.empty()) {
      request(ApiPurpose::transcript, live.transcript_id, "GET",
              "/api/transcripts/" + percent_encode(live.transcript_id));
    }
  }
  if (e.done) {
    live.stream = 0;
    if (live.active()) {
      live.phase = LivePhase::failed;
      live.error = {"protocol", "the session's stream ended before the session finished",
                    "The proxy may have stopped or lost the upstream connection; check `imc serve`'s "
                    "log and start the session again."};
    }
  }
}

// --- Jury ----------------------------------------------------------------------------------------

void App::on(const LoadVerdicts &a) {
  const Transcript *t = state_.current_transcript();
  if (!t || (!a.force && state_.jury.verdicts.requested_for(t->id))) return;
  start_loading(state_.jury.verdicts, t->id);
  request(ApiPurpose::verdicts, t->id, "GET", "/api/transcripts/" + percent_encode(t->id) + "/verdicts");
}

void App::on(const ScoreTranscript &) {
  JuryState &jury = state_.jury;
  const Transcript *t = state_.current_transcript();
  if (!t || jury.scoring) return;
  jury.score_error = ApiError{};
  if (!state_.api.available()) {
    jury.score_error = {"unavailable", "scoring needs the IMC API", state_.api.reason};
    return;
  }
  jury.done = 0;
  jury.total = 0;
  jury.scoring_transcript = t->id;
  json body;
  body["transcript_id"] = t->id;
  jury.scoring = request(ApiPurpose::jury, t->id, "POST", "/api/jury", body.dump());
}

void App::on_jury_event(const ApiReply &a) {
  JuryState &jury = state_.jury;
  if (a.event.id != jury.scoring || jury.scoring == 0) return;
  const ApiEvent &e = a.event;
  const ApiError error = api_error_of(e);
  const bool current = jury.verdicts.key == a.key;
  if (!error.empty()) {
    jury.score_error = error;
    if (e.done) jury.scoring = 0;
    return;
  }
  json data = json::parse(e.data, nullptr, false);
  if (e.event == "progress" && data.is_object()) {
    jury.done = data.value("done", jury.done);
    jury.total = data.value("total", jury.total);
  } else if (e.event == "verdict" && data.is_object() && data.contains("verdict")) {
    auto v = parse_verdict(data["verdict"].dump(), "verdict event");
    if (!v) {
      jury.score_error = parse_error(v);
    } else if (current) {
      auto &list = jury.verdicts.value.verdicts;
      auto same = std::find_if(list.begin(), list.end(), [&](const JurorVerdict &o) {
        return o.juror_endpoint == v->juror_endpoint && o.dimension == v->dimension;
      });
      if (same != list.end()) *same = v.value();
      else list.push_back(v.value());
      jury.verdicts.state = Remote<VerdictSet>::State::ready;
    }
  } else if (e.event == "finished" && data.is_object() && data.contains("aggregate")) {
    auto agg = parse_aggregate(data["aggregate"].dump(), "finished event");
    if (agg && current) {
      jury.verdicts.value.aggregate = agg.value();
      jury.verdicts.state = Remote<VerdictSet>::State::ready;
    }
    state_.notice = "The jury scored " + a.key;
    // The verdicts were not on screen while scoring: read them as stored.
    const Transcript *t = state_.current_transcript();
    if (!current && t && t->id == a.key) on(LoadVerdicts{true});
  }
  if (e.done) jury.scoring = 0;
}

// --- Expert annotation -----------------------------------------------------------------------

void App::on(const LoadAnnotations &a) {
  const Transcript *t = state_.current_transcript();
  if (!t || (!a.force && state_.annotation.saved.requested_for(t->id))) return;
  start_loading(state_.annotation.saved, t->id);
  request(ApiPurpose::annotations, t->id, "GET",
          "/api/transcripts/" + percent_encode(t->id) + "/annotations");
}

void App::on(const EditAnnotation &a) {
  const Transcript *t = state_.current_transcript();
  if (!t) return;
  AnnotationState &ann = state_.annotation;
  ann.transcript_id = t->id;
  ann.draft = a.draft;
  for (int &s : ann.draft.scores) s = std::clamp(s, 0, 5);
  ann.saved_message.clear();
}

void App::on(const SaveAnnotation &) {
  const Transcript *t = state_.current_transcript();
  AnnotationState &ann = state_.annotation;
  if (!t || ann.saving) return;
  ann.save_error = ApiError{};
  ann.saved_message.clear();
  if (state_.settings.annotator.empty()) {
    ann.save_error = {"bad_request", "your name is missing",
                      "Open Settings and enter the annotator name your annotations are saved under."};
    return;
  }
  if (!state_.api.available()) {
    ann.save_error = {"unavailable", "saving annotations needs the IMC API", state_.api.reason};
    return;
  }
  const AnnotationDraft draft = ann.transcript_id == t->id ? ann.draft : AnnotationDraft{};
  if (std::all_of(draft.scores.begin(), draft.scores.end(), [](int s) { return s == 0; })) {
    ann.save_error = {"bad_request", "no dimension is scored yet", "Choose 1 to 5 for at least one dimension."};
    return;
  }
  json scores = json::object();
  for (Dimension d : kDimensions) {
    const int s = draft.scores[static_cast<size_t>(d)];
    scores[to_string(d)] = s ? json(s) : json(nullptr);
  }
  json body = {{"annotator", state_.settings.annotator}, {"scores", scores}, {"note", draft.note}};
  ann.saving = true;
  request(ApiPurpose::save_annotation, t->id, "POST",
          "/api/transcripts/" + percent_encode(t->id) + "/annotations", body.dump());
}

// --- Wire log and dashboard ------------------------------------------------------------------

void App::on(const LoadWireLogs &a) {
  const Transcript *t = state_.current_transcript();
  if (!t || (!a.force && state_.wire_log.logs.requested_for(t->id))) return;
  start_loading(state_.wire_log.logs, t->id);
  state_.wire_log.selected = -1;
  request(ApiPurpose::wire_logs, t->id, "GET", "/api/transcripts/" + percent_encode(t->id) + "/wirelogs");
}

void App::on(const LoadRuns &) {
  start_loading(state_.dashboard.runs, "runs");
  request(ApiPurpose::runs, "runs", "GET", "/api/runs");
}

void App::on(const SelectRun &a) {
  DashboardState &d = state_.dashboard;
  d.run_id = a.run_id;
  d.report = Remote<Report>{};
  d.bar.reset();
  d.bar_transcripts = Remote<std::vector<TranscriptSummary>>{};
  on(LoadReport{true});
}

void App::on(const LoadReport &a) {
  DashboardState &d = state_.dashboard;
  if (d.report.loading() && !a.force) return;
  if (state_.api.available() && !d.run_id.empty()) {
    start_loading(d.report, d.run_id);
    d.report_source = "the API (run " + d.run_id + ")";
    request(ApiPurpose::report, d.run_id, "GET", "/api/reports/" + percent_encode(d.run_id));
    return;
  }
  start_loading(d.report, "report.json");
  d.report_source = "the pack's report.json";
  report_file_request_ = next_request_++;
  platform_.read_pack_file(report_file_request_, "report.json");
}

void App::on(const OpenBar &a) {
  DashboardState &d = state_.dashboard;
  d.bar = a.bar;
  const std::string key = a.bar.label;
  if (state_.api.available() && !d.run_id.empty()) {
    start_loading(d.bar_transcripts, key);
    request(ApiPurpose::bar_transcripts, key, "GET", "/api/transcripts?run=" + percent_encode(d.run_id));
    return;
  }
  // Replay only: the transcripts loaded here (from the pack, or dropped onto the page).
  const std::string run = d.report.state == Remote<Report>::State::ready ? d.report.value.run_id : "";
  std::vector<TranscriptSummary> out;
  for (const auto &t : state_.transcripts) {
    TranscriptSummary s = summary_of(t);
    if ((run.empty() || s.run_id == run) && bar_includes(a.bar, s, state_.pack ? &*state_.pack : nullptr)) {
      out.push_back(std::move(s));
    }
  }
  d.bar_transcripts.key = key;
  succeed(d.bar_transcripts, std::move(out));
}

// --- Replies ---------------------------------------------------------------------------------

void App::on(const ApiReply &a) {
  const ApiEvent &e = a.event;
  switch (a.purpose) {
  case ApiPurpose::health: {
    if (!e.done) return;
    const ApiError error = api_error_of(e);
    json body = json::parse(e.data, nullptr, false);
    if (error.empty() && body.is_object()) {
      state_.api = ApiStatus{ApiStatus::Availability::available, ""};
      if (state_.current_case()) load_case_transcripts();
      return;
    }
    std::string reason;
    if (!e.error.empty()) reason = e.error;
    else if (e.status == 404 || (error.empty() && !body.is_object())) {
      reason = "this page is served without the IMC API (static hosting): replay only. Run "
               "`imc serve --config FILE --store FILE` for live sessions, the jury and annotations.";
    } else {
      reason = error.message + (error.hint.empty() ? "" : ". " + error.hint);
    }
    state_.api = ApiStatus{ApiStatus::Availability::unavailable, reason};
    return;
  }
  case ApiPurpose::case_transcripts:
    settle(state_.case_transcripts, a, "GET /api/transcripts", parse_transcript_summaries);
    return;
  case ApiPurpose::transcript: {
    if (!e.done) return;
    const bool wanted = state_.opening_transcript == a.key;
    if (wanted) state_.opening_transcript.clear();
    ApiError error = api_error_of(e);
    if (error.empty()) {
      auto t = parse_transcript(e.data, "GET /api/transcripts/" + a.key);
      if (t) {
        add_or_replace_transcript(std::move(t.value()));
        if (wanted) apply(SelectTranscript{a.key});
        return;
      }
      error = parse_error(t);
    }
    if (wanted) state_.open_error = error;
    return;
  }
  case ApiPurpose::endpoints: {
    settle(state_.live.endpoints, a, "GET /api/endpoints", parse_endpoints);
    LiveConfig &cfg = state_.live.config;
    const auto &eps = state_.live.endpoints.value;
    if (state_.live.endpoints.state == Remote<std::vector<EndpointInfo>>::State::ready && !eps.empty()) {
      if (cfg.clinician.empty()) cfg.clinician = eps.front().name;
      if (cfg.patient_endpoint.empty()) cfg.patient_endpoint = eps.back().name;
    }
    return;
  }
  case ApiPurpose::session: on_session_event(a); return;
  case ApiPurpose::session_human: {
    if (!e.done) return;
    LiveState &live = state_.live;
    const ApiError error = api_error_of(e);
    if (!error.empty()) {
      live.error = error;
      if (live.phase == LivePhase::running) live.phase = LivePhase::awaiting_human;
      return;
    }
    live.human_draft.clear();
    live.attachment.reset();
    return;
  }
  case ApiPurpose::session_stop:
    if (e.done) {
      const ApiError error = api_error_of(e);
      if (!error.empty() && error.kind != "not_found") state_.live.error = error;
    }
    return;
  case ApiPurpose::verdicts:
    settle(state_.jury.verdicts, a, "GET verdicts", parse_verdict_set);
    return;
  case ApiPurpose::jury: on_jury_event(a); return;
  case ApiPurpose::annotations: {
    settle(state_.annotation.saved, a, "GET annotations", parse_annotations);
    AnnotationState &ann = state_.annotation;
    if (!e.done || ann.saved.state != Remote<std::vector<ExpertAnnotation>>::State::ready) return;
    // Start the draft from the expert's saved annotation.
    if (ann.transcript_id != a.key) {
      for (const auto &x : ann.saved.value) {
        if (x.annotator != state_.settings.annotator || state_.settings.annotator.empty()) continue;
        ann.transcript_id = a.key;
        ann.draft = AnnotationDraft{};
        for (size_t i = 0; i < 3; ++i) ann.draft.scores[i] = x.scores[i].value_or(0);
        ann.draft.note = x.note;
      }
    }
    return;
  }
  case ApiPurpose::save_annotation: {
    if (!e.done) return;
    AnnotationState &ann = state_.annotation;
    ann.saving = false;
    ApiError error = api_error_of(e);
    if (error.empty()) {
      auto saved = parse_annotation(e.data, "POST annotations");
      if (saved) {
        if (!ann.saved.ready_for(a.key)) {
          ann.saved = Remote<std::vector<ExpertAnnotation>>{};
          ann.saved.key = a.key;
          ann.saved.state = Remote<std::vector<ExpertAnnotation>>::State::ready;
        }
        auto &list = ann.saved.value;
        auto same = std::find_if(list.begin(), list.end(), [&](const ExpertAnnotation &x) {
          return x.annotator == saved->annotator;
        });
        if (same != list.end()) *same = saved.value();
        else list.push_back(saved.value());
        ann.saved_message = "Saved as " + saved->annotator +
                            (saved->created_at.empty() ? "" : " at " + saved->created_at);
        return;
      }
      error = parse_error(saved);
    }
    ann.save_error = error;
    return;
  }
  case ApiPurpose::wire_logs:
    settle(state_.wire_log.logs, a, "GET wirelogs", parse_wire_logs);
    return;
  case ApiPurpose::runs: {
    DashboardState &d = state_.dashboard;
    settle(d.runs, a, "GET /api/runs", parse_runs);
    if (d.runs.state == Remote<std::vector<RunInfo>>::State::ready && d.run_id.empty() &&
        !d.runs.value.empty()) {
      const auto latest = std::max_element(d.runs.value.begin(), d.runs.value.end(),
                                           [](const RunInfo &x, const RunInfo &y) {
                                             return x.created_at < y.created_at;
                                           });
      d.run_id = latest->id;
    }
    return;
  }
  case ApiPurpose::report: {
    DashboardState &d = state_.dashboard;
    settle(d.report, a, "report", parse_report);
    if (d.report.state == Remote<Report>::State::ready) {
      const auto conditions = d.report.value.conditions();
      if (!conditions.empty() &&
          std::find(conditions.begin(), conditions.end(), d.condition) == conditions.end()) {
        d.condition = conditions.front();
      }
    }
    return;
  }
  case ApiPurpose::bar_transcripts: {
    DashboardState &d = state_.dashboard;
    settle(d.bar_transcripts, a, "GET /api/transcripts?run=", parse_transcript_summaries);
    if (d.bar && d.bar_transcripts.state == Remote<std::vector<TranscriptSummary>>::State::ready) {
      auto &list = d.bar_transcripts.value;
      const CasePack *pack = state_.pack ? &*state_.pack : nullptr;
      list.erase(std::remove_if(list.begin(), list.end(),
                                [&](const TranscriptSummary &t) { return !bar_includes(*d.bar, t, pack); }),
                 list.end());
    }
    return;
  }
  }
}

} // namespace imc::ui
