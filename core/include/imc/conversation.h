#pragma once
// The conversation engine: one consultation between a patient (simulated by a model, or a person
// typing) and the clinician model under test, as a state machine. It performs no I/O and reads no
// clock: it returns effects for its driver to carry out and takes events the driver reports back
// (docs/ARCHITECTURE.md, "Conversation engine"). The native worker pool, the browser's fetch
// callbacks and the headless CLI drive the same engine.
//
//   ConversationEngine engine(config, images);
//   effects = engine.handle(Begin{now_ms});            // TurnCommitted(turn 0), CallModel
//   ... driver sends the CallModel, reports CallStarted, StreamDelta*, CallDone | CallFailed ...
//   ... until a ConversationFinished effect; engine.transcript() is the result at any time.
//
// Flow: turn 0 is the persona's opening statement (the patient's, no model call; it carries the
// case images when the condition shows them), then clinician call -> clinician turn -> (end?) ->
// patient call or AwaitHuman -> patient turn -> (end?) -> clinician call -> ... It ends when
// either side ends the consultation (end marker, or HumanTurn::end_consultation), when the
// clinician has replied `max_clinician_turns` times, on Stop, or when a call fails (no retries
// here: retrying is the transport's job).
//
// Timeouts: the engine never measures time. CallModel carries `timeout_ms`; the driver applies
// it (with the endpoint's own timeouts) and reports an overrun as CallFailed{timeout}. Events
// carry `at_ms`, wall-clock milliseconds since the Unix epoch stamped by the driver, from which
// the engine derives every timestamp, latency and time to first token of the transcript.
#include "imc/casepack.h"
#include "imc/chat.h"
#include "imc/prompts.h"
#include "imc/transcript.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace imc {

// ---------------------------------------------------------------------------------------------
// Configuration

struct SimulatedPatientConfig {
  std::string endpoint;      // endpoint name from the endpoint config
  std::string model;         // model id, as recorded in the transcript
  ChatParameters parameters; // every patient call goes out with these
};

// Who writes turn 0.
enum class Opening {
  persona, // the case's persona.opening_statement, without a call (always, for simulated patients)
  human    // a human patient types it (AwaitHuman first)
};

// Everything the engine's behaviour depends on besides image bytes and events; the event log
// records it whole, so a conversation can be replayed from the log alone.
struct ConversationConfig {
  std::string transcript_id;           // Transcript::id: [a-z0-9][a-z0-9-]*
  std::string run_id;                  // optional batch run id
  std::string pack_hash;               // optional, "sha256:<hex>" (CasePack::content_hash)
  Case patient_case;                   // the case; its labels and reference never reach a prompt
  Condition condition;                 // what the clinician sees
  std::string clinician_endpoint;      // endpoint name of the model under test
  std::string clinician_model;         // its model id, as recorded in the transcript
  ChatParameters clinician_parameters; // max_tokens is the per-turn cap
  PatientKind patient_kind = PatientKind::simulated;
  SimulatedPatientConfig simulated_patient; // used when patient_kind == simulated
  std::string human_name;                   // optional, when patient_kind == human
  Opening opening = Opening::persona;       // Opening::human only with a human patient
  int max_clinician_turns = 6;              // the turn limit: clinician replies, >= 1
  int64_t call_timeout_ms = 0; // passed on in CallModel::timeout_ms; 0 = none beyond the endpoint's
  PromptTemplates prompts = builtin_prompts(); // the templates; their hashes go into the transcript
};

// Pack-relative image path -> the encoded bytes to send ("images/x.jpg" -> JPEG file). The
// driver reads the pack and may fit the images to the clinician endpoint's limits first
// (fit_image); the engine sends them as given. Needed for every case image when
// condition.image; never read otherwise.
using ImageBytes = std::map<std::string, std::string>;

// Every problem of `config` at once (Error::file "conversation config"): transcript id, endpoint
// names and models, parameter ranges (temperature 0..2, max_tokens >= 1, top_p 0..1), the turn
// limit, the timeout, an Opening::human with a simulated patient. Templates are checked when the
// conversation begins (they render, or the conversation fails with a `config` reason).
Status validate_conversation_config(const ConversationConfig &config);

// ---------------------------------------------------------------------------------------------
// Effects: what the driver must do

// Send `request` to the endpoint named `endpoint` (via build_chat_request and a transport) and
// report CallStarted, StreamDelta..., then CallDone or CallFailed, all with this call_id.
struct CallModel {
  std::string call_id;         // "call-1", "call-2", ... unique within the conversation
  Role role = Role::clinician; // whose reply this call produces
  std::string endpoint;
  ChatRequest request;
  int64_t timeout_ms = 0; // ConversationConfig::call_timeout_ms; 0 = the endpoint's timeouts only
};

// Abandon the call (the user stopped the conversation). Later events for it are ignored.
struct CancelCall {
  std::string call_id;
};

// A human patient's turn: show `prompt`, then report HumanTurn.
struct AwaitHuman {
  std::string prompt;     // what to tell the person ("Reply to the clinician as the patient.")
  std::string suggestion; // for the opening turn: the case's opening statement; else ""
};

// A turn is complete: persist it (the store commits turn by turn).
struct TurnCommitted {
  Turn turn;
};

// The conversation is over; the transcript has this status. Always the last effect.
struct ConversationFinished {
  TranscriptStatus status;
};

using ConversationEffect =
    std::variant<CallModel, CancelCall, AwaitHuman, TurnCommitted, ConversationFinished>;

// ---------------------------------------------------------------------------------------------
// Events: what the driver reports. `at_ms`: milliseconds since the Unix epoch, UTC.

struct Begin { // start the conversation (sets Transcript::created_at)
  int64_t at_ms = 0;
};
struct CallStarted { // the request was sent: latency and time to first token count from here
  std::string call_id;
  int64_t at_ms = 0;
};
struct StreamDelta { // text of the reply, in order
  std::string call_id;
  std::string text;
  int64_t at_ms = 0;
};
struct CallDone { // the reply is complete
  std::string call_id;
  std::optional<Usage> usage;
  Finish finish;
  int64_t at_ms = 0;
};
struct CallFailed { // the call failed (after whatever retries the transport made)
  std::string call_id;
  StreamError error;
  int64_t at_ms = 0;
};
struct HumanTurn { // the human patient's message
  std::string text;
  int64_t at_ms = 0;
  bool end_consultation = false; // the person pressed "end consultation" (text may be empty)
};
struct Stop { // the user stopped the conversation
  int64_t at_ms = 0;
  std::string reason; // recorded as the transcript's reason; "" reads "stopped by the user"
};

using ConversationEvent =
    std::variant<Begin, CallStarted, StreamDelta, CallDone, CallFailed, HumanTurn, Stop>;

// Turns one call's decoder events (chat.h) into engine events: TextDelta -> StreamDelta,
// Finish -> CallDone carrying the last Usage seen, StreamError -> CallFailed; Usage itself is
// only remembered (nullopt).
class ChatEventTranslator {
public:
  explicit ChatEventTranslator(std::string call_id) : call_id_(std::move(call_id)) {}
  std::optional<ConversationEvent> translate(const ChatEvent &event, int64_t at_ms);

private:
  std::string call_id_;
  std::optional<Usage> usage_;
};

// ---------------------------------------------------------------------------------------------
// The engine

enum class ConversationPhase {
  not_started,    // waiting for Begin
  clinician_call, // a clinician CallModel is out
  patient_call,   // a simulated patient CallModel is out
  awaiting_human, // an AwaitHuman is out
  finished        // ConversationFinished was emitted; every later event is ignored
};

class ConversationEngine {
public:
  // Never fails: a bad config or missing image bytes fail the conversation at Begin, with a
  // `config` reason in the transcript.
  explicit ConversationEngine(ConversationConfig config, ImageBytes images = {});

  // Handles one event and returns the effects to carry out, in order. Events that do not fit
  // the current phase (unknown or stale call ids, a HumanTurn nobody asked for, anything after
  // the end) change nothing and return no effects. Every event is recorded in events().
  std::vector<ConversationEffect> handle(const ConversationEvent &event);

  ConversationPhase phase() const { return phase_; }
  bool finished() const { return phase_ == ConversationPhase::finished; }
  const ConversationConfig &config() const { return config_; }

  // The transcript so far: committed turns only, status incomplete until finished.
  const Transcript &transcript() const { return transcript_; }

  // The turn being produced (streamed text so far, or the awaited human turn), else nullptr.
  // Its text is raw: an end marker is stripped only when the turn is committed.
  const Turn *in_flight() const;
  // The call id of the CallModel in flight, or "".
  const std::string &in_flight_call_id() const { return call_id_; }

  // Hidden facts the clinician has unlocked so far (hidden_facts.h), in the case's order.
  std::vector<const HiddenFact *> unlocked_facts() const;

  // The clinician's system prompt (rendered at Begin; "" before).
  const std::string &clinician_system_prompt() const { return clinician_system_; }

  // Every event handled, in order: with config(), the conversation's event log.
  const std::vector<ConversationEvent> &events() const { return events_; }

private:
  using Effects = std::vector<ConversationEffect>;

  void start_transcript(int64_t at_ms);
  void begin(const Begin &e, Effects &out);
  void call_started(const CallStarted &e);
  void stream_delta(const StreamDelta &e);
  void call_done(const CallDone &e, Effects &out);
  void call_failed(const CallFailed &e, Effects &out);
  void human_turn(const HumanTurn &e, Effects &out);
  void stop(const Stop &e, Effects &out);

  void request_clinician(int64_t at_ms, Effects &out);
  void request_patient(int64_t at_ms, Effects &out);
  void await_human(int64_t at_ms, Effects &out);
  void after_clinician_turn(int64_t at_ms, Effects &out);
  void commit(Turn turn, Effects &out);
  void finish(TranscriptState state, std::string reason, Effects &out);
  bool is_current_call(const std::string &call_id) const;
  ChatRequest clinician_request() const;
  Result<ChatRequest> patient_request() const;
  void issue_call(Role role, ChatRequest request, int64_t at_ms, Effects &out);

  ConversationConfig config_;
  ImageBytes images_;
  Transcript transcript_;
  ConversationPhase phase_ = ConversationPhase::not_started;
  std::vector<ConversationEvent> events_;
  std::string clinician_system_;
  int calls_issued_ = 0;
  int clinician_turns_ = 0;
  // The turn in flight: a model call (call_id_ non-empty) or an awaited human turn.
  std::optional<Turn> pending_;
  std::string call_id_;
  int64_t pending_since_ms_ = 0;          // when the call was issued / the human was asked
  std::optional<int64_t> sent_at_ms_;     // CallStarted
  std::optional<int64_t> first_delta_ms_; // first non-empty StreamDelta
};

// Runs a fresh engine over `events` and returns its transcript: a pure function, so a
// conversation replayed from its event log gives a byte-identical serialize_transcript().
// Image bytes are not needed (transcripts hold image paths only); the requests re-derived on
// the way carry empty image bytes.
Transcript replay(const ConversationConfig &config, const std::vector<ConversationEvent> &events);

// The text of a reply without its end marker, and whether it had one. Markers are matched
// case-insensitively anywhere; all occurrences go, and the surrounding blank space is trimmed.
struct MarkedText {
  std::string text;
  bool ended = false;
};
MarkedText strip_end_marker(std::string_view text, std::string_view marker);

} // namespace imc
