// The conversation engine: the consultation's state machine (conversation.h).
#include "imc/conversation.h"

#include "format_rules.h"
#include "imc/hidden_facts.h"
#include "imc/timestamp.h"
#include "text_util.h"

#include <algorithm>

namespace imc {

namespace {

constexpr const char *kConfigSource = "conversation config";
// Providers reject empty turns; an empty reply (a model that said nothing) is sent as this.
constexpr const char *kEmptyTurnText = "(no reply)";
constexpr const char *kStoppedReason = "stopped by the user";

std::string mime_type_of(std::string_view path) {
  const std::string lower = ascii::lower(path);
  if (ascii::ends_with(lower, ".png"))
    return "image/png";
  if (ascii::ends_with(lower, ".webp"))
    return "image/webp";
  if (ascii::ends_with(lower, ".gif"))
    return "image/gif";
  return "image/jpeg"; // .jpg, .jpeg; adapters trust the bytes' magic number anyway
}

// The transcript format has words for stop, length and content_filter only.
std::string transcript_finish_reason(FinishReason reason) {
  const bool known = reason == FinishReason::stop || reason == FinishReason::length ||
                     reason == FinishReason::content_filter;
  return known ? to_string(reason) : "";
}

std::string joined_messages(const Errors &errors) {
  std::string out;
  for (const auto &e : errors)
    out += (out.empty() ? "" : "; ") + e.message();
  return out;
}

int64_t non_negative(int64_t v) { return v < 0 ? 0 : v; }

void check_parameters(const ChatParameters &p, const std::string &pointer, Errors &errors) {
  if (p.temperature && !(*p.temperature >= 0 && *p.temperature <= 2))
    errors.push_back({kConfigSource, pointer + "/temperature", "a number in 0..2",
                      std::to_string(*p.temperature)});
  if (p.max_tokens && *p.max_tokens < 1)
    errors.push_back(
        {kConfigSource, pointer + "/max_tokens", "an integer >= 1", std::to_string(*p.max_tokens)});
  if (p.top_p && !(*p.top_p >= 0 && *p.top_p <= 1))
    errors.push_back(
        {kConfigSource, pointer + "/top_p", "a number in 0..1", std::to_string(*p.top_p)});
}

std::string quoted(const std::string &s) { return s.empty() ? "an empty string" : "\"" + s + "\""; }

} // namespace

Status validate_conversation_config(const ConversationConfig &c) {
  Errors errors;
  const auto check = [&](bool ok, const char *pointer, const char *expected, std::string found) {
    if (!ok)
      errors.push_back({kConfigSource, pointer, expected, std::move(found)});
  };
  check(detail::is_identifier(c.transcript_id), "/transcript_id",
        "an identifier matching [a-z0-9][a-z0-9-]*", quoted(c.transcript_id));
  check(c.pack_hash.empty() || detail::is_prefixed_sha256(c.pack_hash), "/pack_hash",
        "sha256: followed by 64 lowercase hex digits, or nothing", quoted(c.pack_hash));
  check(detail::is_identifier(c.patient_case.id), "/case/id",
        "an identifier matching [a-z0-9][a-z0-9-]*", quoted(c.patient_case.id));
  check(detail::is_endpoint_name(c.clinician_endpoint), "/clinician/endpoint",
        "an endpoint name matching [A-Za-z0-9._-]+", quoted(c.clinician_endpoint));
  check(!c.clinician_model.empty(), "/clinician/model", "the clinician's model id",
        "an empty string");
  check_parameters(c.clinician_parameters, "/clinician/parameters", errors);
  if (c.patient_kind == PatientKind::simulated) {
    check(detail::is_endpoint_name(c.simulated_patient.endpoint), "/patient/endpoint",
          "an endpoint name matching [A-Za-z0-9._-]+", quoted(c.simulated_patient.endpoint));
    check(!c.simulated_patient.model.empty(), "/patient/model", "the simulated patient's model id",
          "an empty string");
    check_parameters(c.simulated_patient.parameters, "/patient/parameters", errors);
    check(c.opening == Opening::persona, "/opening",
          "\"persona\" for a simulated patient (only a person can type the opening)", "\"human\"");
  }
  if (c.opening == Opening::persona)
    check(!c.patient_case.persona.opening_statement.empty(), "/case/persona/opening_statement",
          "the opening statement of turn 0", "an empty string");
  check(c.max_clinician_turns >= 1, "/max_clinician_turns", "an integer >= 1",
        std::to_string(c.max_clinician_turns));
  check(c.call_timeout_ms >= 0, "/call_timeout_ms", "an integer >= 0 (0 = no extra limit)",
        std::to_string(c.call_timeout_ms));
  if (!errors.empty())
    return errors;
  return ok_status();
}

// ---------------------------------------------------------------------------------------------

MarkedText strip_end_marker(std::string_view text, std::string_view marker) {
  MarkedText out;
  if (marker.empty()) {
    out.text = std::string(text);
    return out;
  }
  const std::string lower_text = ascii::lower(text);
  const std::string lower_marker = ascii::lower(marker);
  size_t at = 0;
  for (size_t found = lower_text.find(lower_marker); found != std::string::npos;
       found = lower_text.find(lower_marker, at)) {
    out.text.append(text.substr(at, found - at));
    at = found + marker.size();
    out.ended = true;
  }
  out.text.append(text.substr(at));
  const auto is_blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  const auto first = std::find_if_not(out.text.begin(), out.text.end(), is_blank);
  const auto last = std::find_if_not(out.text.rbegin(), out.text.rend(), is_blank).base();
  out.text = first < last ? std::string(first, last) : std::string();
  return out;
}

std::optional<ConversationEvent> ChatEventTranslator::translate(const ChatEvent &event,
                                                                int64_t at_ms) {
  if (const auto *delta = std::get_if<TextDelta>(&event))
    return StreamDelta{call_id_, delta->text, at_ms};
  if (const auto *usage = std::get_if<Usage>(&event)) {
    usage_ = *usage;
    return std::nullopt;
  }
  if (const auto *done = std::get_if<Finish>(&event))
    return CallDone{call_id_, usage_, *done, at_ms};
  return CallFailed{call_id_, std::get<StreamError>(event), at_ms};
}

// ---------------------------------------------------------------------------------------------

ConversationEngine::ConversationEngine(ConversationConfig config, ImageBytes images)
    : config_(std::move(config)), images_(std::move(images)) {}

const Turn *ConversationEngine::in_flight() const { return pending_ ? &*pending_ : nullptr; }

std::vector<const HiddenFact *> ConversationEngine::unlocked_facts() const {
  return revealable_facts_after(config_.patient_case.hidden_facts, transcript_.turns);
}

std::vector<ConversationEffect> ConversationEngine::handle(const ConversationEvent &event) {
  events_.push_back(event);
  Effects out;
  if (phase_ == ConversationPhase::finished)
    return out;
  std::visit(
      [&](const auto &e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, Begin>)
          begin(e, out);
        else if constexpr (std::is_same_v<E, CallStarted>)
          call_started(e);
        else if constexpr (std::is_same_v<E, StreamDelta>)
          stream_delta(e);
        else if constexpr (std::is_same_v<E, CallDone>)
          call_done(e, out);
        else if constexpr (std::is_same_v<E, CallFailed>)
          call_failed(e, out);
        else if constexpr (std::is_same_v<E, HumanTurn>)
          human_turn(e, out);
        else
          stop(e, out);
      },
      event);
  return out;
}

void ConversationEngine::start_transcript(int64_t at_ms) {
  const ConversationConfig &c = config_;
  Transcript &t = transcript_;
  t.id = c.transcript_id;
  t.case_id = c.patient_case.id;
  t.pack_hash = c.pack_hash;
  t.run_id = c.run_id;
  t.created_at = format_rfc3339_ms(at_ms);
  const bool simulated = c.patient_kind == PatientKind::simulated;
  t.provenance.kind = simulated ? ProvenanceKind::model_run : ProvenanceKind::human_session;
  t.clinician.endpoint = c.clinician_endpoint;
  t.clinician.model = c.clinician_model;
  t.clinician.parameters.temperature = c.clinician_parameters.temperature;
  t.clinician.parameters.max_tokens = c.clinician_parameters.max_tokens;
  t.clinician.parameters.top_p = c.clinician_parameters.top_p;
  t.patient.kind = c.patient_kind;
  if (simulated) {
    t.patient.endpoint = c.simulated_patient.endpoint;
    t.patient.model = c.simulated_patient.model;
  } else {
    t.patient.name = c.human_name;
  }
  t.condition = c.condition;
  t.prompt_hashes.emplace_back(c.prompts.clinician_system.name, c.prompts.clinician_system.hash());
  if (simulated)
    t.prompt_hashes.emplace_back(c.prompts.patient_system.name, c.prompts.patient_system.hash());
}

void ConversationEngine::begin(const Begin &e, Effects &out) {
  if (phase_ != ConversationPhase::not_started)
    return;
  const ConversationConfig &c = config_;
  start_transcript(e.at_ms);
  const bool simulated = c.patient_kind == PatientKind::simulated;

  if (auto valid = validate_conversation_config(c); !valid)
    return finish(TranscriptState::failed, "config: " + joined_messages(valid.errors()), out);
  auto clinician_system = render_prompt(c.prompts.clinician_system,
                                        clinician_prompt_variables(c.patient_case, c.condition));
  if (!clinician_system)
    return finish(TranscriptState::failed, "config: " + joined_messages(clinician_system.errors()),
                  out);
  clinician_system_ = std::move(clinician_system.value());
  if (simulated) { // checked now, so a broken template fails before the first call
    auto patient_system =
        render_prompt(c.prompts.patient_system, patient_prompt_variables(c.patient_case, {}));
    if (!patient_system)
      return finish(TranscriptState::failed, "config: " + joined_messages(patient_system.errors()),
                    out);
  }
  if (c.condition.image)
    for (const auto &image : c.patient_case.images)
      if (!images_.count(image.file))
        return finish(TranscriptState::failed,
                      "config: no image bytes for " + image.file + " (condition " +
                          c.condition.name() + " shows the images)",
                      out);

  if (c.opening == Opening::human)
    return await_human(e.at_ms, out);
  Turn opening;
  opening.index = 0;
  opening.role = Role::patient;
  opening.text = c.patient_case.persona.opening_statement;
  if (c.condition.image)
    for (const auto &image : c.patient_case.images)
      opening.images.push_back(image.file);
  opening.started_at = opening.ended_at = transcript_.created_at;
  commit(std::move(opening), out);
  request_clinician(e.at_ms, out);
}

bool ConversationEngine::is_current_call(const std::string &call_id) const {
  return !call_id_.empty() && call_id == call_id_;
}

void ConversationEngine::call_started(const CallStarted &e) {
  if (!is_current_call(e.call_id) || sent_at_ms_)
    return;
  sent_at_ms_ = e.at_ms;
  pending_->started_at = format_rfc3339_ms(e.at_ms);
}

void ConversationEngine::stream_delta(const StreamDelta &e) {
  if (!is_current_call(e.call_id) || e.text.empty())
    return;
  if (!first_delta_ms_) {
    first_delta_ms_ = e.at_ms;
    pending_->ttft_ms = non_negative(e.at_ms - sent_at_ms_.value_or(pending_since_ms_));
  }
  pending_->text += e.text;
}

void ConversationEngine::call_done(const CallDone &e, Effects &out) {
  if (!is_current_call(e.call_id))
    return;
  Turn turn = std::move(*pending_);
  const int64_t sent = sent_at_ms_.value_or(pending_since_ms_);
  turn.ended_at = format_rfc3339_ms(e.at_ms);
  turn.latency_ms = non_negative(e.at_ms - sent);
  if (e.usage) {
    turn.tokens_in = non_negative(e.usage->input_tokens);
    turn.tokens_out = non_negative(e.usage->output_tokens);
  }
  turn.finish_reason = transcript_finish_reason(e.finish.reason);
  const bool clinician = turn.role == Role::clinician;
  MarkedText marked =
      strip_end_marker(turn.text, clinician ? kClinicianEndMarker : kPatientEndMarker);
  turn.text = std::move(marked.text);
  if (marked.ended)
    turn.finish_reason = "end_consultation";
  commit(std::move(turn), out);
  if (clinician) {
    ++clinician_turns_;
    if (marked.ended)
      return finish(TranscriptState::complete, "", out);
    return after_clinician_turn(e.at_ms, out);
  }
  if (marked.ended)
    return finish(TranscriptState::complete, "", out);
  request_clinician(e.at_ms, out);
}

void ConversationEngine::call_failed(const CallFailed &e, Effects &out) {
  if (!is_current_call(e.call_id))
    return;
  Turn turn = std::move(*pending_);
  turn.ended_at = format_rfc3339_ms(e.at_ms);
  turn.latency_ms = non_negative(e.at_ms - sent_at_ms_.value_or(pending_since_ms_));
  turn.finish_reason = e.error.kind == ErrorKind::cancelled ? "cancelled" : "error";
  turn.error = TurnError{to_string(e.error.kind), e.error.message};
  commit(std::move(turn), out); // the partial text stays: it is what the model had said
  finish(TranscriptState::failed, std::string(to_string(e.error.kind)) + ": " + e.error.message,
         out);
}

void ConversationEngine::human_turn(const HumanTurn &e, Effects &out) {
  if (phase_ != ConversationPhase::awaiting_human)
    return;
  MarkedText marked = strip_end_marker(e.text, kPatientEndMarker);
  const bool ended = marked.ended || e.end_consultation;
  if (marked.text.empty() && !ended)
    return; // nothing typed: keep waiting
  Turn turn = std::move(*pending_);
  pending_.reset();
  if (marked.text.empty()) { // "end consultation" pressed with nothing to say
    if (turn.index == 0)
      return finish(TranscriptState::incomplete, "the patient ended before the consultation began",
                    out);
    return finish(TranscriptState::complete, "", out);
  }
  turn.text = std::move(marked.text);
  turn.ended_at = format_rfc3339_ms(e.at_ms);
  if (ended)
    turn.finish_reason = "end_consultation";
  if (turn.index == 0 && config_.condition.image)
    for (const auto &image : config_.patient_case.images)
      turn.images.push_back(image.file);
  commit(std::move(turn), out);
  if (ended)
    return finish(TranscriptState::complete, "", out);
  request_clinician(e.at_ms, out);
}

void ConversationEngine::stop(const Stop &e, Effects &out) {
  const std::string reason = e.reason.empty() ? kStoppedReason : e.reason;
  if (phase_ == ConversationPhase::not_started) {
    start_transcript(e.at_ms);
    return finish(TranscriptState::incomplete, reason, out);
  }
  if (!call_id_.empty()) {
    out.push_back(CancelCall{call_id_});
    Turn turn = std::move(*pending_);
    MarkedText marked = strip_end_marker(
        turn.text, turn.role == Role::clinician ? kClinicianEndMarker : kPatientEndMarker);
    if (!marked.text.empty()) { // keep what was said; an empty cancelled call leaves no turn
      turn.text = std::move(marked.text);
      turn.ended_at = format_rfc3339_ms(e.at_ms);
      turn.finish_reason = "cancelled";
      commit(std::move(turn), out);
    }
  }
  finish(TranscriptState::incomplete, reason, out);
}

void ConversationEngine::after_clinician_turn(int64_t at_ms, Effects &out) {
  if (clinician_turns_ >= config_.max_clinician_turns)
    return finish(TranscriptState::complete, "", out);
  if (config_.patient_kind == PatientKind::simulated)
    return request_patient(at_ms, out);
  await_human(at_ms, out);
}

void ConversationEngine::request_clinician(int64_t at_ms, Effects &out) {
  issue_call(Role::clinician, clinician_request(), at_ms, out);
}

void ConversationEngine::request_patient(int64_t at_ms, Effects &out) {
  auto request = patient_request();
  if (!request)
    return finish(TranscriptState::failed, "config: " + joined_messages(request.errors()), out);
  issue_call(Role::patient, std::move(request.value()), at_ms, out);
}

void ConversationEngine::issue_call(Role role, ChatRequest request, int64_t at_ms, Effects &out) {
  call_id_ = "call-" + std::to_string(++calls_issued_);
  Turn turn;
  turn.index = int(transcript_.turns.size());
  turn.role = role;
  turn.started_at = format_rfc3339_ms(at_ms); // until CallStarted says when it was sent
  pending_ = std::move(turn);
  pending_since_ms_ = at_ms;
  sent_at_ms_.reset();
  first_delta_ms_.reset();
  phase_ =
      role == Role::clinician ? ConversationPhase::clinician_call : ConversationPhase::patient_call;
  const std::string &endpoint =
      role == Role::clinician ? config_.clinician_endpoint : config_.simulated_patient.endpoint;
  out.push_back(CallModel{call_id_, role, endpoint, std::move(request), config_.call_timeout_ms});
}

void ConversationEngine::await_human(int64_t at_ms, Effects &out) {
  Turn turn;
  turn.index = int(transcript_.turns.size());
  turn.role = Role::patient;
  turn.started_at = format_rfc3339_ms(at_ms);
  pending_ = std::move(turn);
  pending_since_ms_ = at_ms;
  phase_ = ConversationPhase::awaiting_human;
  if (pending_->index == 0)
    out.push_back(AwaitHuman{"Open the consultation as the patient.",
                             config_.patient_case.persona.opening_statement});
  else
    out.push_back(AwaitHuman{"Reply to the clinician as the patient.", ""});
}

void ConversationEngine::commit(Turn turn, Effects &out) {
  pending_.reset();
  call_id_.clear();
  transcript_.turns.push_back(turn);
  out.push_back(TurnCommitted{std::move(turn)});
}

void ConversationEngine::finish(TranscriptState state, std::string reason, Effects &out) {
  pending_.reset();
  call_id_.clear();
  phase_ = ConversationPhase::finished;
  transcript_.status.state = state;
  transcript_.status.reason = state == TranscriptState::complete ? "" : std::move(reason);
  out.push_back(ConversationFinished{transcript_.status});
}

ChatRequest ConversationEngine::clinician_request() const {
  ChatRequest request;
  request.system = clinician_system_;
  request.parameters = config_.clinician_parameters;
  for (const Turn &turn : transcript_.turns) {
    ChatTurn chat;
    chat.role = turn.role == Role::patient ? ChatRole::user : ChatRole::assistant;
    if (config_.condition.image) // turn.images is only ever filled under an image condition
      for (const auto &file : turn.images)
        chat.content.emplace_back(ImagePart{mime_type_of(file), images_.at(file), file});
    chat.content.emplace_back(TextPart{turn.text.empty() ? kEmptyTurnText : turn.text});
    request.turns.push_back(std::move(chat));
  }
  return request;
}

Result<ChatRequest> ConversationEngine::patient_request() const {
  const Case &c = config_.patient_case;
  auto system = render_prompt(
      config_.prompts.patient_system,
      patient_prompt_variables(c, revealable_facts_after(c.hidden_facts, transcript_.turns)));
  if (!system)
    return system.errors();
  ChatRequest request;
  request.system = std::move(system.value());
  request.parameters = config_.simulated_patient.parameters;
  // The opening statement is in the system prompt, so the turns start with the clinician's
  // first reply: providers want a user turn first, and the clinician is the patient model's user.
  for (const Turn &turn : transcript_.turns) {
    if (turn.index == 0)
      continue;
    request.turns.push_back(turn.role == Role::clinician
                                ? user_text(turn.text.empty() ? kEmptyTurnText : turn.text)
                                : assistant_text(turn.text.empty() ? kEmptyTurnText : turn.text));
  }
  return request;
}

Transcript replay(const ConversationConfig &config, const std::vector<ConversationEvent> &events) {
  ImageBytes placeholders; // the transcript holds image paths, never bytes
  for (const auto &image : config.patient_case.images)
    placeholders[image.file] = "";
  ConversationEngine engine(config, std::move(placeholders));
  for (const auto &event : events)
    engine.handle(event);
  return engine.transcript();
}

} // namespace imc
