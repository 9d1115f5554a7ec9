#pragma once
// The parts of one model call that do not depend on how bytes move: what an attempt records,
// how events are passed on (held until the first text so an early failure can be retried), the
// retry decision, and the final CallResult with its wire log. Shared by the blocking loop
// (HttpTransport::send, cpp-httplib on the calling thread) and the event loop
// (stream_engine.h, libcurl's multi interface on one thread), so both keep the same promises.
#include "attempt_watchdog.h"
#include "http_transport.h"
#include "secrets.h"

#include "imc/provider.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace imc::transport::detail {

// After the reply is complete, read at most this much more (a trailing [DONE], keep-alive
// hygiene) before dropping the connection.
constexpr size_t kDrainAfterDone = 64 * 1024;

StreamError make_error(ErrorKind kind, std::string message);
bool is_success_status(int status);
StreamError abort_error(AbortReason reason, const std::string &origin,
                        const EndpointTimeouts &timeouts);

struct Attempt;
// How an exchange failed, whichever HTTP library ran it (cpp-httplib's Error, libcurl's
// CURLcode): each maps its codes here, so both paths word a failure alike.
enum class TransportFailure {
  connect,         // refused, unreachable, unknown host
  connect_timeout, // timeouts.connect_ms passed
  bind,            // no local address
  write,           // closed while the request was sent
  read,            // closed or reset before or during the response
  tls_handshake,
  tls_verification,
  ca_certificates,
  decompression,
  other, // `detail` says what
};
StreamError transport_failure(TransportFailure failure, const std::string &origin,
                              const Attempt &attempt, int64_t connect_ms,
                              const std::string &detail = "");
// The request as logged: redacted like core redact() does, including the headers its own
// AuthNeeds named (restored for that purpose), and scrubbed of every secret value.
HttpRequest logged_request(const HttpRequest &outgoing, const HttpRequest &original, bool with_body,
                           const SecretValues &secrets);
// The limiter's wait ended without a permit: the call's error (nullopt when it ended ok).
std::optional<StreamError> limiter_error(WaitEnd end, const Endpoint &endpoint,
                                         const EndpointTimeouts &timeouts);
// Errors after which the provider did not process the request (its token estimate goes back).
bool provider_did_not_process(const StreamError &e);

// One attempt's state, filled as the response arrives.
struct Attempt {
  WireAttempt record;
  std::optional<HttpResponseHead> head;
  std::optional<ChatStreamDecoder> decoder;
  std::string body; // the first wire_log_body_cap bytes
  int64_t bytes = 0;
  size_t drained_after_done = 0;
  bool terminal = false;              // the call's terminal event went to the caller
  std::optional<StreamError> failure; // the attempt failed before anything was passed on
  bool retryable = false;
  bool stale_connection = false; // a reused connection died before any response
};

// What the caller has been given, across attempts. Usage events are held until text or the
// finish arrives, so an attempt that fails early has passed nothing on and may be retried.
class Delivery {
public:
  Delivery(const std::function<void(const ChatEvent &)> &on_event,
           const std::function<void()> &on_read_end, Clock &clock, int64_t start,
           const SecretValues &secrets)
      : on_event_(on_event), on_read_end_(on_read_end), clock_(clock), start_(start),
        secrets_(secrets) {}

  bool passed_on() const { return passed_on_; }
  const ChatResponse &response() const { return response_; }
  std::optional<int64_t> ttft_ms() const { return ttft_ms_; }

  void begin_attempt();
  // Usage events may be moved out of `events` (held until the first delta).
  void route(std::vector<ChatEvent> &events, Attempt &attempt);
  void route(std::vector<ChatEvent> &&events, Attempt &attempt) { route(events, attempt); }
  // The call's terminal error (nothing more follows).
  void fail(const StreamError &error);
  // A read of the response ends: CallOptions::on_read_end, if it passed an event on.
  void read_end() {
    if (!unflushed_)
      return;
    unflushed_ = false;
    if (on_read_end_)
      on_read_end_();
  }

private:
  void deliver(const ChatEvent &event);
  void deliver_as_is(const ChatEvent &event);

  const std::function<void(const ChatEvent &)> &on_event_;
  const std::function<void()> &on_read_end_;
  Clock &clock_;
  int64_t start_;
  const SecretValues &secrets_;
  ChatResponse response_;
  std::vector<ChatEvent> held_;
  bool passed_on_ = false;
  bool unflushed_ = false; // an event passed on since the last read_end()
  std::optional<int64_t> ttft_ms_;
};

// One call from its start to its CallResult. Not movable: the delivery refers to its members.
//
//   CallContext call(endpoint, request, options, settings, clock, call_id);
//   if (auto e = call.prepare()) return call.finish(*e);
//   ... acquire the limiter permit into call.permit ...
//   for (;;) {
//     HttpRequest outgoing; if (auto e = call.next_outgoing(outgoing)) return call.finish(*e);
//     Attempt a = <run it>; if (call.record(std::move(a))) return call.finish(std::nullopt);
//     auto next = call.next_step(random01, now); if (!next.retry) return call.finish(next.failure);
//     <wait next.delay_ms, then the limiter's request bucket>
//   }
class CallContext {
public:
  CallContext(const Endpoint &endpoint, const HttpRequest &request, CallOptions options,
              const TransportOptions &settings, Clock &clock, std::string call_id);
  CallContext(const CallContext &) = delete;
  CallContext &operator=(const CallContext &) = delete;

  // The URL and the key variables; an error ends the call before any wait or traffic.
  std::optional<StreamError> prepare();
  // The request of the next attempt: `sending` points at it. A request with keys to add gets
  // them in `outgoing`, a copy (logged redacted now: each attempt's differ); one without is sent
  // as the call was given it, uncopied, and logged once, when the call ends.
  std::optional<StreamError> next_outgoing(HttpRequest &outgoing, const HttpRequest *&sending);
  // An attempt ended. True when the call is over (its terminal event was passed on).
  bool record(Attempt attempt);

  struct Next {
    bool retry = false;
    int64_t delay_ms = 0; // before the next attempt
    StreamError failure;  // the call's end when !retry
  };
  // After an attempt that ended without its terminal event: retry (now or after a backoff) or
  // end with the failure.
  Next next_step(double random01, int64_t now_ms);
  // The end of the call: the terminal error (if any) is passed on, the permit settled, the
  // wire log completed and scrubbed.
  CallResult finish(std::optional<StreamError> error);

  const Endpoint &endpoint() const { return endpoint_; }
  const CallOptions &options() const { return options_; }
  const UrlParts &url() const { return *url_; }
  const UrlParts *prepared_url() const { return url_ ? &*url_ : nullptr; } // (prepare() ran)
  const std::string &request_url() const { return request_.url; }
  const EndpointTimeouts &timeouts() const { return timeouts_; }
  int64_t start_ms() const { return start_; }
  int64_t deadline_ms() const { return deadline_; }
  size_t attempts() const { return result_.wire_log.attempts.size(); }
  const StreamError &last_error() const { return *result_.wire_log.attempts.back().error; }
  Delivery &delivery() { return delivery_; }
  WireLog &log() { return result_.wire_log; }

  std::optional<EndpointLimiter::Permit> permit;

private:
  const Endpoint &endpoint_;
  const HttpRequest &request_;
  CallOptions options_;
  const TransportOptions &settings_;
  Clock &clock_;
  int64_t start_;
  EndpointTimeouts timeouts_;
  RetryPolicy policy_;
  int64_t deadline_;
  CallResult result_;
  SecretValues secrets_;
  Delivery delivery_;
  std::optional<UrlParts> url_;
  std::optional<StreamError> failure_; // of the last attempt
  bool request_logged_ = false; // by an attempt (next_outgoing)
  bool stale_connection_ = false;
  bool stale_retry_used_ = false;
  bool retryable_ = false;
  int retries_ = 0;
};

} // namespace imc::transport::detail
