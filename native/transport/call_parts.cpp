#include "call_parts.h"

#include <algorithm>
#include <variant>

namespace imc::transport::detail {

StreamError make_error(ErrorKind kind, std::string message) {
  StreamError e;
  e.kind = kind;
  e.message = std::move(message);
  return e;
}

bool is_success_status(int status) { return status >= 200 && status < 300; }

StreamError abort_error(AbortReason reason, const std::string &origin,
                        const EndpointTimeouts &timeouts) {
  switch (reason) {
  case AbortReason::cancelled:
    return make_error(ErrorKind::cancelled, "the call was cancelled");
  case AbortReason::first_byte_timeout:
    return make_error(ErrorKind::timeout, "no response from " + origin + " within " +
                                              std::to_string(timeouts.first_byte_ms) +
                                              " ms (timeouts.first_byte_ms)");
  case AbortReason::total_timeout:
  case AbortReason::none:
    break;
  }
  return make_error(ErrorKind::timeout, "the call to " + origin + " did not finish within " +
                                            std::to_string(timeouts.total_ms) +
                                            " ms (timeouts.total_ms)");
}

StreamError transport_failure(TransportFailure failure, const std::string &origin, const Attempt &a,
                              int64_t connect_ms, const std::string &detail) {
  switch (failure) {
  case TransportFailure::connect:
    return make_error(ErrorKind::network,
                      "could not connect to " + origin + " (refused, unreachable or unknown host)");
  case TransportFailure::connect_timeout:
    return make_error(ErrorKind::timeout, "connecting to " + origin + " timed out after " +
                                              std::to_string(connect_ms) +
                                              " ms (timeouts.connect_ms)");
  case TransportFailure::bind:
    return make_error(ErrorKind::network, "could not bind a local address to reach " + origin);
  case TransportFailure::write:
    return make_error(ErrorKind::network,
                      "the connection to " + origin + " closed while the request was sent");
  case TransportFailure::tls_handshake:
    return make_error(ErrorKind::network, "the TLS handshake with " + origin + " failed");
  case TransportFailure::tls_verification:
    return make_error(ErrorKind::network,
                      "the TLS certificate of " + origin + " could not be verified");
  case TransportFailure::ca_certificates:
    return make_error(ErrorKind::config, "the system's CA certificates could not be loaded");
  case TransportFailure::decompression:
    return make_error(ErrorKind::protocol,
                      "the response from " + origin + " could not be decompressed");
  case TransportFailure::read:
    if (!a.head)
      return make_error(ErrorKind::network,
                        "the connection to " + origin + " closed or was reset before a response");
    return make_error(ErrorKind::network, "the connection to " + origin +
                                              " closed or was reset after " +
                                              std::to_string(a.bytes) + " bytes of the response");
  case TransportFailure::other:
    break;
  }
  return make_error(ErrorKind::network, "the request to " + origin + " failed: " + detail);
}

HttpRequest logged_request(const HttpRequest &outgoing, const HttpRequest &original, bool with_body,
                           const SecretValues &secrets) {
  HttpRequest logged;
  logged.method = outgoing.method;
  logged.url = outgoing.url;
  logged.headers = outgoing.headers;
  logged.stream = outgoing.stream;
  if (with_body)
    logged.body = outgoing.body;
  logged.auth = original.auth;
  logged = redact(std::move(logged));
  logged.auth.clear();
  for (auto &[name, value] : logged.headers)
    secrets.scrub_in_place(value);
  secrets.scrub_in_place(logged.url);
  secrets.scrub_in_place(logged.body);
  return logged;
}

std::optional<StreamError> limiter_error(WaitEnd end, const Endpoint &endpoint,
                                         const EndpointTimeouts &timeouts) {
  if (end == WaitEnd::cancelled)
    return make_error(ErrorKind::cancelled, "the call was cancelled while it waited for "
                                            "endpoint " +
                                                endpoint.name + "'s limits");
  if (end == WaitEnd::deadline)
    return make_error(ErrorKind::timeout,
                      "endpoint " + endpoint.name +
                          "'s limits (limits.concurrency, requests_per_minute, tokens_per_minute) "
                          "would delay the call beyond " +
                          std::to_string(timeouts.total_ms) + " ms (timeouts.total_ms)");
  return std::nullopt;
}

bool provider_did_not_process(const StreamError &e) {
  return e.kind == ErrorKind::rate_limited || e.kind == ErrorKind::overloaded ||
         e.kind == ErrorKind::network || e.kind == ErrorKind::config ||
         e.kind == ErrorKind::cancelled;
}

// --- Delivery -----------------------------------------------------------------------------------

void Delivery::begin_attempt() {
  if (!passed_on_)
    held_.clear();
}

void Delivery::route(std::vector<ChatEvent> &events, Attempt &attempt) {
  for (auto &event : events) {
    if (attempt.terminal || attempt.failure)
      return;
    if (const auto *error = std::get_if<StreamError>(&event)) {
      if (!passed_on_) {
        attempt.failure = *error;
        attempt.retryable = is_retryable_kind(error->kind);
        held_.clear();
      } else {
        deliver(event);
        attempt.terminal = true;
      }
      continue;
    }
    if (!passed_on_ && std::holds_alternative<Usage>(event)) {
      held_.push_back(std::move(event));
      continue;
    }
    if (!passed_on_) {
      passed_on_ = true;
      for (const auto &held : held_)
        deliver(held);
      held_.clear();
    }
    if (std::holds_alternative<TextDelta>(event) && !ttft_ms_)
      ttft_ms_ = clock_.steady_ms() - start_;
    const bool finish = std::holds_alternative<Finish>(event);
    deliver(event);
    attempt.terminal = attempt.terminal || finish;
  }
}

void Delivery::fail(const StreamError &error) {
  if (response_.finish || response_.error)
    return;
  deliver(error);
}

void Delivery::deliver(const ChatEvent &event) {
  if (const auto *error = std::get_if<StreamError>(&event); error && !secrets_.empty()) {
    StreamError scrubbed = *error; // a provider may quote the credentials it was sent
    secrets_.scrub_in_place(scrubbed.message);
    deliver_as_is(scrubbed);
    return;
  }
  deliver_as_is(event);
}

void Delivery::deliver_as_is(const ChatEvent &event) {
  apply_event(response_, event);
  if (on_event_) {
    on_event_(event);
    unflushed_ = true;
  }
}

// --- CallContext --------------------------------------------------------------------------------

CallContext::CallContext(const Endpoint &endpoint, const HttpRequest &request, CallOptions options,
                         const TransportOptions &settings, Clock &clock, std::string call_id)
    : endpoint_(endpoint), request_(request), options_(std::move(options)), settings_(settings),
      clock_(clock), start_(clock.steady_ms()),
      timeouts_(options_.timeouts.value_or(endpoint.timeouts)),
      policy_(options_.retry.value_or(settings.retry)),
      deadline_(start_ + std::max(1, timeouts_.total_ms)),
      delivery_(options_.on_event, options_.on_read_end, clock, start_, secrets_) {
  WireLog &log = result_.wire_log;
  log.call_id = std::move(call_id);
  log.endpoint = endpoint.name;
  log.protocol = to_string(endpoint.protocol);
  log.started_unix_ms = clock.unix_ms();
  // The request is logged by next_outgoing() or, if it carries no keys, by finish().
}

std::optional<StreamError> CallContext::prepare() {
  auto url = split_url(request_.url);
  if (!url)
    return make_error(ErrorKind::config,
                      "endpoint " + endpoint_.name + ": " + format_errors(url.errors()));
  url_ = std::move(*url);
  if (request_.auth.empty())
    return std::nullopt; // no key to look for (and no copy of the request to look with)
  // A missing key is a config error now, not after a wait for the limiter.
  HttpRequest probe = request_;
  if (auto status = add_secrets(probe, settings_.env, clock_.unix_ms(), secrets_); !status)
    return make_error(ErrorKind::config, describe_secret_errors(status.errors()));
  return std::nullopt;
}

std::optional<StreamError> CallContext::next_outgoing(HttpRequest &outgoing,
                                                      const HttpRequest *&sending) {
  if (request_.auth.empty()) {
    sending = &request_;
    return std::nullopt;
  }
  sending = &outgoing;
  outgoing = request_;
  if (auto status = add_secrets(outgoing, settings_.env, clock_.unix_ms(), secrets_); !status)
    return make_error(ErrorKind::config, describe_secret_errors(status.errors()));
  result_.wire_log.request = logged_request(outgoing, request_, options_.wire_log_bodies, secrets_);
  request_logged_ = true;
  return std::nullopt;
}

bool CallContext::record(Attempt a) {
  WireLog &log = result_.wire_log;
  if (a.failure)
    a.record.error = a.failure;
  log.attempts.push_back(std::move(a.record));
  log.response = std::move(a.head).value_or(HttpResponseHead{}); // (the attempt's own: moved)
  log.response_body = std::move(a.body);
  log.response_bytes = a.bytes;
  log.response_truncated = a.bytes > static_cast<int64_t>(log.response_body.size());
  failure_ = a.failure;
  retryable_ = a.retryable;
  stale_connection_ = a.stale_connection;
  return a.terminal;
}

CallContext::Next CallContext::next_step(double random01, int64_t now_ms) {
  WireLog &log = result_.wire_log;
  Next next;
  next.failure = *failure_;
  StreamError &failure = next.failure;
  if (stale_connection_ && !stale_retry_used_) {
    stale_retry_used_ = true; // the server closed an idle kept-alive connection: just redo it
    next.retry = true;
    return next;
  }
  bool retry = retryable_ && retries_ < policy_.max_retries && !options_.cancel.cancelled();
  int64_t delay = 0;
  if (retry && failure.retry_after_ms && *failure.retry_after_ms > policy_.max_retry_after_ms) {
    retry = false;
    failure.message += " (the server asked to wait " +
                       std::to_string(*failure.retry_after_ms / 1000) +
                       " s, longer than the retry policy allows)";
  } else if (retry) {
    delay = backoff_delay_ms(policy_, retries_, failure.retry_after_ms, random01);
    if (now_ms + delay >= deadline_) {
      retry = false;
      failure.message += " (no time left within timeouts.total_ms to wait " +
                         std::to_string(delay) + " ms and retry)";
    }
  }
  if (!retry) {
    if (log.attempts.size() > 1)
      failure.message += " (after " + std::to_string(log.attempts.size()) + " attempts)";
    return next;
  }
  log.attempts.back().retry_delay_ms = delay;
  ++retries_;
  next.retry = true;
  next.delay_ms = delay;
  return next;
}

CallResult CallContext::finish(std::optional<StreamError> error) {
  WireLog &log = result_.wire_log;
  if (!request_logged_) // as the call was given it: it had no keys, or no attempt went out
    log.request = logged_request(request_, request_, options_.wire_log_bodies, secrets_);
  if (error) {
    secrets_.scrub_in_place(error->message);
    delivery_.fail(*error);
  }
  const ChatResponse &response = delivery_.response();
  if (permit) {
    if (response.error && !delivery_.passed_on() && provider_did_not_process(*response.error))
      permit->refund();
    else if (response.usage)
      permit->settle(response.usage->input_tokens + response.usage->output_tokens);
  }
  log.status = response.error ? to_string(response.error->kind) : "ok";
  log.error_message = response.error ? response.error->message : "";
  log.usage = response.usage;
  log.finish = response.finish;
  log.ttft_ms = delivery_.ttft_ms();
  log.ended_unix_ms = clock_.unix_ms();
  log.latency_ms = clock_.steady_ms() - start_;
  log.http_status = log.response.status;
  secrets_.scrub_in_place(log.response_body);
  for (auto &attempt : log.attempts)
    if (attempt.error)
      secrets_.scrub_in_place(attempt.error->message);
  for (auto &[name, value] : log.response.headers)
    secrets_.scrub_in_place(value);
  result_.response = response;
  return std::move(result_);
}

} // namespace imc::transport::detail
