// The jury driver: the Jury's effects carried out with the transport and the store
// (jury_driver.h).
#include "jury_driver.h"

#include "transport/wire_log_record.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <exception>
#include <utility>

namespace imc::drivers {

namespace {

int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The endpoint's timeouts, none longer than `cap_ms` (JurorCall::timeout_ms; 0 = no cap).
EndpointTimeouts capped_timeouts(EndpointTimeouts timeouts, int64_t cap_ms) {
  if (cap_ms <= 0)
    return timeouts;
  const int cap = int(std::min<int64_t>(cap_ms, INT_MAX));
  timeouts.connect_ms = std::min(timeouts.connect_ms, cap);
  timeouts.first_byte_ms = std::min(timeouts.first_byte_ms, cap);
  timeouts.total_ms = std::min(timeouts.total_ms, cap);
  return timeouts;
}

} // namespace

JuryDriver::JuryDriver(const EndpointConfig &endpoints, transport::HttpTransport &transport,
                       JuryConfig config, Transcript transcript, Case patient_case,
                       JuryDriverOptions options)
    : endpoints_(endpoints), transport_(transport), options_(std::move(options)),
      jury_(std::move(config), std::move(transcript), std::move(patient_case)) {
  if (!options_.now_ms)
    options_.now_ms = system_now_ms;
}

JuryDriver::~JuryDriver() {
  cancel_all();
  for (auto &t : threads_)
    if (t.joinable())
      t.join();
}

int64_t JuryDriver::now() const { return options_.now_ms(); }

void JuryDriver::stop(std::string reason) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stop_requested_)
      return;
    stop_requested_ = true;
    stop_reason_ = std::move(reason);
  }
  ready_.notify_all();
}

void JuryDriver::post(Message message) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    inbox_.push_back(std::move(message));
  }
  ready_.notify_all();
}

void JuryDriver::cancel_all() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto &[id, token] : in_flight_)
    token.cancel();
}

Result<JuryOutcome> JuryDriver::run() {
  begun_at_ms_ = now();
  Status status = handle(Begin{begun_at_ms_});
  bool stop_fed = false;
  while (status && !finished_) {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait(lock, [&] { return !inbox_.empty() || (stop_requested_ && !stop_fed); });
    if (stop_requested_ && !stop_fed) {
      stop_fed = true;
      std::string reason = stop_reason_;
      lock.unlock();
      status = handle(Stop{now(), reason});
      continue;
    }
    Message message = std::move(inbox_.front());
    inbox_.pop_front();
    lock.unlock();
    if (auto *event = std::get_if<JuryEvent>(&message))
      status = handle(*event);
    else
      status = call_ended(std::get<CallEnded>(message));
  }
  // Calls of a stopped jury were cancelled; a store failure cancels the rest now.
  cancel_all();
  for (auto &t : threads_)
    t.join();
  threads_.clear();
  if (!status)
    return status.errors();
  // Wire logs of calls that ended after JuryFinished (cancelled ones) are still worth keeping.
  std::deque<Message> rest;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    rest.swap(inbox_);
  }
  for (auto &message : rest)
    if (auto *ended = std::get_if<CallEnded>(&message))
      if (status = call_ended(*ended); !status)
        return status.errors();
  outcome_.result = jury_.result();
  return std::move(outcome_);
}

Status JuryDriver::handle(const JuryEvent &event) {
  for (auto &effect : jury_.handle(event))
    pending_.push_back(std::move(effect));
  while (!pending_.empty()) {
    JuryEffect effect = std::move(pending_.front());
    pending_.pop_front();
    if (Status s = carry_out(effect); !s)
      return s;
  }
  return ok_status();
}

Status JuryDriver::carry_out(const JuryEffect &effect) {
  if (const auto *call = std::get_if<JurorCall>(&effect)) {
    start_call(*call);
  } else if (const auto *cancel = std::get_if<CancelCall>(&effect)) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = in_flight_.find(cancel->call_id); it != in_flight_.end())
      it->second.cancel();
  } else if (const auto *recorded = std::get_if<VerdictRecorded>(&effect)) {
    outcome_.verdicts.push_back(recorded->verdict);
    if (options_.callbacks.on_verdict)
      options_.callbacks.on_verdict(recorded->verdict, jury_.verdicts().size(),
                                    jury_.verdicts_expected());
  } else if (const auto *finished = std::get_if<JuryFinished>(&effect)) {
    finished_ = true;
    outcome_.complete = finished->complete;
    outcome_.reason = finished->reason;
    if (finished->complete && options_.store && !outcome_.verdicts.empty()) {
      if (Status s = options_.store->add_verdicts(outcome_.verdicts); !s)
        return s;
      outcome_.stored = true;
    }
  }
  return ok_status();
}

void JuryDriver::start_call(const JurorCall &call) {
  if (options_.callbacks.on_call)
    options_.callbacks.on_call(call);
  ++outcome_.calls;
  const Endpoint *found = endpoints_.find(call.endpoint);
  if (!found) {
    std::string names;
    for (const Endpoint &e : endpoints_.endpoints)
      names += (names.empty() ? "" : ", ") + e.name;
    post(CallFailed{call.call_id,
                    StreamError{ErrorKind::config,
                                "no endpoint '" + call.endpoint +
                                    "' in the endpoint config (endpoints: " +
                                    (names.empty() ? "none" : names) + ")",
                                std::nullopt, 0},
                    now()});
    return;
  }
  // The juror's model may differ from the endpoint's default (the jury config sets it).
  Endpoint endpoint = *found;
  endpoint.model = jury_.config().panel[call.juror].model;

  transport::CancelToken token;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    in_flight_[call.call_id] = token;
  }
  transport::CallOptions options;
  options.call_id = call.call_id + "@" + std::to_string(begun_at_ms_);
  options.cancel = token;
  if (call.timeout_ms > 0)
    options.timeouts = capped_timeouts(endpoint.timeouts, call.timeout_ms);
  threads_.emplace_back([this, endpoint = std::move(endpoint), request = call.request,
                         call_id = call.call_id, options = std::move(options)]() mutable {
    post(CallStarted{call_id, now()});
    ChatEventTranslator translator(call_id);
    options.on_event = [&](const ChatEvent &event) {
      if (auto translated = translator.translate(event, now()))
        post(*translated);
    };
    CallEnded ended{call_id, {}};
    try {
      ended.result = transport_.chat(endpoint, request, options);
    } catch (const std::exception &e) {
      // The transport reports failures as values; this is a last guard so that a bug in one
      // call cannot take the process down while the jury waits for it.
      post(CallFailed{call_id, StreamError{ErrorKind::protocol, e.what(), std::nullopt, 0}, now()});
    }
    post(std::move(ended));
  });
}

Status JuryDriver::call_ended(CallEnded &ended) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    in_flight_.erase(ended.call_id);
  }
  const transport::WireLog &log = ended.result.wire_log;
  if (log.call_id.empty())
    return ok_status(); // the call threw before the transport logged anything
  if (const auto &usage = ended.result.response.usage) {
    outcome_.tokens.input_tokens += usage->input_tokens;
    outcome_.tokens.output_tokens += usage->output_tokens;
  }
  outcome_.retries += std::max(0, int(log.attempts.size()) - 1);
  if (options_.callbacks.on_call_end)
    options_.callbacks.on_call_end(log);
  if (options_.store && options_.store_wire_logs) {
    const Transcript &t = jury_.transcript();
    auto stored =
        options_.store->add_wire_log(transport::to_wire_log_record(log, t.id, int(t.turns.size())));
    if (!stored)
      return stored.errors();
  }
  return ok_status();
}

} // namespace imc::drivers
