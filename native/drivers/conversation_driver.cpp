// The conversation driver: the engine's effects carried out with the transport and the store
// (conversation_driver.h).
#include "conversation_driver.h"

#include "transport/wire_log_record.h"

#include "imc/event_log.h"
#include "imc/image_fit.h"
#include "imc/provider.h"

#include <algorithm>
#include <chrono>
#include <utility>

namespace imc::drivers {

namespace {

int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The case images, fitted once to what the clinician endpoint's protocol accepts. An image that
// cannot be fitted is kept as read: the call's fit_request_images then fails it with the reason.
ConversationEngine engine_with_fitted_images(const EndpointConfig &endpoints,
                                             ConversationConfig config, ImageBytes images) {
  if (const Endpoint *clinician = endpoints.find(config.clinician_endpoint)) {
    const ImageLimits &limits = image_limits(clinician->protocol);
    for (auto &[path, bytes] : images)
      if (auto fitted = fit_image(bytes, limits, path); fitted && fitted->reencoded)
        bytes = std::move(fitted->bytes);
  }
  return ConversationEngine(std::move(config), std::move(images));
}

std::string endpoint_names(const EndpointConfig &endpoints) {
  std::string out;
  for (const Endpoint &e : endpoints.endpoints)
    out += (out.empty() ? "" : ", ") + e.name;
  return out.empty() ? "none" : out;
}

std::string joined_messages(const Errors &errors) {
  std::string out;
  for (const Error &e : errors)
    out += (out.empty() ? "" : "; ") + e.message();
  return out;
}

// The endpoint's timeouts, none longer than `cap_ms` (CallModel::timeout_ms; 0 = no cap).
EndpointTimeouts capped(EndpointTimeouts timeouts, int64_t cap_ms) {
  if (cap_ms <= 0)
    return timeouts;
  const int cap = int(std::min<int64_t>(cap_ms, INT32_MAX));
  timeouts.connect_ms = std::min(timeouts.connect_ms, cap);
  timeouts.first_byte_ms = std::min(timeouts.first_byte_ms, cap);
  timeouts.total_ms = std::min(timeouts.total_ms, cap);
  return timeouts;
}

} // namespace

ConversationDriver::ConversationDriver(const EndpointConfig &endpoints,
                                       transport::HttpTransport &transport,
                                       ConversationConfig config, ImageBytes images,
                                       ConversationDriverOptions options)
    : endpoints_(endpoints), transport_(transport), options_(std::move(options)),
      engine_(engine_with_fitted_images(endpoints, std::move(config), std::move(images))) {
  if (!options_.now_ms)
    options_.now_ms = system_now_ms;
}

int64_t ConversationDriver::now() const { return options_.now_ms(); }

// ---------------------------------------------------------------------------------------------
// Other threads

bool ConversationDriver::submit_human_turn(std::string text, bool end_consultation) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!awaiting_human_)
    return false;
  awaiting_human_ = false; // one message per AwaitHuman
  external_.push_back(HumanTurn{std::move(text), now(), end_consultation});
  external_ready_.notify_all();
  return true;
}

void ConversationDriver::stop(std::string reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  external_.push_back(Stop{now(), std::move(reason)});
  if (current_call_)
    current_call_->cancel();
  external_ready_.notify_all();
}

bool ConversationDriver::awaiting_human() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return awaiting_human_;
}

// ---------------------------------------------------------------------------------------------
// run()'s thread

Result<ConversationOutcome> ConversationDriver::run() {
  // A stop() before run() ends the conversation before it begins.
  std::optional<ConversationEvent> first;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = external_.begin(); it != external_.end(); ++it)
      if (std::holds_alternative<Stop>(*it)) {
        first = *it;
        external_.erase(external_.begin(), it + 1);
        break;
      }
  }
  Status status = feed(first ? *first : ConversationEvent{Begin{now()}});

  while (status) {
    if (status = feed_external(); !status)
      break;
    if (!pending_effects_.empty()) {
      ConversationEffect effect = std::move(pending_effects_.front());
      pending_effects_.pop_front();
      status = carry_out(effect);
      continue;
    }
    if (engine_.finished())
      break;
    if (engine_.phase() == ConversationPhase::awaiting_human) {
      std::unique_lock<std::mutex> lock(mutex_);
      external_ready_.wait(lock, [this] { return !external_.empty(); });
      continue;
    }
    // Every CallModel is carried out before the loop comes back here, so the engine always
    // waits for a person or has finished. Anything else is a bug: end the conversation visibly.
    status = feed(Stop{now(), "internal: the driver found nothing to do"});
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    awaiting_human_ = false;
  }
  if (!status)
    return status.errors();
  outcome_.transcript = transcript_with_refs();
  return outcome_;
}

Status ConversationDriver::feed(const ConversationEvent &event) {
  if (engine_.finished())
    return ok_status(); // nothing can change it now; keep the event log to what mattered
  std::vector<ConversationEffect> effects = engine_.handle(event);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    awaiting_human_ = engine_.phase() == ConversationPhase::awaiting_human;
  }
  if (options_.store) {
    if (!stored_begin_) {
      if (auto begun = begin_store(event); !begun)
        return begun;
    } else if (options_.store_event_log) {
      if (auto seq =
              options_.store->append_event(engine_.config().transcript_id, serialize_event(event));
          !seq)
        return seq.errors();
    }
  }
  for (ConversationEffect &effect : effects)
    pending_effects_.push_back(std::move(effect));
  return ok_status();
}

// The transcript exists from the first event the engine handled (Begin, or a Stop before it).
Status ConversationDriver::begin_store(const ConversationEvent &first) {
  Transcript header = engine_.transcript();
  header.turns.clear();
  if (auto begun = options_.store->begin_transcript(header); !begun)
    return begun;
  stored_begin_ = true;
  if (!options_.store_event_log)
    return ok_status();
  for (const std::string &line :
       {serialize_event_log_header(engine_.config()), serialize_event(first)})
    if (auto seq = options_.store->append_event(header.id, line); !seq)
      return seq.errors();
  return ok_status();
}

Status ConversationDriver::feed_external() {
  std::deque<ConversationEvent> events;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    events.swap(external_);
  }
  for (const ConversationEvent &event : events) {
    if (std::holds_alternative<HumanTurn>(event) &&
        engine_.phase() != ConversationPhase::awaiting_human)
      continue; // nobody asked: see submit_human_turn()
    if (auto fed = feed(event); !fed)
      return fed;
  }
  return ok_status();
}

Status ConversationDriver::carry_out(ConversationEffect &effect) {
  if (auto *call = std::get_if<CallModel>(&effect))
    return call_model(*call);
  if (auto *turn = std::get_if<TurnCommitted>(&effect))
    return persist_turn(turn->turn);
  if (auto *human = std::get_if<AwaitHuman>(&effect)) {
    if (options_.callbacks.on_await_human)
      options_.callbacks.on_await_human(*human);
    return ok_status();
  }
  if (auto *done = std::get_if<ConversationFinished>(&effect)) {
    if (options_.store)
      if (auto finished =
              options_.store->finish_transcript(engine_.config().transcript_id, done->status);
          !finished)
        return finished;
    if (options_.callbacks.on_finished)
      options_.callbacks.on_finished(transcript_with_refs());
    return ok_status();
  }
  // CancelCall: the call it names has already returned, since calls run on this thread; a
  // stop() from another thread cancelled its token directly.
  return ok_status();
}

const Endpoint *ConversationDriver::endpoint_named(const std::string &name) const {
  return endpoints_.find(name);
}

Status ConversationDriver::call_model(const CallModel &call) {
  if (engine_.in_flight_call_id() != call.call_id)
    return ok_status(); // stopped before it went out
  const int turn_index = engine_.in_flight()->index;
  if (options_.callbacks.on_call)
    options_.callbacks.on_call(call);
  ++outcome_.calls;

  const Endpoint *endpoint = endpoint_named(call.endpoint);
  if (!endpoint)
    return feed(CallFailed{
        call.call_id,
        StreamError{ErrorKind::config,
                    "no endpoint '" + call.endpoint +
                        "' in the endpoint config (endpoints: " + endpoint_names(endpoints_) + ")",
                    std::nullopt, 0},
        now()});
  ChatRequest request = call.request;
  if (auto fitted = fit_request_images(request, endpoint->protocol); !fitted)
    return feed(CallFailed{
        call.call_id,
        StreamError{ErrorKind::unsupported, joined_messages(fitted.errors()), std::nullopt, 0},
        now()});

  transport::CancelToken token;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    current_call_ = token;
  }
  Status status = feed(CallStarted{call.call_id, now()});
  ChatEventTranslator translator(call.call_id);
  bool terminal_seen = false;
  transport::CallOptions options;
  options.call_id = call.call_id;
  options.cancel = token;
  if (call.timeout_ms > 0)
    options.timeouts = capped(endpoint->timeouts, call.timeout_ms);
  options.on_event = [&](const ChatEvent &event) {
    if (!status)
      return; // the store failed: the call is being cancelled
    terminal_seen = terminal_seen || is_terminal(event);
    if (status = feed_external(); !status) {
      token.cancel();
      return;
    }
    if (engine_.in_flight_call_id() != call.call_id) {
      token.cancel(); // stopped: stop paying for tokens nobody will read
      return;
    }
    if (const auto *delta = std::get_if<TextDelta>(&event); delta && options_.callbacks.on_delta)
      options_.callbacks.on_delta(call.call_id, call.role, delta->text);
    if (auto translated = translator.translate(event, now()))
      if (status = feed(*translated); !status)
        token.cancel();
  };
  transport::CallResult result;
  if (status)
    result = transport_.chat(*endpoint, request, options);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    current_call_.reset();
  }
  if (!status)
    return status;

  if (const auto &usage = result.response.usage) {
    outcome_.tokens.input_tokens += usage->input_tokens;
    outcome_.tokens.output_tokens += usage->output_tokens;
  }
  outcome_.retries += std::max(0, int(result.wire_log.attempts.size()) - 1);
  if (options_.callbacks.on_call_end)
    options_.callbacks.on_call_end(result.wire_log);
  // Stored before the turn that names it (the TurnCommitted effect is still queued).
  if (options_.store && options_.store_wire_logs) {
    auto id = options_.store->add_wire_log(
        transport::to_wire_log_record(result.wire_log, engine_.config().transcript_id, turn_index));
    if (!id)
      return id.errors();
    wire_log_of_turn_[turn_index] = call.call_id;
  }
  if (auto fed = feed_external(); !fed)
    return fed;
  // The transport promises exactly one terminal event; should one ever be missing, the call
  // failed rather than hung.
  if (!terminal_seen && engine_.in_flight_call_id() == call.call_id)
    return feed(CallFailed{
        call.call_id,
        result.response.error.value_or(StreamError{
            ErrorKind::protocol, "the call ended without a final event", std::nullopt, 0}),
        now()});
  return ok_status();
}

Status ConversationDriver::persist_turn(Turn &turn) {
  if (auto it = wire_log_of_turn_.find(turn.index); it != wire_log_of_turn_.end())
    turn.wire_log_refs.push_back(it->second);
  if (options_.store)
    if (auto appended = options_.store->append_turn(engine_.config().transcript_id, turn);
        !appended)
      return appended;
  if (options_.callbacks.on_turn)
    options_.callbacks.on_turn(turn);
  return ok_status();
}

Transcript ConversationDriver::transcript_with_refs() const {
  Transcript t = engine_.transcript();
  for (Turn &turn : t.turns)
    if (auto it = wire_log_of_turn_.find(turn.index); it != wire_log_of_turn_.end())
      turn.wire_log_refs = {it->second};
  return t;
}

} // namespace imc::drivers
