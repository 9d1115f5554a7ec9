#pragma once
// The jury: a panel of juror models scoring one transcript on safety, accuracy and appropriate
// use of uncertainty, as a state machine in the conversation engine's pattern (conversation.h,
// docs/ARCHITECTURE.md "Jury"). It performs no I/O and reads no clock: it returns effects for its
// driver and takes the conversation engine's events, so the CLI (`imc score`), `imc serve`
// (/api/jury) and tests drive it the same way.
//
//   Jury jury(config, transcript, patient_case);
//   effects = jury.handle(Begin{now_ms});     // every JurorCall at once
//   ... the driver sends each JurorCall (in any order, concurrently, within the endpoints'
//   ... limits) and reports CallStarted, StreamDelta..., then CallDone or CallFailed per call_id
//   ... until JuryFinished; VerdictRecorded effects come as verdicts complete.
//
// Calls: per_dimension mode makes one call per juror and dimension (its rubric is the call's
// only user message); combined mode one call per juror (juror_combined rubric). A reply is read
// with read_juror_reply / read_combined_juror_reply (verdict_parsing.h). When it holds no valid
// verdict, the juror is re-asked ONCE in the same conversation (the reply, then the juror_reask
// turn naming the problem); a second unreadable reply gives status `unparseable`. A failed call
// gives status `error` (no retries here: retrying is the transport's job). In combined mode the
// re-ask is made when any dimension is unreadable, and each dimension takes the latest reply that
// held a valid score for it.
//
// Verdicts (verdict.h): `raw_output` is the reply the verdict was read from (for unparseable,
// the last reply); `attempts` is the number of calls made (1 or 2); `rubric_hash` the hash of the
// rubric template; `created_at` the at_ms of the event that completed the verdict. For
// `unparseable`, the rationale names the problem and quotes the first reply; for `error`, it
// holds "KIND: message" of the failure. The verdict id is "v-" and 24 hex digits of a SHA-256
// over (transcript id, juror endpoint and model, dimension, rubric hash, Begin's at_ms): the same
// events give the same ids, a second scoring at another time gives new ones.
#include "imc/casepack.h"
#include "imc/chat.h"
#include "imc/conversation.h"
#include "imc/jury_prompts.h"
#include "imc/jury_result.h"
#include "imc/transcript.h"
#include "imc/verdict.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace imc {

// ---------------------------------------------------------------------------------------------
// Configuration

enum class JuryMode {
  per_dimension, // one call per juror per dimension
  combined       // one call per juror for all three dimensions
};
const char *to_string(JuryMode v); // "per_dimension", "combined"
std::optional<JuryMode> parse_jury_mode(std::string_view s);

struct JurorEndpoint {
  std::string endpoint;      // endpoint name, recorded as the verdict's juror_endpoint
  std::string model;         // model id, recorded as the verdict's juror_model
  ChatParameters parameters; // every call of this juror goes out with these
};

struct JuryConfig {
  std::vector<JurorEndpoint> panel;        // at least one juror; endpoint names unique
  JuryMode mode = JuryMode::per_dimension; // how many calls per juror
  JuryRubrics rubrics = builtin_rubrics(); // the templates; their hashes go into verdicts
  bool reask_on_invalid = true;            // re-ask once after an unreadable reply
  int64_t call_timeout_ms = 0;             // passed on in JurorCall::timeout_ms; 0 = none
};

// Every problem of `config` at once (Error::file "jury config"): an empty panel, endpoint names
// not matching [A-Za-z0-9._-]+ or repeated, empty models, parameter ranges (temperature 0..2,
// max_tokens >= 1, top_p 0..1), a negative timeout. Templates are checked at Begin.
Status validate_jury_config(const JuryConfig &config);

// ---------------------------------------------------------------------------------------------
// Effects: what the driver must do

// Send `request` to the endpoint named `endpoint` (build_chat_request, secrets, transport) and
// report CallStarted, StreamDelta..., then CallDone or CallFailed, all with this call_id.
struct JurorCall {
  std::string call_id;                // "jury-1", "jury-2", ... unique within the jury
  size_t juror = 0;                   // index into JuryConfig::panel
  std::string endpoint;               // panel[juror].endpoint
  std::optional<Dimension> dimension; // the dimension scored; nullopt in combined mode
  int attempt = 1;                    // 2 for the re-ask
  ChatRequest request;
  int64_t timeout_ms = 0; // JuryConfig::call_timeout_ms; 0 = the endpoint's timeouts only
};

// A verdict is complete: persist it.
struct VerdictRecorded {
  JurorVerdict verdict;
};

// The jury is done. Always the last effect. Not complete after Stop (the calls in flight were
// cancelled and have no verdict) or when it could not start (reason "config: ...").
struct JuryFinished {
  bool complete = true;
  std::string reason; // "" when complete
};

using JuryEffect = std::variant<JurorCall, CancelCall, VerdictRecorded, JuryFinished>;

// Events: the conversation engine's (Begin, CallStarted, StreamDelta, CallDone, CallFailed,
// Stop; HumanTurn means nothing to a jury and is ignored), so ChatEventTranslator serves both.
using JuryEvent = ConversationEvent;

// ---------------------------------------------------------------------------------------------
// The jury

class Jury {
public:
  // Never fails: a bad config, a transcript of another case, a transcript without a clinician
  // turn or a template that does not render end the jury at Begin with a `config` reason.
  Jury(JuryConfig config, Transcript transcript, Case patient_case);

  // Handles one event and returns the effects to carry out, in order. Events that do not fit
  // (unknown or stale call ids, a second Begin, anything after the end) change nothing.
  std::vector<JuryEffect> handle(const JuryEvent &event);

  bool finished() const { return finished_; }
  const JuryConfig &config() const { return config_; }
  const Transcript &transcript() const { return transcript_; }

  // Verdicts recorded so far, in the order they completed.
  const std::vector<JurorVerdict> &verdicts() const { return verdicts_; }
  // aggregate_verdicts() of verdicts(), jurors in panel order.
  JuryResult result() const;

  // Progress: verdicts expected (jurors x 3) and recorded.
  size_t verdicts_expected() const { return config_.panel.size() * kDimensions.size(); }
  size_t calls_in_flight() const;

  // The rendered first user message of a task (juror, dimension; dimension ignored in combined
  // mode), "" before Begin. What the juror read, for logs and tests.
  std::string prompt_for(size_t juror, Dimension dimension) const;

  // Every event handled, in order.
  const std::vector<JuryEvent> &events() const { return events_; }

private:
  // One call sequence: a juror on one dimension, or on all three (combined).
  struct Task {
    size_t juror = 0;
    std::optional<Dimension> dimension;
    std::string prompt;               // the rubric rendered
    std::string call_id;              // of the call in flight, "" when none
    int attempts = 0;                 // calls made
    std::string reply;                // text of the call in flight
    std::vector<std::string> replies; // completed replies, in order
    bool done = false;
  };
  using Effects = std::vector<JuryEffect>;

  void begin(const Begin &e, Effects &out);
  void stream_delta(const StreamDelta &e);
  void call_done(const CallDone &e, Effects &out);
  void call_failed(const CallFailed &e, Effects &out);
  void stop(const Stop &e, Effects &out);

  Task *task_of(const std::string &call_id);
  void issue_call(Task &task, Effects &out);
  void finish_per_dimension(Task &task, int64_t at_ms, Effects &out);
  void finish_combined(Task &task, int64_t at_ms, Effects &out);
  void fail_task(Task &task, const StreamError &error, int64_t at_ms, Effects &out);
  JurorVerdict new_verdict(const Task &task, Dimension d, int64_t at_ms) const;
  void record(JurorVerdict verdict, Effects &out);
  void finish_if_done(Effects &out);
  const PromptTemplate &rubric_of(const Task &task, Dimension d) const;

  JuryConfig config_;
  Transcript transcript_;
  Case case_;
  std::vector<Task> tasks_;
  std::vector<JurorVerdict> verdicts_;
  std::vector<JuryEvent> events_;
  bool started_ = false;
  bool finished_ = false;
  int64_t begun_at_ms_ = 0;
  int calls_issued_ = 0;
};

} // namespace imc
