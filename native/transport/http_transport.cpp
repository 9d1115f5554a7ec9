#include "http_transport.h"

#include "attempt_watchdog.h"
#include "connection_pool.h"
#include "secrets.h"

#include "imc/provider.h"

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <random>
#include <variant>

namespace imc::transport {

namespace {

// After the reply is complete, read at most this much more (a trailing [DONE], keep-alive
// hygiene) before dropping the connection.
constexpr size_t kDrainAfterDone = 64 * 1024;

StreamError make_error(ErrorKind kind, std::string message) {
  StreamError e;
  e.kind = kind;
  e.message = std::move(message);
  return e;
}

bool is_success_status(int status) { return status >= 200 && status < 300; }

bool iequals(const std::string &a, const char *b) {
  size_t i = 0;
  for (; i < a.size() && b[i]; ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return i == a.size() && !b[i];
}

void set_timeout_ms(httplib::Client &client, void (httplib::Client::*setter)(time_t, time_t),
                    int64_t ms) {
  ms = std::max<int64_t>(1, ms);
  (client.*setter)(static_cast<time_t>(ms / 1000), static_cast<time_t>((ms % 1000) * 1000));
}

// One attempt's state, filled by cpp-httplib's callbacks on the calling thread.
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
  Delivery(const std::function<void(const ChatEvent &)> &on_event, Clock &clock, int64_t start,
           const SecretValues &secrets)
      : on_event_(on_event), clock_(clock), start_(start), secrets_(secrets) {}

  bool passed_on() const { return passed_on_; }
  const ChatResponse &response() const { return response_; }
  std::optional<int64_t> ttft_ms() const { return ttft_ms_; }

  void begin_attempt() {
    if (!passed_on_)
      held_.clear();
  }

  void route(std::vector<ChatEvent> events, Attempt &attempt) {
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

  // The call's terminal error (nothing more follows).
  void fail(const StreamError &error) {
    if (response_.finish || response_.error)
      return;
    deliver(error);
  }

private:
  void deliver(const ChatEvent &event) {
    if (const auto *error = std::get_if<StreamError>(&event); error && !secrets_.empty()) {
      StreamError scrubbed = *error; // a provider may quote the credentials it was sent
      scrubbed.message = secrets_.scrub(scrubbed.message);
      deliver_as_is(scrubbed);
      return;
    }
    deliver_as_is(event);
  }

  void deliver_as_is(const ChatEvent &event) {
    apply_event(response_, event);
    if (on_event_)
      on_event_(event);
  }

  const std::function<void(const ChatEvent &)> &on_event_;
  Clock &clock_;
  int64_t start_;
  const SecretValues &secrets_;
  ChatResponse response_;
  std::vector<ChatEvent> held_;
  bool passed_on_ = false;
  std::optional<int64_t> ttft_ms_;
};

StreamError transport_error(httplib::Error error, const std::string &origin, const Attempt &a,
                            int64_t connect_ms) {
  switch (error) {
  case httplib::Error::Connection:
    return make_error(ErrorKind::network,
                      "could not connect to " + origin + " (refused, unreachable or unknown host)");
  case httplib::Error::ConnectionTimeout:
    return make_error(ErrorKind::timeout, "connecting to " + origin + " timed out after " +
                                              std::to_string(connect_ms) +
                                              " ms (timeouts.connect_ms)");
  case httplib::Error::BindIPAddress:
    return make_error(ErrorKind::network, "could not bind a local address to reach " + origin);
  case httplib::Error::Write:
    return make_error(ErrorKind::network,
                      "the connection to " + origin + " closed while the request was sent");
  case httplib::Error::SSLConnection:
    return make_error(ErrorKind::network, "the TLS handshake with " + origin + " failed");
  case httplib::Error::SSLServerVerification:
    return make_error(ErrorKind::network,
                      "the TLS certificate of " + origin + " could not be verified");
  case httplib::Error::SSLLoadingCerts:
    return make_error(ErrorKind::config, "the system's CA certificates could not be loaded");
  case httplib::Error::Compression:
    return make_error(ErrorKind::protocol,
                      "the response from " + origin + " could not be decompressed");
  case httplib::Error::Read:
    if (!a.head)
      return make_error(ErrorKind::network,
                        "the connection to " + origin + " closed or was reset before a response");
    return make_error(ErrorKind::network, "the connection to " + origin +
                                              " closed or was reset after " +
                                              std::to_string(a.bytes) + " bytes of the response");
  default:
    break;
  }
  return make_error(ErrorKind::network,
                    "the request to " + origin + " failed: " + httplib::to_string(error));
}

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

HttpResponseHead head_of(const httplib::Response &response, int64_t unix_ms) {
  HttpResponseHead head;
  head.status = response.status;
  for (const auto &[name, value] : response.headers)
    head.headers.emplace_back(name, value);
  head.received_at_ms = unix_ms;
  return head;
}

// The request as logged: redacted like core redact() does, including the headers its own
// AuthNeeds named (restored for that purpose), and scrubbed of every secret value.
HttpRequest logged_request(const HttpRequest &outgoing, const HttpRequest &original,
                           const SecretValues &secrets) {
  HttpRequest logged = outgoing;
  logged.auth = original.auth;
  logged = redact(std::move(logged));
  logged.auth.clear();
  for (auto &[name, value] : logged.headers)
    value = secrets.scrub(value);
  logged.url = secrets.scrub(logged.url);
  logged.body = secrets.scrub(logged.body);
  return logged;
}

bool provider_did_not_process(const StreamError &e) {
  return e.kind == ErrorKind::rate_limited || e.kind == ErrorKind::overloaded ||
         e.kind == ErrorKind::network || e.kind == ErrorKind::config ||
         e.kind == ErrorKind::cancelled;
}

} // namespace

// ---------------------------------------------------------------------------------------------

struct HttpTransport::Impl {
  explicit Impl(TransportOptions o)
      : options(std::move(o)), clock(options.clock ? *options.clock : Clock::system()),
        limiters(options.limiters ? *options.limiters : LimiterRegistry::process()),
        pool(options.max_idle_connections_per_origin), rng(std::random_device{}()) {
    if (!options.env)
      options.env = process_env();
  }

  double random01() {
    if (options.random)
      return options.random();
    std::lock_guard<std::mutex> lock(random_mutex);
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
  }

  std::string new_call_id() {
    std::lock_guard<std::mutex> lock(random_mutex);
    char id[32];
    std::snprintf(id, sizeof id, "call-%016llx", static_cast<unsigned long long>(rng()));
    return id;
  }

  CallResult send(const Endpoint &endpoint, const HttpRequest &request, const CallOptions &call);
  Attempt run_attempt(const HttpRequest &outgoing, const UrlParts &url, Protocol protocol,
                      const EndpointTimeouts &timeouts, int64_t start, int64_t deadline,
                      const CancelToken &cancel, Delivery &delivery);

  TransportOptions options;
  Clock &clock;
  LimiterRegistry &limiters;
  ConnectionPool pool;
  std::mutex random_mutex;
  std::mt19937_64 rng;
};

Attempt HttpTransport::Impl::run_attempt(const HttpRequest &outgoing, const UrlParts &url,
                                         Protocol protocol, const EndpointTimeouts &timeouts,
                                         int64_t start, int64_t deadline, const CancelToken &cancel,
                                         Delivery &delivery) {
  Attempt a;
  const int64_t attempt_start = clock.steady_ms();
  a.record.started_ms = attempt_start - start;
  delivery.begin_attempt();

  const std::string origin = url.origin();
  ConnectionPool::Lease lease = pool.acquire(origin);
  a.record.reused_connection = lease.reused;
  httplib::Client &client = *lease.client;
  const int64_t remaining = std::max<int64_t>(1, deadline - attempt_start);
  const int64_t connect_ms = std::min<int64_t>(std::max(1, timeouts.connect_ms), remaining);
  set_timeout_ms(client, &httplib::Client::set_connection_timeout, connect_ms);
  // The watchdog enforces first-byte and total deadlines; these only bound a single recv/send.
  set_timeout_ms(client, &httplib::Client::set_read_timeout, remaining + 1000);
  set_timeout_ms(client, &httplib::Client::set_write_timeout, remaining + 1000);

  httplib::Request req;
  req.method = outgoing.method;
  req.path = url.target();
  bool has_host = false;
  for (const auto &[name, value] : outgoing.headers) {
    has_host = has_host || iequals(name, "host");
    req.headers.emplace(name, value);
  }
  if (!has_host)
    req.headers.emplace("Host", origin.substr(url.scheme.size() + 3));

  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  bool ok = false;
  AbortReason aborted = AbortReason::none;
  {
    AttemptWatchdog watchdog(client, clock, cancel, deadline);
    const auto first_byte_deadline = [&] {
      return std::min(deadline, clock.steady_ms() + std::max(1, timeouts.first_byte_ms));
    };
    if (outgoing.body.empty()) {
      watchdog.expect_head_by(std::min(deadline, first_byte_deadline() + connect_ms));
    } else {
      req.content_length_ = outgoing.body.size();
      req.content_provider_ = [&](size_t offset, size_t length, httplib::DataSink &sink) {
        if (!a.record.connected_ms)
          a.record.connected_ms = clock.steady_ms() - start;
        // A failed write is reported by cpp-httplib as Error::Write once we return.
        if (sink.write(outgoing.body.data() + offset, length) &&
            offset + length >= outgoing.body.size())
          watchdog.expect_head_by(first_byte_deadline());
        return true;
      };
    }
    req.response_handler = [&](const httplib::Response &response) {
      a.record.first_byte_ms = clock.steady_ms() - start;
      a.record.http_status = response.status;
      watchdog.head_arrived();
      a.head = head_of(response, clock.unix_ms());
      a.decoder.emplace(make_stream_decoder(protocol, *a.head));
      return watchdog.aborted() == AbortReason::none;
    };
    req.content_receiver = [&](const char *data, size_t n, uint64_t, uint64_t) {
      if (watchdog.aborted() != AbortReason::none)
        return false;
      a.bytes += static_cast<int64_t>(n);
      if (a.body.size() < options.wire_log_body_cap)
        a.body.append(data, std::min(n, options.wire_log_body_cap - a.body.size()));
      if (!a.decoder)
        return false; // cpp-httplib always calls the response handler first
      if (a.terminal || a.decoder->done()) {
        a.drained_after_done += n;
        return !a.failure && a.drained_after_done <= kDrainAfterDone;
      }
      delivery.route(a.decoder->feed(std::string_view(data, n)), a);
      return !a.failure;
    };
    ok = client.send(req, res, error);
    aborted = watchdog.aborted();
  }
  a.record.ended_ms = clock.steady_ms() - start;

  if (!a.terminal && !a.failure) {
    const bool error_status = a.head && !is_success_status(a.head->status);
    if (ok || (error_status && aborted == AbortReason::none)) {
      if (!a.decoder) { // a reply without a body (204): decode its head alone
        a.head = head_of(res, clock.unix_ms());
        a.record.http_status = res.status;
        a.decoder.emplace(make_stream_decoder(protocol, *a.head));
      }
      delivery.route(a.decoder->finish(), a);
    } else {
      const StreamError e = aborted != AbortReason::none
                                ? abort_error(aborted, origin, timeouts)
                                : transport_error(error, origin, a, connect_ms);
      if (delivery.passed_on()) {
        delivery.fail(e);
        a.terminal = true;
      } else {
        a.failure = e;
        a.retryable =
            aborted == AbortReason::none &&
            ((e.kind == ErrorKind::network && error != httplib::Error::SSLServerVerification) ||
             error == httplib::Error::ConnectionTimeout);
        a.stale_connection = lease.reused && !a.head && e.kind == ErrorKind::network &&
                             (error == httplib::Error::Read || error == httplib::Error::Write);
      }
    }
  }
  if (a.failure)
    a.record.error = a.failure;

  // Only an exchange read to its end (an error status's body too) leaves a connection worth
  // keeping; one we stopped reading or aborted is closed with its client.
  if (ok && aborted == AbortReason::none)
    pool.release(std::move(lease));
  return a;
}

CallResult HttpTransport::Impl::send(const Endpoint &endpoint, const HttpRequest &request,
                                     const CallOptions &call) {
  const int64_t start = clock.steady_ms();
  const EndpointTimeouts timeouts = call.timeouts.value_or(endpoint.timeouts);
  const RetryPolicy policy = call.retry.value_or(options.retry);
  const int64_t deadline = start + std::max(1, timeouts.total_ms);

  CallResult result;
  WireLog &log = result.wire_log;
  log.call_id = call.call_id.empty() ? new_call_id() : call.call_id;
  log.endpoint = endpoint.name;
  log.protocol = to_string(endpoint.protocol);
  log.started_unix_ms = clock.unix_ms();
  log.request = redact(request);
  log.request.auth.clear();

  SecretValues secrets;
  Delivery delivery(call.on_event, clock, start, secrets);
  std::optional<EndpointLimiter::Permit> permit;

  const auto finish = [&](std::optional<StreamError> error) {
    if (error) {
      error->message = secrets.scrub(error->message);
      delivery.fail(*error);
    }
    const ChatResponse &response = delivery.response();
    if (permit) {
      if (response.error && !delivery.passed_on() && provider_did_not_process(*response.error))
        permit->refund();
      else if (response.usage)
        permit->settle(response.usage->input_tokens + response.usage->output_tokens);
    }
    log.status = response.error ? to_string(response.error->kind) : "ok";
    log.error_message = response.error ? response.error->message : "";
    log.usage = response.usage;
    log.finish = response.finish;
    log.ttft_ms = delivery.ttft_ms();
    log.ended_unix_ms = clock.unix_ms();
    log.latency_ms = clock.steady_ms() - start;
    log.http_status = log.response.status;
    log.response_body = secrets.scrub(log.response_body);
    for (auto &attempt : log.attempts)
      if (attempt.error)
        attempt.error->message = secrets.scrub(attempt.error->message);
    for (auto &[name, value] : log.response.headers)
      value = secrets.scrub(value);
    result.response = response;
    return std::move(result);
  };

  auto url = split_url(request.url);
  if (!url)
    return finish(make_error(ErrorKind::config,
                             "endpoint " + endpoint.name + ": " + format_errors(url.errors())));
  {
    // A missing key is a config error now, not after a wait for the limiter.
    HttpRequest probe = request;
    if (auto status = add_secrets(probe, options.env, clock.unix_ms(), secrets); !status)
      return finish(make_error(ErrorKind::config, describe_secret_errors(status.errors())));
  }

  auto limiter = limiters.for_endpoint(endpoint);
  const int64_t estimate =
      call.estimated_tokens.value_or(static_cast<int64_t>(request.body.size() / 4) + 1024);
  auto acquired = limiter->acquire(estimate, call.cancel, deadline);
  log.limiter_wait_ms = acquired.waited_ms;
  if (acquired.end == WaitEnd::cancelled)
    return finish(make_error(ErrorKind::cancelled, "the call was cancelled while it waited for "
                                                   "endpoint " +
                                                       endpoint.name + "'s limits"));
  if (acquired.end == WaitEnd::deadline)
    return finish(make_error(ErrorKind::timeout,
                             "endpoint " + endpoint.name +
                                 "'s limits (limits.concurrency, "
                                 "requests_per_minute, tokens_per_minute) would delay the call "
                                 "beyond " +
                                 std::to_string(timeouts.total_ms) + " ms (timeouts.total_ms)"));
  permit.emplace(std::move(acquired.permit));

  bool stale_retry_used = false;
  int retries = 0;
  for (;;) {
    if (!log.attempts.empty()) {
      const WaitEnd end = limiter->acquire_retry(call.cancel, deadline);
      if (end == WaitEnd::cancelled)
        return finish(make_error(ErrorKind::cancelled, "the call was cancelled"));
      if (end == WaitEnd::deadline)
        return finish(*log.attempts.back().error);
    }
    HttpRequest outgoing = request;
    if (auto status = add_secrets(outgoing, options.env, clock.unix_ms(), secrets); !status)
      return finish(make_error(ErrorKind::config, describe_secret_errors(status.errors())));
    log.request = logged_request(outgoing, request, secrets);

    Attempt a = run_attempt(outgoing, *url, endpoint.protocol, timeouts, start, deadline,
                            call.cancel, delivery);
    log.attempts.push_back(a.record);
    log.response = a.head.value_or(HttpResponseHead{});
    log.response_body = std::move(a.body);
    log.response_bytes = a.bytes;
    log.response_truncated = a.bytes > static_cast<int64_t>(log.response_body.size());
    if (a.terminal)
      return finish(std::nullopt);

    StreamError failure = *a.failure;
    if (a.stale_connection && !stale_retry_used) {
      stale_retry_used = true; // the server closed an idle kept-alive connection: just redo it
      continue;
    }
    bool retry = a.retryable && retries < policy.max_retries && !call.cancel.cancelled();
    int64_t delay = 0;
    if (retry && failure.retry_after_ms && *failure.retry_after_ms > policy.max_retry_after_ms) {
      retry = false;
      failure.message += " (the server asked to wait " +
                         std::to_string(*failure.retry_after_ms / 1000) +
                         " s, longer than the retry policy allows)";
    } else if (retry) {
      delay = backoff_delay_ms(policy, retries, failure.retry_after_ms, random01());
      if (clock.steady_ms() + delay >= deadline) {
        retry = false;
        failure.message += " (no time left within timeouts.total_ms to wait " +
                           std::to_string(delay) + " ms and retry)";
      }
    }
    if (!retry) {
      if (log.attempts.size() > 1)
        failure.message += " (after " + std::to_string(log.attempts.size()) + " attempts)";
      return finish(failure);
    }
    log.attempts.back().retry_delay_ms = delay;
    if (clock.sleep_ms(delay, call.cancel))
      return finish(
          make_error(ErrorKind::cancelled, "the call was cancelled while it waited to retry"));
    ++retries;
  }
}

// ---------------------------------------------------------------------------------------------

HttpTransport::HttpTransport(TransportOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {
  static std::once_flag ignore_sigpipe;
  std::call_once(ignore_sigpipe, [] { std::signal(SIGPIPE, SIG_IGN); });
}

HttpTransport::~HttpTransport() = default;

CallResult HttpTransport::chat(const Endpoint &endpoint, const ChatRequest &request,
                               const CallOptions &options) {
  auto built = build_chat_request(endpoint, request);
  if (!built) {
    CallResult result;
    const StreamError error = to_stream_error(built.errors());
    result.response.error = error;
    if (options.on_event)
      options.on_event(error);
    WireLog &log = result.wire_log;
    log.call_id = options.call_id.empty() ? impl_->new_call_id() : options.call_id;
    log.endpoint = endpoint.name;
    log.protocol = to_string(endpoint.protocol);
    log.started_unix_ms = log.ended_unix_ms = impl_->clock.unix_ms();
    log.status = to_string(error.kind);
    log.error_message = error.message;
    return result;
  }
  CallOptions with_estimate = options;
  if (!with_estimate.estimated_tokens)
    with_estimate.estimated_tokens = estimate_tokens(endpoint, request);
  return impl_->send(endpoint, *built, with_estimate);
}

CallResult HttpTransport::send(const Endpoint &endpoint, const HttpRequest &request,
                               const CallOptions &options) {
  return impl_->send(endpoint, request, options);
}

size_t HttpTransport::idle_connections(const std::string &origin) const {
  return impl_->pool.idle(origin);
}

} // namespace imc::transport
