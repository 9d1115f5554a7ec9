#include "http_transport.h"

#include "attempt_watchdog.h"
#include "call_parts.h"
#include "connection_pool.h"
#include "secrets.h"
#include "stream_engine.h"

#include <curl/curl.h>

#include "imc/provider.h"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <variant>

namespace imc::transport {

namespace {

using namespace detail;

void set_timeout_ms(httplib::Client &client, void (httplib::Client::*setter)(time_t, time_t),
                    int64_t ms) {
  ms = std::max<int64_t>(1, ms);
  (client.*setter)(static_cast<time_t>(ms / 1000), static_cast<time_t>((ms % 1000) * 1000));
}

bool iequals(const std::string &a, const char *b) {
  size_t i = 0;
  for (; i < a.size() && b[i]; ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return i == a.size() && !b[i];
}

StreamError transport_error(httplib::Error error, const std::string &origin, const Attempt &a,
                            int64_t connect_ms) {
  const auto failure = [&] {
    switch (error) {
    case httplib::Error::Connection:
      return TransportFailure::connect;
    case httplib::Error::ConnectionTimeout:
      return TransportFailure::connect_timeout;
    case httplib::Error::BindIPAddress:
      return TransportFailure::bind;
    case httplib::Error::Write:
      return TransportFailure::write;
    case httplib::Error::Read:
      return TransportFailure::read;
    case httplib::Error::SSLConnection:
      return TransportFailure::tls_handshake;
    case httplib::Error::SSLServerVerification:
      return TransportFailure::tls_verification;
    case httplib::Error::SSLLoadingCerts:
      return TransportFailure::ca_certificates;
    case httplib::Error::Compression:
      return TransportFailure::decompression;
    default:
      return TransportFailure::other;
    }
  }();
  return transport_failure(failure, origin, a, connect_ms, httplib::to_string(error));
}

HttpResponseHead head_of(const httplib::Response &response, int64_t unix_ms) {
  HttpResponseHead head;
  head.status = response.status;
  for (const auto &[name, value] : response.headers)
    head.headers.emplace_back(name, value);
  head.received_at_ms = unix_ms;
  return head;
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
    burst.defer_ms = std::max(0, options.burst_defer_ms);
    burst.window = static_cast<int>(std::max(0, options.awaiting_first_byte_per_core) *
                                    std::max(1u, std::thread::hardware_concurrency()));
  }

  bool own_http1_client() const {
    const char *choice = std::getenv("IMC_UPSTREAM_CLIENT");
    return options.own_http1_client && !(choice && std::string_view(choice) == "libcurl");
  }

  double random01() {
    if (options.random)
      return options.random();
    std::lock_guard<std::mutex> lock(random_mutex);
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
  }

  // "call-" and 16 hex digits (written here: snprintf took a thousand instructions a call).
  std::string new_call_id() {
    uint64_t value = 0;
    {
      std::lock_guard<std::mutex> lock(random_mutex);
      value = rng();
    }
    static const char kHex[] = "0123456789abcdef";
    std::string id = "call-0000000000000000";
    for (size_t i = id.size(); value != 0; value >>= 4)
      id[--i] = kHex[value & 15];
    return id;
  }

  CallResult send(const Endpoint &endpoint, const HttpRequest &request, const CallOptions &call);
  CallResult unbuildable(const Endpoint &endpoint, const Errors &errors,
                         const CallOptions &options);
  Attempt run_attempt(const HttpRequest &outgoing, const UrlParts &url, Protocol protocol,
                      const EndpointTimeouts &timeouts, int64_t start, int64_t deadline,
                      const CancelToken &cancel, Delivery &delivery, size_t body_cap);

  static constexpr size_t kLoopsPerCore = 2;

  // Two event loops per core (event_loops()), started on first use. Each loop has its own
  // connection cache (like each nginx worker), of half the idle connections a core may keep, so
  // that all the loops keep as many as one per core would. A call goes to the least busy loop, the
  // first on a tie, so calls one after another reuse the first loop's kept-alive connections and
  // concurrent ones spread. Why two per core: on a machine whose cores the proxy shares (with the
  // browser, a local model server; in the benchmark the client and the upstream), a loop that
  // loses its core for a while holds up every call it has taken; with twice the loops a burst
  // waits behind a preempted loop half as long. Measured with the same 16 idle upstream
  // connections in all: 64-stream TTFB p50 +0.04 and +0.29 ms beyond nginx's against +0.59 with
  // one loop per core; nginx with four workers did not gain (docs/PERFORMANCE.md, "Two loops per
  // core").
  detail::StreamEngine &engine() {
    std::call_once(engine_started, [this] {
      const size_t idle =
          (options.max_idle_connections_per_origin + kLoopsPerCore - 1) / kLoopsPerCore;
      for (size_t i = 0; i < HttpTransport::event_loops(); ++i)
        engines.push_back(std::make_unique<detail::StreamEngine>(
            clock, [this] { return random01(); }, idle, options.wire_log_body_cap,
            own_http1_client(), &burst));
    });
    detail::StreamEngine *best = engines.front().get();
    for (const auto &engine : engines)
      if (engine->in_flight() < best->in_flight())
        best = engine.get();
    return *best;
  }

  // chat_async's wait for the endpoint's limits, on the calling thread or (called on a loop,
  // when it would wait) on a thread of its own; end_call ends a call that never started.
  void acquire_and_submit(std::unique_ptr<detail::StreamEngine::Call> call);
  void wait_elsewhere(std::unique_ptr<detail::StreamEngine::Call> call);
  static void end_call(std::unique_ptr<detail::StreamEngine::Call> call,
                       std::optional<StreamError> error);

  ~Impl() {
    // The waits on threads of their own end at their call's cancel or deadline.
    std::unique_lock<std::mutex> lock(waiters_mutex);
    waiters_done.wait(lock, [this] { return waiters == 0; });
  }

  TransportOptions options;
  Clock &clock;
  LimiterRegistry &limiters;
  ConnectionPool pool;
  std::mutex random_mutex;
  std::mt19937_64 rng;
  std::once_flag engine_started;
  std::mutex waiters_mutex;
  std::condition_variable waiters_done;
  int waiters = 0;
  detail::StreamEngine::Burst burst; // the loops' shared burst signal (outlives them)
  std::vector<std::unique_ptr<detail::StreamEngine>> engines; // last: destroyed first
};

Attempt HttpTransport::Impl::run_attempt(const HttpRequest &outgoing, const UrlParts &url,
                                         Protocol protocol, const EndpointTimeouts &timeouts,
                                         int64_t start, int64_t deadline, const CancelToken &cancel,
                                         Delivery &delivery, size_t body_cap) {
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
      if (a.body.size() < body_cap)
        a.body.append(data, std::min(n, body_cap - a.body.size()));
      if (!a.decoder)
        return false; // cpp-httplib always calls the response handler first
      if (a.terminal || a.decoder->done()) {
        a.drained_after_done += n;
        return !a.failure && a.drained_after_done <= kDrainAfterDone;
      }
      delivery.route(a.decoder->feed(std::string_view(data, n)), a);
      delivery.read_end();
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
      delivery.read_end();
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
  CallContext ctx(endpoint, request, call, options, clock,
                  call.call_id.empty() ? new_call_id() : call.call_id);
  if (auto error = ctx.prepare())
    return ctx.finish(error);

  auto limiter = limiters.for_endpoint(endpoint);
  const int64_t deadline = ctx.deadline_ms();
  const EndpointTimeouts &timeouts = ctx.timeouts();
  const int64_t estimate =
      call.estimated_tokens.value_or(static_cast<int64_t>(request.body.size() / 4) + 1024);
  auto acquired = limiter->acquire(estimate, call.cancel, deadline);
  ctx.log().limiter_wait_ms = acquired.waited_ms;
  if (auto error = limiter_error(acquired.end, endpoint, timeouts))
    return ctx.finish(error);
  ctx.permit.emplace(std::move(acquired.permit));

  for (;;) {
    if (ctx.attempts() > 0) {
      const WaitEnd end = limiter->acquire_retry(call.cancel, deadline);
      if (end == WaitEnd::cancelled)
        return ctx.finish(make_error(ErrorKind::cancelled, "the call was cancelled"));
      if (end == WaitEnd::deadline)
        return ctx.finish(ctx.last_error());
    }
    HttpRequest outgoing;
    const HttpRequest *sending = nullptr;
    if (auto error = ctx.next_outgoing(outgoing, sending))
      return ctx.finish(error);
    Attempt a = run_attempt(*sending, ctx.url(), endpoint.protocol, timeouts, ctx.start_ms(),
                            deadline, call.cancel, ctx.delivery(),
                            call.wire_log_bodies ? options.wire_log_body_cap : 0);
    if (ctx.record(std::move(a)))
      return ctx.finish(std::nullopt);
    const auto next = ctx.next_step(random01(), clock.steady_ms());
    if (!next.retry)
      return ctx.finish(next.failure);
    if (next.delay_ms > 0 && clock.sleep_ms(next.delay_ms, call.cancel))
      return ctx.finish(
          make_error(ErrorKind::cancelled, "the call was cancelled while it waited to retry"));
  }
}

// ---------------------------------------------------------------------------------------------

HttpTransport::HttpTransport(TransportOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {
  static std::once_flag process_setup;
  std::call_once(process_setup, [] {
    std::signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
  });
}

HttpTransport::~HttpTransport() = default;

// A request the adapter cannot build ends at once, without the network, in the same words for
// chat and chat_async.
CallResult HttpTransport::Impl::unbuildable(const Endpoint &endpoint, const Errors &errors,
                                            const CallOptions &options) {
  CallResult result;
  const StreamError error = to_stream_error(errors);
  result.response.error = error;
  if (options.on_event)
    options.on_event(error);
  WireLog &log = result.wire_log;
  log.call_id = options.call_id.empty() ? new_call_id() : options.call_id;
  log.endpoint = endpoint.name;
  log.protocol = to_string(endpoint.protocol);
  log.started_unix_ms = log.ended_unix_ms = clock.unix_ms();
  log.status = to_string(error.kind);
  log.error_message = error.message;
  return result;
}

CallResult HttpTransport::chat(const Endpoint &endpoint, const ChatRequest &request,
                               const CallOptions &options) {
  auto built = build_chat_request(endpoint, request);
  if (!built)
    return impl_->unbuildable(endpoint, built.errors(), options);
  CallOptions with_estimate = options;
  if (!with_estimate.estimated_tokens)
    with_estimate.estimated_tokens = estimate_tokens(endpoint, request);
  return impl_->send(endpoint, *built, with_estimate);
}

void HttpTransport::chat_async(const Endpoint &endpoint, const ChatRequest &request,
                               CallOptions options, std::function<void(CallResult)> done) {
  auto built = build_chat_request(endpoint, request);
  if (!built)
    return done(impl_->unbuildable(endpoint, built.errors(), options));
  if (!options.estimated_tokens)
    options.estimated_tokens = estimate_tokens(endpoint, request);
  auto call = std::make_unique<detail::StreamEngine::Call>();
  call->endpoint = endpoint;
  call->request = std::move(*built);
  call->done = std::move(done);
  const std::string id = options.call_id.empty() ? impl_->new_call_id() : options.call_id;
  call->context.emplace(call->endpoint, call->request, std::move(options), impl_->options,
                        impl_->clock, id);
  detail::CallContext &ctx = *call->context;
  if (auto error = ctx.prepare())
    return Impl::end_call(std::move(call), error);
  call->limiter = impl_->limiters.for_endpoint(call->endpoint);
  if (detail::StreamEngine::on_engine_thread()) {
    // On a loop: no wait here (every stream of the loop would wait too).
    if (auto now = call->limiter->try_acquire(*ctx.options().estimated_tokens)) {
      ctx.permit.emplace(std::move(now->permit));
      impl_->engine().submit(std::move(call));
    } else {
      impl_->wait_elsewhere(std::move(call));
    }
    return;
  }
  impl_->acquire_and_submit(std::move(call));
}

void HttpTransport::Impl::end_call(std::unique_ptr<detail::StreamEngine::Call> call,
                                   std::optional<StreamError> error) {
  auto finish = std::move(call->done);
  CallResult result = call->context->finish(std::move(error));
  call->context.reset();
  finish(std::move(result));
}

void HttpTransport::Impl::acquire_and_submit(std::unique_ptr<detail::StreamEngine::Call> call) {
  detail::CallContext &ctx = *call->context;
  auto acquired = call->limiter->acquire(*ctx.options().estimated_tokens, ctx.options().cancel,
                                         ctx.deadline_ms());
  ctx.log().limiter_wait_ms = acquired.waited_ms;
  if (auto error = detail::limiter_error(acquired.end, call->endpoint, ctx.timeouts()))
    return end_call(std::move(call), error);
  ctx.permit.emplace(std::move(acquired.permit));
  engine().submit(std::move(call));
}

void HttpTransport::Impl::wait_elsewhere(std::unique_ptr<detail::StreamEngine::Call> call) {
  {
    std::lock_guard<std::mutex> lock(waiters_mutex);
    ++waiters;
  }
  std::thread([this, call = std::move(call)]() mutable {
    acquire_and_submit(std::move(call));
    std::lock_guard<std::mutex> lock(waiters_mutex);
    if (--waiters == 0)
      waiters_done.notify_all();
  }).detach();
}

size_t HttpTransport::event_loops() {
  return Impl::kLoopsPerCore * std::max(1u, std::thread::hardware_concurrency());
}

void HttpTransport::share_loops(int fd, const std::function<void(size_t)> &on_ready) {
  impl_->engine(); // starts the loops
  for (const auto &engine : impl_->engines)
    engine->add_listener(fd, on_ready);
}

void HttpTransport::unshare_loops(int fd) {
  for (const auto &engine : impl_->engines)
    engine->remove_listener(fd);
}

CallResult HttpTransport::send(const Endpoint &endpoint, const HttpRequest &request,
                               const CallOptions &options) {
  return impl_->send(endpoint, request, options);
}

size_t HttpTransport::idle_connections(const std::string &origin) const {
  return impl_->pool.idle(origin);
}

} // namespace imc::transport
