#pragma once
// Runs one ConversationEngine (core/include/imc/conversation.h) to its end against real
// endpoints: the engine's effects are carried out with the HTTP transport and the store, and
// what happens is fed back to it as events stamped with the wall clock. `imc run` runs one driver
// per work item; `imc serve` and the studio run one per live session.
//
//   ConversationDriver driver(endpoints, transport, config, images, {&store});
//   auto outcome = driver.run();                 // blocks until ConversationFinished
//   ... from another thread: driver.submit_human_turn("It itches"), driver.stop() ...
//
// Effects:
// - CallModel: the endpoint is looked up by name in the EndpointConfig (an unknown name fails
//   the call with a `config` error); the request's images are fitted to the endpoint's protocol
//   (once per conversation for the case images, fit_request_images per call as a guard) and the
//   call goes out through HttpTransport::chat with the call's id, a CancelToken, and
//   CallModel::timeout_ms as a cap on the endpoint's total timeout. CallStarted is reported when
//   the call is handed to the transport, so latency and time to first token include any wait for
//   the endpoint's limits (the wire log's limiter_wait_ms says how long). Decoded ChatEvents are
//   translated (ChatEventTranslator) and fed to the engine as they arrive.
// - CancelCall: cancels that call's token (the transport aborts within milliseconds).
// - AwaitHuman: reported through the callbacks; the driver then waits for submit_human_turn()
//   or stop() from any thread.
// - TurnCommitted: the turn is stored (Store::append_turn, one transaction), with the call's wire
//   log id in its wire_log_refs when the wire log was stored.
// - ConversationFinished: Store::finish_transcript with the engine's status.
//
// Persistence (when a store is given): begin_transcript right after Begin (the header of the
// engine's transcript), then in order each event of the event log (seq 0 the header line, then
// one row per event the engine handled, docs/FORMATS.md "Event log"), each call's wire log
// before the turn that references it, each turn, and the final status. A process killed at any
// instant leaves the transcript incomplete (never complete), which a resumed run redoes.
//
// Threads: run() does all engine and store work on the calling thread, which must own `store`
// (Store is one connection per thread). submit_human_turn() and stop() may be called from any
// thread at any time, also before run() and after it returned. Callbacks run on run()'s thread.
#include "store/store.h"
#include "transport/http_transport.h"

#include "imc/conversation.h"
#include "imc/endpoint_config.h"
#include "imc/result.h"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace imc::drivers {

// What a driver reports while it runs, on run()'s thread. Any may be left empty.
struct ConversationCallbacks {
  std::function<void(const CallModel &)> on_call; // a model call is about to go out
  std::function<void(const std::string &call_id, Role role, const std::string &text)>
      on_delta;                                                // reply text as it streams
  std::function<void(const transport::WireLog &)> on_call_end; // a call ended (ok or not)
  std::function<void(const Turn &)> on_turn;                   // a turn was committed (and stored)
  std::function<void(const AwaitHuman &)> on_await_human;      // answer with submit_human_turn()
  std::function<void(const Transcript &)> on_finished;         // the final transcript
};

struct ConversationDriverOptions {
  store::Store *store = nullptr;   // persist here (owned by run()'s thread); nullptr = nowhere
  bool store_event_log = true;     // the event log rows (only with a store)
  bool store_wire_logs = true;     // one wire_logs row per call (only with a store)
  std::function<int64_t()> now_ms; // wall clock, ms since the Unix epoch; default system clock
  ConversationCallbacks callbacks;
};

struct ConversationOutcome {
  Transcript transcript; // as stored: the engine's, plus wire_log_refs
  Usage tokens;          // summed over every call that reported usage
  int calls = 0;         // model calls made (CallModel effects carried out)
  int retries = 0;       // extra attempts the transport made
};

class ConversationDriver {
public:
  // `endpoints` and `transport` must outlive the driver. `images` are the case images' bytes as
  // read from the pack (see ImageBytes); they are fitted to the clinician endpoint here.
  ConversationDriver(const EndpointConfig &endpoints, transport::HttpTransport &transport,
                     ConversationConfig config, ImageBytes images = {},
                     ConversationDriverOptions options = {});
  ConversationDriver(const ConversationDriver &) = delete;
  ConversationDriver &operator=(const ConversationDriver &) = delete;

  // Runs the conversation until the engine finishes; call once. The outcome holds the final
  // transcript whatever its state (a failed call is an outcome, not an error). Errors only when
  // the store refuses or fails a write (begin_transcript of an id or work key already taken, a
  // full disk, a lock held past the busy timeout): the conversation is then abandoned at once,
  // its call cancelled, and the stored transcript left incomplete.
  Result<ConversationOutcome> run();

  // Thread-safe. The human patient's next message. Returns false, dropping it (not fed, not
  // logged), when the engine is not awaiting one (see awaiting_human()).
  bool submit_human_turn(std::string text, bool end_consultation = false);
  // Thread-safe. Ends the conversation as incomplete with `reason` ("" reads "stopped by the
  // user"), cancelling the call in flight. Before run(): run() ends at once.
  void stop(std::string reason = "");
  // Thread-safe: whether the engine is waiting for submit_human_turn().
  bool awaiting_human() const;

  const ConversationEngine &engine() const { return engine_; } // run()'s thread only

private:
  using Effects = std::vector<ConversationEffect>;

  int64_t now() const;
  Status feed(const ConversationEvent &event);
  Status feed_external();
  Status begin_store(const ConversationEvent &first);
  Status carry_out(ConversationEffect &effect);
  Status call_model(const CallModel &call);
  Status persist_turn(Turn &turn);
  Transcript transcript_with_refs() const;
  const Endpoint *endpoint_named(const std::string &name) const;

  const EndpointConfig &endpoints_;
  transport::HttpTransport &transport_;
  ConversationDriverOptions options_;
  ConversationEngine engine_; // holds the case images fitted to the clinician endpoint
  std::deque<ConversationEffect> pending_effects_;
  bool stored_begin_ = false;
  std::map<int, std::string> wire_log_of_turn_; // turn index -> stored wire log's call id
  ConversationOutcome outcome_;

  // Shared with other threads.
  mutable std::mutex mutex_;
  std::condition_variable external_ready_;
  std::deque<ConversationEvent> external_; // HumanTurn and Stop, in arrival order
  std::optional<transport::CancelToken> current_call_;
  bool awaiting_human_ = false;
};

} // namespace imc::drivers
