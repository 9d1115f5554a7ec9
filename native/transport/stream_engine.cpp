#include "stream_engine.h"

#include "http1_wire.h"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

namespace imc::transport::detail {

namespace {

// libcurl's failure in the words of the blocking path (transport_failure).
StreamError curl_failure(CURLcode code, const std::string &origin, const Attempt &a,
                         int64_t connect_ms, bool connected) {
  const auto failure = [&] {
    switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return TransportFailure::connect;
    case CURLE_OPERATION_TIMEDOUT:
      return connected ? TransportFailure::other : TransportFailure::connect_timeout;
    case CURLE_SEND_ERROR:
      return TransportFailure::write;
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
      return TransportFailure::read;
    case CURLE_SSL_CONNECT_ERROR:
      return TransportFailure::tls_handshake;
    case CURLE_PEER_FAILED_VERIFICATION:
      return TransportFailure::tls_verification;
    case CURLE_SSL_CACERT_BADFILE:
      return TransportFailure::ca_certificates;
    case CURLE_BAD_CONTENT_ENCODING:
      return TransportFailure::decompression;
    default:
      return TransportFailure::other;
    }
  }();
  return transport_failure(failure, origin, a, connect_ms, curl_easy_strerror(code));
}

// Engine turns this thread is inside (a loop's own thread is always inside its engine's): a call
// submitted from there is posted, never started in place, so no thread takes a lock it holds.
thread_local int t_turns_held = 0;

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return std::string(s);
}

} // namespace

struct StreamEngine::Impl {
  enum class TimerKind { first_byte, total, retry, connect };
  struct Running;

  // An attempt through the engine's own HTTP/1.1 client (plain HTTP to an IP address,
  // http1_wire.h): its connection, the request's bytes and the response being read.
  struct Own final : Http1ResponseReader::Handler {
    Running *r = nullptr;
    SocketAddress address;      // also the kept-alive pool's key (plain HTTP: one per origin)
    int fd = -1;                // edge-triggered in the engine's epoll set (in, out, hang-up)
    bool fresh = false;         // connected for this attempt (else a kept-alive connection)
    bool connected = false;     // the TCP connection is up
    CURLcode failed = CURLE_OK; // a failure found while starting, ended on the next kick
    std::string out;            // the request's bytes
    size_t sent = 0;
    std::optional<Http1ResponseReader> reader;

    void on_head(int status, std::vector<std::pair<std::string, std::string>> headers) override {
      r->status = status;
      r->head_headers = std::move(headers);
      r->engine->head_arrived(*r);
    }
    bool on_body(std::string_view bytes) override { return r->engine->body_bytes(*r, bytes); }
  };

  // A call on the engine's thread, with its attempt in progress.
  struct Running {
    Impl *engine = nullptr;
    uint64_t id = 0;
    std::unique_ptr<Call> call;
    CancelToken::Registration cancel_registration;
    int generation = 0;            // attempts started; timers of older attempts are ignored
    bool response_started = false; // on_response_start was called, or is due
    bool awaiting = false;         // counted in the Burst's `awaiting` (no response head yet)
    // The attempt in progress; nullptr while the call waits to retry (a backoff, or the
    // endpoint's request bucket).
    CURL *easy = nullptr;
    curl_slist *headers = nullptr;
    std::optional<Own> own; // an attempt through the engine's own client (in place: no allocation)
    // An attempt is on the wire (libcurl's or the engine's own).
    bool in_attempt() const { return easy || own; }
    HttpRequest outgoing;                // the attempt's request when keys were added to it
    const HttpRequest *sending = nullptr; // the attempt's request: `outgoing` or the call's own
    Attempt attempt;
    int status = 0; // of the response being read
    std::vector<std::pair<std::string, std::string>> head_headers;
    int64_t connect_ms = 0;
    std::vector<ChatEvent> decoded; // the events of the last body chunk, kept for its buffer
    // Set aside under a burst (`later`): the events of its socket not yet served.
    bool is_aside = false;
    uint32_t aside_events = 0;
  };

  struct Command {
    enum Kind { start, abort, stop } kind = start;
    std::unique_ptr<Call> call; // start
    uint64_t id = 0;            // abort
  };

  Impl(Clock &c, std::function<double()> r, size_t max_idle, size_t cap, bool own_client,
       Burst *burst)
      : clock(c), random01(std::move(r)), body_cap(cap), max_idle(std::max<size_t>(1, max_idle)),
        own_client(own_client), burst(burst && burst->defer_ms > 0 ? burst : nullptr) {
    epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = wake_fd;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, wake_fd, &ev);
    multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &Impl::on_socket);
    curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &Impl::on_timer);
    curl_multi_setopt(multi, CURLMOPT_TIMERDATA, this);
    update_cache_limit();
    thread = std::thread([this] { run(); });
  }

  ~Impl() {
    post({Command::stop, nullptr, 0});
    thread.join();
    for (CURL *e : spare)
      curl_easy_cleanup(e);
    for (const auto &[address, fds] : idle)
      for (const int fd : fds)
        ::close(fd);
    curl_multi_cleanup(multi);
    ::close(wake_fd);
    ::close(epoll_fd);
  }

  // libcurl's CURLMOPT_MAXCONNECTS bounds its whole connection cache, the connections in use
  // included: a connection that comes free while more than that many are open is closed, so
  // under load nearly every call would open a new one. What the engine means is "up to
  // `max_idle` idle": the limit follows the transfers attached to the multi handle. When one
  // finishes, the cache holds `attached` connections in use or just freed plus the idle ones;
  // with the limit at attached + max_idle - 1 libcurl closes the oldest idle one only when more
  // than `max_idle` would be idle.
  void update_cache_limit() {
    // (Never 0: that would mean libcurl's own default.)
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS,
                      std::max(1L, static_cast<long>(attached + max_idle) - 1));
  }

  // A new call. While the loop waits for events, the call starts here, on the submitting
  // thread, under the loop's lock: its request goes out now rather than after the loop's
  // wake-up (a thread hand-off, the one step per stream nginx has not: on this project's 2-core
  // machine, a third of imc serve's added time to first byte at one stream). The loop is woken
  // only if what the start left needs it before its next wake-up anyway (libcurl's timer, a
  // deadline earlier than its sleep, a failed start to retry). Busy, or with commands queued,
  // the loop takes the call in its turn, as before.
  void submit(std::unique_ptr<Call> call) {
    ++in_flight;
    if (burst) // counted from here: a call queued to start waits for its first byte too
      burst->awaiting.fetch_add(1, std::memory_order_relaxed);
    if (t_turns_held == 0) {
      std::unique_lock<std::mutex> hold(turn, std::try_to_lock);
      if (hold.owns_lock() && waiting && !stopping && queue_empty()) {
        ++t_turns_held;
        const int64_t curl_before = curl_deadline;
        start(std::move(call));
        drive_kicks();
        const bool wake = curl_deadline != curl_before || !heads.empty() ||
                          (!timers.empty() && (wake_at < 0 || timers.begin()->first < wake_at));
        // Still under the lock: the call's `done` may have run here (a start that failed), and
        // its caller may be destroying the engine, which cannot end while this thread holds
        // `turn` but may right after.
        if (wake)
          wake_loop();
        --t_turns_held;
        return;
      }
    }
    post({Command::start, std::move(call), 0});
  }

  bool queue_empty() {
    std::lock_guard<std::mutex> lock(mutex);
    return commands.empty(); // more_commands implies commands left
  }

  void wake_loop() {
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_fd, &one, sizeof one);
  }

  // Wakes the loop only when the queue was empty: otherwise the loop has a wake-up pending, or is
  // taking the queue turn by turn without waiting.
  void post(Command command) {
    bool was_empty = false;
    {
      std::lock_guard<std::mutex> lock(mutex);
      was_empty = commands.empty();
      commands.push_back(std::move(command));
    }
    if (was_empty)
      wake_loop();
  }

  // --- libcurl's callbacks ----------------------------------------------------------------------

  static int on_socket(CURL *, curl_socket_t fd, int what, void *userp, void *socketp) {
    auto *self = static_cast<Impl *>(userp);
    if (what == CURL_POLL_REMOVE) {
      ::epoll_ctl(self->epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
      return 0;
    }
    epoll_event ev{};
    ev.data.fd = fd;
    ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0u) | (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
    if (!socketp) {
      if (::epoll_ctl(self->epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0 && errno == EEXIST)
        ::epoll_ctl(self->epoll_fd, EPOLL_CTL_MOD, fd, &ev);
      curl_multi_assign(self->multi, fd, self);
    } else if (::epoll_ctl(self->epoll_fd, EPOLL_CTL_MOD, fd, &ev) != 0 && errno == ENOENT) {
      ::epoll_ctl(self->epoll_fd, EPOLL_CTL_ADD, fd, &ev);
    }
    return 0;
  }

  static int on_timer(CURLM *, long timeout_ms, void *userp) {
    auto *self = static_cast<Impl *>(userp);
    self->curl_deadline = timeout_ms < 0 ? -1 : self->clock.steady_ms() + timeout_ms;
    return 0;
  }

  static size_t on_header(char *data, size_t size, size_t count, void *userp) {
    auto &r = *static_cast<Running *>(userp);
    const size_t n = size * count;
    const std::string_view line(data, n);
    if (line.rfind("HTTP/", 0) == 0) { // a status line: a new response (after a 1xx too)
      r.head_headers.clear();
      const size_t space = line.find(' ');
      r.status = space == std::string_view::npos
                     ? 0
                     : std::atoi(std::string(line.substr(space + 1, 3)).c_str());
      return n;
    }
    if (line == "\r\n" || line == "\n") {
      if (r.status >= 200 && !r.attempt.head)
        r.engine->head_arrived(r);
      return n;
    }
    const size_t colon = line.find(':');
    if (colon != std::string_view::npos)
      r.head_headers.emplace_back(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
    return n;
  }

  static size_t on_body(char *data, size_t size, size_t count, void *userp) {
    auto &r = *static_cast<Running *>(userp);
    const size_t n = size * count;
    return r.engine->body_bytes(r, std::string_view(data, n)) ? n : 0;
  }

  // Response body bytes of the attempt (either client): false ends the attempt.
  bool body_bytes(Running &r, std::string_view data) {
    Attempt &a = r.attempt;
    const size_t n = data.size();
    if (!a.head)
      head_arrived(r);
    a.bytes += static_cast<int64_t>(n);
    const size_t cap = r.call->context->options().wire_log_bodies ? body_cap : 0;
    if (a.body.size() < cap)
      a.body.append(data.data(), std::min(n, cap - a.body.size()));
    if (a.terminal || a.decoder->done()) {
      a.drained_after_done += n;
      return !a.failure && a.drained_after_done <= kDrainAfterDone;
    }
    a.decoder->feed(data, r.decoded);
    r.call->context->delivery().route(r.decoded, a);
    if (!r.own) // libcurl's piece of body; the own client's read ends after its recv (own_io)
      r.call->context->delivery().read_end();
    return !a.failure;
  }

  // The connection is ready and the request about to be sent: the head must arrive within
  // first_byte_ms from now.
  static int on_connected(void *userp, char *, char *, int, int) {
    auto &r = *static_cast<Running *>(userp);
    r.engine->connected(r);
    return CURL_PREREQFUNC_OK;
  }

  void connected(Running &r) {
    const CallContext &ctx = *r.call->context;
    const int64_t now = clock.steady_ms();
    r.attempt.record.connected_ms = now - ctx.start_ms();
    add_timer(std::min(ctx.deadline_ms(), now + std::max(1, ctx.timeouts().first_byte_ms)), r,
              TimerKind::first_byte);
  }

  // --- A call's steps ---------------------------------------------------------------------------

  void head_arrived(Running &r) {
    Attempt &a = r.attempt;
    const CallContext &ctx = *r.call->context;
    a.record.first_byte_ms = clock.steady_ms() - ctx.start_ms();
    a.record.http_status = r.status;
    HttpResponseHead head;
    head.status = r.status;
    head.headers = std::move(r.head_headers);
    head.received_at_ms = clock.unix_ms();
    a.head = std::move(head);
    a.decoder.emplace(make_stream_decoder(r.call->endpoint.protocol, *a.head));
    no_longer_awaiting(r);
    if (r.status >= 200 && r.status < 300 && !r.response_started &&
        ctx.options().on_response_start) {
      r.response_started = true;
      heads.push_back(r.id); // told after the read, unless an event went out with the head
    }
  }

  // The calls whose 2xx head arrived in the last read: those that passed no event on with it
  // are told the response started (one write for the head alone; under load the head and the
  // first event usually come in one read, and go out in one write).
  void tell_heads() {
    for (const uint64_t id : heads) {
      const auto it = calls.find(id);
      if (it == calls.end())
        continue;
      CallContext &ctx = *it->second->call->context;
      if (!ctx.delivery().passed_on())
        ctx.options().on_response_start();
    }
    heads.clear();
  }

  void no_longer_awaiting(Running &r) {
    if (r.awaiting) {
      r.awaiting = false;
      burst->awaiting.fetch_sub(1, std::memory_order_relaxed);
    }
  }

  void start(std::unique_ptr<Call> call) {
    auto running = std::make_unique<Running>();
    Running &r = *running;
    r.engine = this;
    r.awaiting = burst != nullptr; // (every start was submitted)
    r.id = ++last_id;
    r.call = std::move(call);
    calls.emplace(r.id, std::move(running));
    if (stopping)
      return finish(r, make_error(ErrorKind::cancelled, "the call was cancelled"));
    const uint64_t id = r.id;
    r.cancel_registration = r.call->context->options().cancel.on_cancel([this, id] {
      post({Command::abort, nullptr, id});
    });
    add_timer(r.call->context->deadline_ms(), r, TimerKind::total);
    start_attempt(r);
  }

  void start_attempt(Running &r) {
    CallContext &ctx = *r.call->context;
    if (ctx.options().cancel.cancelled())
      return finish(r, make_error(ErrorKind::cancelled, "the call was cancelled"));
    const int64_t now = clock.steady_ms();
    if (ctx.attempts() > 0) { // a retry takes one more request from the endpoint's bucket
      const int64_t wait = r.call->limiter->try_reserve(0, now);
      if (wait > 0) {
        if (now + wait > ctx.deadline_ms())
          return finish(r, ctx.last_error());
        return add_timer(now + wait, r, TimerKind::retry);
      }
    }
    if (auto error = ctx.next_outgoing(r.outgoing, r.sending))
      return finish(r, error);
    ++r.generation;
    r.attempt = Attempt{};
    r.is_aside = false; // an entry left in `later` for an earlier attempt's socket is skipped
    r.aside_events = 0;
    r.attempt.record.started_ms = now - ctx.start_ms();
    r.status = 0;
    r.head_headers.clear();
    ctx.delivery().begin_attempt();
    const int64_t remaining = std::max<int64_t>(1, ctx.deadline_ms() - now);
    r.connect_ms = std::min<int64_t>(std::max(1, ctx.timeouts().connect_ms), remaining);
    if (start_own(r))
      return;

    CURL *e = nullptr;
    if (spare.empty()) {
      e = curl_easy_init();
    } else { // a finished attempt's handle: its options back to the defaults
      e = spare.back();
      spare.pop_back();
      curl_easy_reset(e);
    }
    r.easy = e;
    curl_easy_setopt(e, CURLOPT_PRIVATE, &r);
    curl_easy_setopt(e, CURLOPT_URL, r.sending->url.c_str());
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROXY, ""); // like the blocking path: no proxy from the environment
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(r.connect_ms));
    // The engine's timers enforce the deadlines; this only backs them up.
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(remaining + 1000));
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Impl::on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Impl::on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &r);
    // libcurl names the URL's host unless the request sets its own (SigV4 signs it).
    for (const auto &[name, value] : r.sending->headers)
      r.headers = curl_slist_append(r.headers, (name + ": " + value).c_str());
    r.headers = curl_slist_append(r.headers, "Expect:"); // no 100-continue round trip
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r.headers);
    if (r.sending->method == "GET") {
      curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else {
      curl_easy_setopt(e, CURLOPT_POST, 1L);
      if (r.sending->method != "POST")
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r.sending->method.c_str());
      // Not copied: the request lives as long as the attempt. A small body goes out in the same
      // packet as the head.
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(r.sending->body.size()));
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.sending->body.data());
    }
    curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, &Impl::on_connected);
    curl_easy_setopt(e, CURLOPT_PREREQDATA, &r);
    curl_multi_add_handle(multi, e);
    ++attached;
    update_cache_limit();
  }

  // The attempt in progress ends: libcurl finished it (`code`) or the engine aborts it.
  void end_attempt(Running &r, CURLcode code, AbortReason aborted) {
    CallContext &ctx = *r.call->context;
    Attempt &a = r.attempt;
    long connects = 0;
    curl_off_t connect_time = 0;
    long response_code = 0;
    if (r.own) {
      connects = r.own->fresh ? 1 : 0;
      connect_time = r.own->connected ? 1 : 0;
      response_code = r.status;
      // Reused only after a whole exchange: the request all sent (a server may answer early, an
      // error, and stop reading) and the response all read.
      release_own(r, code == CURLE_OK && aborted == AbortReason::none &&
                         r.own->sent == r.own->out.size() && r.own->reader &&
                         r.own->reader->reusable());
    } else {
      curl_easy_getinfo(r.easy, CURLINFO_NUM_CONNECTS, &connects);
      curl_easy_getinfo(r.easy, CURLINFO_CONNECT_TIME_T, &connect_time);
      curl_easy_getinfo(r.easy, CURLINFO_RESPONSE_CODE, &response_code);
      curl_multi_remove_handle(multi, r.easy);
      --attached;
      update_cache_limit();
      if (spare.size() < kSpareHandles)
        spare.push_back(r.easy); // set-up and teardown of a handle cost more than a reset
      else
        curl_easy_cleanup(r.easy);
      r.easy = nullptr;
      curl_slist_free_all(r.headers);
      r.headers = nullptr;
    }
    a.record.reused_connection = connects == 0 && code == CURLE_OK;
    a.record.ended_ms = clock.steady_ms() - ctx.start_ms();
    const bool ok = code == CURLE_OK && aborted == AbortReason::none;

    if (!a.terminal && !a.failure) {
      const bool error_status = a.head && !is_success_status(a.head->status);
      if (ok || (error_status && aborted == AbortReason::none && code != CURLE_WRITE_ERROR)) {
        if (!a.decoder) { // a reply without a body (204): decode its head alone
          r.status = r.status ? r.status : static_cast<int>(response_code);
          head_arrived(r);
        }
        ctx.delivery().route(a.decoder->finish(), a);
        ctx.delivery().read_end();
      } else {
        const std::string origin = ctx.url().origin();
        const StreamError e = aborted != AbortReason::none
                                  ? abort_error(aborted, origin, ctx.timeouts())
                                  : curl_failure(code, origin, a, r.connect_ms, connect_time > 0);
        if (ctx.delivery().passed_on()) {
          ctx.delivery().fail(e);
          a.terminal = true;
        } else {
          a.failure = e;
          a.retryable = aborted == AbortReason::none &&
                        ((e.kind == ErrorKind::network && code != CURLE_PEER_FAILED_VERIFICATION) ||
                         (code == CURLE_OPERATION_TIMEDOUT && connect_time == 0));
        }
      }
    }
    if (ctx.record(std::move(a)))
      return finish(r, std::nullopt);
    const auto next = ctx.next_step(random01(), clock.steady_ms());
    if (!next.retry)
      return finish(r, next.failure);
    if (next.delay_ms <= 0)
      return start_attempt(r);
    add_timer(clock.steady_ms() + next.delay_ms, r, TimerKind::retry);
  }

  void abort(Running &r, AbortReason reason) {
    if (r.in_attempt())
      return end_attempt(r, CURLE_ABORTED_BY_CALLBACK, reason);
    // Between attempts: the call waits to retry, after at least one failed attempt.
    if (reason == AbortReason::cancelled)
      return finish(
          r, make_error(ErrorKind::cancelled, "the call was cancelled while it waited to retry"));
    finish(r, r.call->context->last_error());
  }

  void finish(Running &r, std::optional<StreamError> error) {
    no_longer_awaiting(r);
    if (r.own) // (every path ends its attempt first; no descriptor may point at a freed call)
      release_own(r, false);
    const uint64_t id = r.id;
    auto node = calls.extract(id);
    CallResult result = r.call->context->finish(std::move(error));
    // The registration first: its callback may be posting an abort for this call right now.
    r.cancel_registration = CancelToken::Registration();
    auto done = std::move(r.call->done);
    r.call->context.reset(); // settles and frees the permit: the next call may go
    // Not busy any more before `done` runs: a call its caller starts from there (or right after)
    // must see this loop idle and reuse its kept-alive connection.
    --in_flight;
    if (done)
      done(std::move(result));
  }

  // --- The engine's own HTTP/1.1 client --------------------------------------------------------
  // For plain-HTTP endpoints at an IP address (http1_wire.h). A connection is registered once,
  // edge-triggered for input, output and hang-up, and stays registered while it waits in the
  // kept-alive pool, so that a peer closing an idle connection removes it at once. Failures map to
  // libcurl's codes, so both clients fail, retry and log alike (curl_failure).

  // Starts the attempt through the own client if its URL is one; false: libcurl's.
  bool start_own(Running &r) {
    if (!own_client)
      return false;
    // The call's URL, read once by prepare(), unless the attempt's differs (a key in its query).
    const CallContext &ctx = *r.call->context;
    std::optional<UrlParts> own_url;
    if (!ctx.prepared_url() || r.sending->url != ctx.request_url()) {
      auto parsed = split_url(r.sending->url);
      if (!parsed)
        return false;
      own_url = std::move(*parsed);
    }
    const UrlParts &url = own_url ? *own_url : *ctx.prepared_url();
    auto address = plain_http_address(url);
    if (!address)
      return false;
    Own &own = r.own.emplace();
    own.r = &r;
    own.address = *address;
    own.out = http1_request_bytes(*r.sending, url);
    own_connect(r, true);
    return true;
  }

  // Takes a kept-alive connection to the origin (when `may_reuse`), or opens one.
  void own_connect(Running &r, bool may_reuse) {
    Own &o = *r.own;
    o.reader.emplace(o);
    o.sent = 0;
    if (std::vector<int> *pool = idle_for(o.address); may_reuse && pool && !pool->empty()) {
      o.fd = pool->back();
      pool->pop_back();
      set_own_fd(o.fd, &r);
      o.fresh = false;
      o.connected = true;
      connected(r);
      kicks.push_back(r.id); // writable already: no edge will say so
      return;
    }
    o.fresh = true;
    o.connected = false;
    const auto family = o.address.storage.ss_family;
    o.fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (o.fd < 0) {
      o.failed = CURLE_COULDNT_CONNECT;
      kicks.push_back(r.id);
      return;
    }
    const int one = 1;
    ::setsockopt(o.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const int rc =
        ::connect(o.fd, reinterpret_cast<const sockaddr *>(&o.address.storage), o.address.length);
    if (rc != 0 && errno != EINPROGRESS) {
      ::close(o.fd);
      o.fd = -1;
      o.failed = CURLE_COULDNT_CONNECT;
      kicks.push_back(r.id);
      return;
    }
    epoll_event ev{};
    ev.data.fd = o.fd;
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, o.fd, &ev);
    set_own_fd(o.fd, &r);
    add_timer(clock.steady_ms() + r.connect_ms, r, TimerKind::connect);
    if (rc == 0) {
      o.connected = true;
      connected(r);
      kicks.push_back(r.id);
    }
  }

  // The attempt's connection goes back to the pool (a whole response read on a kept-alive
  // connection) or is closed.
  void release_own(Running &r, bool reusable) {
    Own &o = *r.own;
    if (o.fd >= 0) {
      std::vector<int> *pool = reusable ? idle_for(o.address, true) : nullptr;
      if (pool && pool->size() < max_idle) {
        set_own_fd(o.fd, kPooled);
        pool->push_back(o.fd);
      } else {
        close_own_fd(o.fd);
      }
    }
    r.own.reset();
  }

  void close_own_fd(int fd) {
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    set_own_fd(fd, nullptr);
  }

  void set_own_fd(int fd, Running *r) {
    if (fd < 0)
      return;
    if (static_cast<size_t>(fd) >= own_fds.size())
      own_fds.resize(std::max<size_t>(static_cast<size_t>(fd) + 1, own_fds.size() * 2), nullptr);
    own_fds[static_cast<size_t>(fd)] = r;
  }

  Running *own_at(int fd) const {
    return fd >= 0 && static_cast<size_t>(fd) < own_fds.size() ? own_fds[static_cast<size_t>(fd)]
                                                               : nullptr;
  }

  // --- Under a burst, the middles of streams wait (stream_engine.h) ---------------------------

  // New connections wait for this loop (a watched socket readable in this turn, or in another
  // loop's within the last ms) or calls wait to start.
  bool burst_now() const {
    return listener_ready || more_commands ||
           clock.steady_ms() - burst->last_seen_ms.load(std::memory_order_relaxed) <= 1;
  }

  // An event for a stream that has passed an event on, its request all sent: set aside (true)
  // while new connections wait, its events kept for when it is served.
  bool set_aside(int fd, Running *r, uint32_t events) {
    if (!burst || r == kPooled || !r->own || r->own->fd != fd || !r->own->connected ||
        r->own->sent < r->own->out.size() || !r->call->context->delivery().passed_on())
      return false;
    r->aside_events |= events;
    if (!r->is_aside) {
      r->is_aside = true;
      later.push_back({fd, r->id, clock.steady_ms()});
    }
    return true;
  }

  // Serves the sockets set aside: all of them (`all`), else those that waited defer_ms.
  void serve_set_aside(bool all) {
    const int64_t now = clock.steady_ms();
    while (!later.empty() && (all || now - later.front().since >= burst->defer_ms)) {
      const Aside a = later.front();
      later.pop_front();
      // The call may have ended meanwhile (a deadline, a cancel), its socket closed and the
      // descriptor now another's: only the same call's same socket is served.
      Running *r = own_at(a.fd);
      if (!r || r == kPooled || r->id != a.id || !r->is_aside)
        continue;
      r->is_aside = false;
      const uint32_t events = std::exchange(r->aside_events, 0);
      own_event(a.fd, r, events);
    }
  }

  // An event on one of the own client's sockets.
  void own_event(int fd, Running *r, uint32_t events) {
    if (r == kPooled) { // a kept-alive connection in the pool: the peer closed it, or sent
                        // stray bytes
      if (!(events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
        return; // writable again (an ACK freed buffer space): nothing happened to it
      for (auto &[address, fds] : idle)
        fds.erase(std::remove(fds.begin(), fds.end(), fd), fds.end());
      close_own_fd(fd);
      return;
    }
    if (r->own && r->own->fd == fd)
      own_io(*r, events);
  }

  // Kicked attempts (events 0): those whose connection is writable with no edge to say so, or
  // whose start failed. Several turns of one call may follow each other (a failure, a retry).
  void drive_kicks() {
    while (!kicks.empty()) {
      std::vector<uint64_t> now;
      now.swap(kicks);
      for (const uint64_t id : now)
        if (auto it = calls.find(id); it != calls.end() && it->second->own)
          own_io(*it->second, 0);
    }
  }

  // A kept-alive connection the peer had closed (the request could not go, or no byte came
  // back): the request goes again on a new connection, as libcurl does; not a failed attempt.
  bool reopen_if_stale(Running &r) {
    Own &o = *r.own;
    if (o.fresh || o.reader->any_byte())
      return false;
    close_own_fd(o.fd);
    o.fd = -1;
    own_connect(r, false);
    return true;
  }

  void own_io(Running &r, uint32_t events) {
    Own &o = *r.own;
    if (o.failed != CURLE_OK)
      return end_attempt(r, o.failed, AbortReason::none);
    if (!o.connected) {
      if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
        return;
      int error = 0;
      socklen_t length = sizeof error;
      ::getsockopt(o.fd, SOL_SOCKET, SO_ERROR, &error, &length);
      if (error != 0)
        return end_attempt(r, CURLE_COULDNT_CONNECT, AbortReason::none);
      o.connected = true;
      connected(r);
    }
    while (o.sent < o.out.size()) {
      const ssize_t n = ::send(o.fd, o.out.data() + o.sent, o.out.size() - o.sent, MSG_NOSIGNAL);
      if (n > 0) {
        o.sent += static_cast<size_t>(n);
      } else if (errno == EINTR) {
        continue;
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        break; // the rest when the socket is writable again (an edge)
      } else {
        if (reopen_if_stale(r))
          return;
        return end_attempt(r, CURLE_SEND_ERROR, AbortReason::none);
      }
    }
    if (!(events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
      return;
    // Edge-triggered: read until the socket is empty. A short read means it is, unless the
    // peer's hang-up came with this event: then read on to the end of the stream.
    const bool hang_up = events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR);
    Http1ResponseReader::State state = Http1ResponseReader::State::reading;
    bool recv_failed = false;
    for (;;) {
      const ssize_t n = ::recv(o.fd, read_buffer, sizeof read_buffer, 0);
      if (n > 0) {
        state = o.reader->feed(std::string_view(read_buffer, static_cast<size_t>(n)));
        if (state != Http1ResponseReader::State::reading ||
            (static_cast<size_t>(n) < sizeof read_buffer && !hang_up))
          break;
      } else if (n == 0) {
        state = o.reader->feed_eof();
        break;
      } else if (errno == EINTR) {
        continue;
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        break;
      } else {
        recv_failed = true;
        break;
      }
    }
    // What this read passed on goes out together (CallOptions::on_read_end).
    r.call->context->delivery().read_end();
    tell_heads();
    if (recv_failed) {
      if (reopen_if_stale(r))
        return;
      return end_attempt(r, CURLE_RECV_ERROR, AbortReason::none);
    }
    switch (state) {
    case Http1ResponseReader::State::reading:
      return;
    case Http1ResponseReader::State::complete:
      return end_attempt(r, CURLE_OK, AbortReason::none);
    case Http1ResponseReader::State::stopped:
      return end_attempt(r, CURLE_WRITE_ERROR, AbortReason::none);
    case Http1ResponseReader::State::failed:
      if (reopen_if_stale(r))
        return;
      return end_attempt(r,
                         !o.reader->any_byte()        ? CURLE_GOT_NOTHING
                         : r.attempt.head.has_value() ? CURLE_PARTIAL_FILE
                                                      : CURLE_WEIRD_SERVER_REPLY,
                         AbortReason::none);
    }
  }

  // --- Timers -----------------------------------------------------------------------------------

  struct Timer {
    uint64_t id;
    int generation;
    TimerKind kind;
  };

  void add_timer(int64_t at_ms, const Running &r, TimerKind kind) {
    timers.emplace(at_ms, Timer{r.id, r.generation, kind});
  }

  void fire_timers() {
    const int64_t now = clock.steady_ms();
    while (!timers.empty() && timers.begin()->first <= now) {
      const Timer t = timers.begin()->second;
      timers.erase(timers.begin());
      auto it = calls.find(t.id);
      if (it == calls.end())
        continue;
      Running &r = *it->second;
      switch (t.kind) {
      case TimerKind::total:
        abort(r, AbortReason::total_timeout);
        break;
      case TimerKind::first_byte:
        if (r.in_attempt() && t.generation == r.generation && !r.attempt.head)
          abort(r, AbortReason::first_byte_timeout);
        break;
      case TimerKind::retry:
        if (!r.in_attempt()) // waiting to retry
          start_attempt(r);
        break;
      case TimerKind::connect: // the engine's own client (libcurl times its own connects)
        if (r.own && t.generation == r.generation && !r.own->connected)
          end_attempt(r, CURLE_OPERATION_TIMEDOUT, AbortReason::none);
        break;
      }
    }
  }

  // --- The loop ---------------------------------------------------------------------------------

  void read_done() {
    int left = 0;
    while (CURLMsg *msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg != CURLMSG_DONE)
        continue;
      void *p = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &p);
      const CURLcode code = msg->data.result;
      end_attempt(*static_cast<Running *>(p), code, AbortReason::none);
    }
  }

  // Takes the commands posted, new calls while the turn's start budget lasts: at most
  // kStartsPerTurn of them, and none once kStartBudget has passed since the turn began taking
  // commands (the first always starts). The rest wait for the next turn (which then does not
  // block), so that between the set-up of new calls the loop serves the streams already running.
  // Starting a whole burst at once (256 calls) made every stream of the burst wait for the set-up
  // of all the others before its first byte; one per turn (as an event loop that accepts one
  // connection per event) left the last calls of a burst waiting for 256 turns. A start costs some
  // 25 µs, but on a loaded machine its connect can hand the CPU to the server it wakes, for
  // milliseconds: the budget ends the turn's starts after such a one, so that the streams already
  // running are relayed in between (docs/PERFORMANCE.md: 4, 16 and 64 starts per turn, budgets of
  // 50 µs to 1 ms tried).
  void run_commands() {
    const auto began = std::chrono::steady_clock::now();
    size_t starts = 0;
    for (;;) {
      Command c;
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (commands.empty()) {
          more_commands = false;
          return;
        }
        if (commands.front().kind == Command::start && starts > 0 &&
            (starts == kStartsPerTurn || std::chrono::steady_clock::now() - began > kStartBudget)) {
          more_commands = true;
          return;
        }
        c = std::move(commands.front());
        commands.pop_front();
      }
      switch (c.kind) {
      case Command::start:
        ++starts;
        start(std::move(c.call));
        break;
      case Command::abort:
        if (auto it = calls.find(c.id); it != calls.end())
          abort(*it->second, AbortReason::cancelled);
        break;
      case Command::stop:
        stopping = true;
        while (!calls.empty())
          abort(*calls.begin()->second, AbortReason::cancelled);
        break;
      }
    }
  }

  void run() {
    pthread_setname_np(pthread_self(), "imc-loop"); // as ps, top and perf show it
    epoll_event events[256];
    int still_running = 0;
    std::unique_lock<std::mutex> hold(turn); // released only while waiting for events
    t_turns_held = 1;
    for (;;) {
      int64_t now = clock.steady_ms();
      int64_t wait = -1;
      if (curl_deadline >= 0)
        wait = std::max<int64_t>(0, curl_deadline - now);
      if (!timers.empty()) {
        const int64_t w = std::max<int64_t>(0, timers.begin()->first - now);
        wait = wait < 0 ? w : std::min(wait, w);
      }
      if (more_commands)
        wait = 0;
      if (!paused_listeners.empty()) // the window may open on another loop: looked at each ms
        wait = wait < 0 ? 1 : std::min<int64_t>(wait, 1);
      if (!later.empty()) { // the first set aside is served defer_ms after its data came
        const int64_t w = std::max<int64_t>(0, later.front().since + burst->defer_ms - now);
        wait = wait < 0 ? w : std::min(wait, w);
      }
      wait = std::min<int64_t>(wait, 60000);
      // A call submitted now starts on its own thread (submit): it wakes this one only if it
      // needs to be woken before wake_at.
      wake_at = wait < 0 ? -1 : now + wait;
      waiting = true;
      hold.unlock();
      const int n = ::epoll_wait(epoll_fd, events, 256, static_cast<int>(wait));
      waiting = false; // before the lock: from now on new calls queue up for this turn
      hold.lock();
      bool woken = false;
      listener_ready = false;
      for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        if (fd == wake_fd) {
          uint64_t count = 0;
          [[maybe_unused]] ssize_t r = ::read(wake_fd, &count, sizeof count);
          woken = true;
          continue;
        }
        if (Running *own = own_at(fd)) {
          if (!set_aside(fd, own, events[i].events))
            own_event(fd, own, events[i].events);
          continue;
        }
        if (auto listener = listeners.find(fd); listener != listeners.end()) {
          listener_ready = true;
          if (burst)
            burst->last_seen_ms.store(clock.steady_ms(), std::memory_order_relaxed);
          if (const size_t most = accepts_allowed(); most > 0)
            listener->second(most);
          else
            pause_listener(fd);
          continue;
        }
        if (retired_listeners.count(fd))
          continue; // reported before its removal, in this same wait

        int flags = 0;
        if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP))
          flags |= CURL_CSELECT_IN;
        if (events[i].events & EPOLLOUT)
          flags |= CURL_CSELECT_OUT;
        if (events[i].events & EPOLLERR)
          flags |= CURL_CSELECT_ERR;
        curl_multi_socket_action(multi, fd, flags, &still_running);
        tell_heads();
        read_done();
      }
      if (woken || more_commands)
        run_commands();
      drive_kicks();
      if (curl_deadline >= 0 && clock.steady_ms() >= curl_deadline) {
        curl_deadline = -1;
        curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &still_running);
      }
      tell_heads();
      read_done();
      fire_timers();
      drive_kicks();
      if (!later.empty()) { // after the turn's new work: all once no burst is on
        serve_set_aside(!burst_now());
        drive_kicks();
      }
      retired_listeners.clear();
      resume_listeners();
      if (stopping && calls.empty())
        break;
    }
  }

  // How many connections a listening socket's callback may take now: 0 while the Burst's window
  // is full, unless it has been full for kMaxAcceptPause (then a turn's worth, and the pause
  // begins again).
  size_t accepts_allowed() {
    if (!burst || burst->window <= 0)
      return kMaxAcceptsPerTurn;
    if (const int room = burst->window - burst->awaiting.load(std::memory_order_relaxed);
        room > 0) {
      full_since = -1;
      return std::min<size_t>(kMaxAcceptsPerTurn, static_cast<size_t>(room));
    }
    const int64_t now = clock.steady_ms();
    if (full_since < 0)
      full_since = now;
    if (now - full_since < kMaxAcceptPause)
      return 0;
    full_since = now;
    return kMaxAcceptsPerTurn;
  }

  // Level-triggered, a listening socket with connections waiting would end every wait at once:
  // it leaves the epoll set until resume_listeners() puts it back.
  void pause_listener(int fd) {
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
    paused_listeners.push_back(fd);
  }

  void watch_listener(int fd) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    ev.data.fd = fd;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
  }

  // At the end of a turn: the paused sockets are watched again once the window has room, or once
  // it has been full for kMaxAcceptPause.
  void resume_listeners() {
    if (paused_listeners.empty())
      return;
    if (burst->awaiting.load(std::memory_order_relaxed) >= burst->window &&
        clock.steady_ms() - full_since < kMaxAcceptPause)
      return;
    for (const int fd : paused_listeners) // (a socket removed meanwhile left this list then)
      watch_listener(fd);
    paused_listeners.clear();
  }

  void drop_paused(int fd) {
    paused_listeners.erase(std::remove(paused_listeners.begin(), paused_listeners.end(), fd),
                           paused_listeners.end());
  }

  // Under `turn`, taken from another thread: the loop is between turns (waiting for events).
  void add_listener(int fd, ListenerReady on_ready) {
    std::lock_guard<std::mutex> hold(turn);
    listeners[fd] = std::move(on_ready);
    retired_listeners.erase(fd);
    drop_paused(fd); // watched from now on, not once more when the window opens
    watch_listener(fd);
  }

  void remove_listener(int fd) {
    std::lock_guard<std::mutex> hold(turn);
    if (listeners.erase(fd) == 0)
      return;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr); // (fails, harmless, when it is paused)
    drop_paused(fd);
    // An event for it may already be in the loop's hands (epoll_wait returned, the loop not yet
    // holding `turn`): it is skipped, not taken for another socket that gets the number.
    retired_listeners.insert(fd);
  }

  Clock &clock;
  std::function<double()> random01;
  size_t body_cap;
  size_t max_idle;     // idle kept-alive connections kept for later calls
  bool own_client;     // plain HTTP to an IP address through the engine's own client
  size_t attached = 0; // easy handles added to `multi`
  int epoll_fd = -1;
  int wake_fd = -1;
  CURLM *multi = nullptr;
  static constexpr size_t kSpareHandles = 64;
  std::vector<CURL *> spare; // easy handles of finished attempts, for the next ones
  int64_t curl_deadline = -1;
  std::multimap<int64_t, Timer> timers;
  std::unordered_map<uint64_t, std::unique_ptr<Running>> calls;
  std::vector<uint64_t> heads; // calls whose 2xx head arrived in this read (tell_heads)
  // The own client: each socket's attempt by descriptor (descriptors are small and dense):
  // kPooled for a kept-alive connection in `idle`, nullptr for a descriptor not its own; an event
  // reaches its attempt with one load, where two hash lookups (descriptor to call id, id to call)
  // cost a cache miss or two per relayed event. Then the kept-alive connections by origin, the
  // attempts to drive at the end of the turn, and the buffer sockets are read into.
  std::vector<Running *> own_fds;
  static inline Running *const kPooled = reinterpret_cast<Running *>(uintptr_t{1}); // (a mark)
  // Sockets of others watched for input (add_listener), and those removed since the last wait.
  std::unordered_map<int, ListenerReady> listeners;
  std::unordered_set<int> retired_listeners;
  std::vector<int> paused_listeners; // out of the epoll set while the window is full
  int64_t full_since = -1;           // steady ms: when this loop found the window full
  // Kept-alive connections by address (the own client's origins are plain HTTP to an IP
  // address and port: one address per origin, compared without building the origin's text).
  std::vector<std::pair<SocketAddress, std::vector<int>>> idle;
  std::vector<int> *idle_for(const SocketAddress &a, bool add = false) {
    for (auto &[address, fds] : idle)
      if (address.length == a.length && std::memcmp(&address.storage, &a.storage, a.length) == 0)
        return &fds;
    if (!add)
      return nullptr;
    return &idle.emplace_back(a, std::vector<int>{}).second;
  }
  std::vector<uint64_t> kicks;
  // Under a burst (stream_engine.h): the transport's shared signal (nullptr: nothing is set
  // aside), whether a watched socket was readable in this turn, and the sockets set aside in the
  // order their data came.
  Burst *burst = nullptr;
  bool listener_ready = false;
  struct Aside {
    int fd;
    uint64_t id;
    int64_t since; // steady ms
  };
  std::deque<Aside> later;
  char read_buffer[16384];
  uint64_t last_id = 0;
  std::atomic<size_t> in_flight{0};
  bool stopping = false;
  static constexpr size_t kStartsPerTurn = 16;
  static constexpr std::chrono::microseconds kStartBudget{100};
  // The engine's state is the loop's, changed under `turn`: the loop holds it except while it
  // waits for events, when a submitting thread may take it to start its call (submit).
  std::mutex turn;
  // The loop waits for events, until wake_at (-1: until an event); set under `turn`, cleared as
  // the wait ends, before the loop takes `turn` again.
  std::atomic<bool> waiting{false};
  int64_t wake_at = -1;
  std::mutex mutex; // the command queue's
  std::deque<Command> commands;
  bool more_commands = false; // commands left for the next turn (under `mutex`)
  std::thread thread;
};

StreamEngine::StreamEngine(Clock &clock, std::function<double()> random01,
                           size_t max_idle_connections, size_t wire_log_body_cap,
                           bool own_http1_client, Burst *burst)
    : impl_(std::make_unique<Impl>(clock, std::move(random01), max_idle_connections,
                                   wire_log_body_cap, own_http1_client, burst)) {}

StreamEngine::~StreamEngine() = default;

void StreamEngine::submit(std::unique_ptr<Call> call) { impl_->submit(std::move(call)); }

size_t StreamEngine::in_flight() const { return impl_->in_flight.load(); }

void StreamEngine::add_listener(int fd, ListenerReady on_ready) {
  impl_->add_listener(fd, std::move(on_ready));
}

void StreamEngine::remove_listener(int fd) { impl_->remove_listener(fd); }

bool StreamEngine::on_engine_thread() { return t_turns_held > 0; }

} // namespace imc::transport::detail
