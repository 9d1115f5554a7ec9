#pragma once
// The native transport: runs a model call (core/include/imc/provider.h) over HTTP and decodes
// the reply as it arrives — on the calling thread with cpp-httplib + OpenSSL (chat, send), or
// on one event-loop thread with libcurl (chat_async). docs/ARCHITECTURE.md, "Transport",
// tells how limits, retries, timeouts, cancellation and wire logs work together.
//
//   HttpTransport transport;                       // one per process is plenty; thread-safe
//   CallOptions options;
//   options.on_event = [](const ChatEvent &e) { ... TextDelta as it streams ... };
//   CallResult r = transport.chat(endpoint, request, options);
//   r.response.text / r.response.error / r.wire_log
//
// Promises:
// - Events reach `on_event` on the calling thread, in the order of chat.h's grammar, ending
//   with exactly one Finish or StreamError; CallResult::response is their fold.
// - A call ends within timeouts.total_ms (plus a few ms), on cancel within a few ms (during a
//   connect: when the connect attempt ends), and never hangs on a server that drips bytes.
// - Retries (retry_policy.h) happen only before anything was passed to `on_event`, so streamed
//   text is never duplicated.
// - No secret value appears in CallResult: errors and the wire log are scrubbed (secrets.h).
// - The process ignores SIGPIPE from the first transport on: a write to a closed connection is
//   an error value, not a signal that kills the process.
#include "cancel_token.h"
#include "clock.h"
#include "rate_limiter.h"
#include "retry_policy.h"
#include "wire_log.h"

#include "imc/chat.h"
#include "imc/endpoint_config.h"
#include "imc/http.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace imc::transport {

struct TransportOptions {
  EnvLookup env;                       // secrets' variables; default process_env()
  Clock *clock = nullptr;              // default Clock::system()
  LimiterRegistry *limiters = nullptr; // default LimiterRegistry::process()
  std::function<double()> random;      // uniform [0, 1) for backoff jitter; default seeded
  RetryPolicy retry;
  size_t wire_log_body_cap = 64 * 1024; // response bytes kept in a wire log
  // Idle kept-alive connections per origin for each core's worth of event loops (as nginx's
  // `keepalive 8` per worker, one worker per core): with two loops per core each keeps half.
  size_t max_idle_connections_per_origin = 8;
  // chat_async: plain-HTTP endpoints at an IP address go through the event loop's own HTTP/1.1
  // client (stream_engine.h), everything else through libcurl. false, or IMC_UPSTREAM_CLIENT=
  // libcurl in the environment: libcurl for every endpoint.
  bool own_http1_client = true;
  // chat_async through the own client: while an event loop has new connections to take (a socket
  // it watches for imc serve, share_loops, was readable in its turn or in any loop's within the
  // last millisecond) or calls queued to start, a stream that has already passed its first event
  // on is read no sooner than this many ms after its data came; then everything that came in
  // between is read at once. A burst's first bytes go before the middles of streams already
  // running (docs/PERFORMANCE.md, "The middle of a stream waits for a burst"). 0: every stream is
  // read as its data comes.
  int burst_defer_ms = 10;
  // Loops lent to a listening socket (share_loops) take no new connections while this many calls
  // per core (of all the transport's calls) wait for their upstream's first byte: the rest of a
  // burst waits in the socket's queue, at most 10 ms at a time, and the first streams of the
  // burst get their first bytes before the loops set up the last ones (stream_engine.h; at 128,
  // 192 and 256 streams on two cores the median first byte came 0.5-0.7 ms sooner,
  // docs/PERFORMANCE.md). 0: connections are taken as they come.
  int awaiting_first_byte_per_core = 32;
};

struct CallOptions {
  CallOptions() = default;
  // With a token of the caller's (no token of its own made, to be replaced).
  explicit CallOptions(CancelToken token) : cancel(std::move(token)) {}

  std::string call_id; // "" = a fresh "call-<hex>"
  CancelToken cancel;
  std::function<void(const ChatEvent &)> on_event; // on the calling thread, as events decode
  // Calls through chat_async only: called at most once, on the event loop's thread, when a
  // response head with a 2xx status arrived (the upstream took the request) and the read that
  // brought it passed no event on. A relay can start its own response then, as a reverse proxy
  // passes the head on, instead of waiting for the first event; events and the call's end
  // follow as usual (a later failure, retried or not, ends the call through on_event).
  std::function<void()> on_response_start;
  // Called after the events that one read of the response passed to `on_event` (none: not
  // called): a relay may hold a read's events and write them here in one go, so that what came
  // in one read goes out in one write. A read is one `recv` of the event loop's own client (under
  // a burst it may carry several chunks, stream_engine.h); each piece of body otherwise. On the
  // thread of `on_event`, before any other call's events on that thread; a call's last events
  // (its finish or error) are followed by it too, or by the call's end.
  std::function<void()> on_read_end;
  std::optional<RetryPolicy> retry;         // else the transport's
  std::optional<EndpointTimeouts> timeouts; // else the endpoint's
  std::optional<int64_t> estimated_tokens;  // for the tokens-per-minute bucket
  // false: the wire log keeps no request or response body, only heads, timings and outcome
  // (the proxy's relayed calls: nobody reads those bodies, and each is a copy of every byte).
  bool wire_log_bodies = true;
};

struct CallResult {
  ChatResponse response; // the fold of every event passed to on_event
  WireLog wire_log;      // also holds the timings: latency_ms, ttft_ms, attempts
};

class HttpTransport {
public:
  explicit HttpTransport(TransportOptions options = {});
  ~HttpTransport();
  HttpTransport(const HttpTransport &) = delete;
  HttpTransport &operator=(const HttpTransport &) = delete;

  // Builds the provider request (build_chat_request: images must already be fitted with
  // fit_request_images) and sends it. A request that cannot be built ends at once in the
  // `config` or `unsupported` error (to_stream_error), without touching the network.
  CallResult chat(const Endpoint &endpoint, const ChatRequest &request,
                  const CallOptions &options = {});

  // Sends a built request (AuthNeeds not yet fulfilled) and decodes its reply with
  // `endpoint.protocol`'s decoder. A missing key variable ends in a `config` error naming the
  // variable, before any limiter wait or network traffic.
  CallResult send(const Endpoint &endpoint, const HttpRequest &request,
                  const CallOptions &options = {});

  // The same call, run on the transport's event loop (stream_engine.h) instead of the calling
  // thread: for a server relaying many streams at once. The wait for the endpoint's limits
  // happens here, on the calling thread; then this returns, and `on_event` and `done` run on
  // the loop's thread (`done` exactly once, after the terminal event). A call that ends before
  // reaching the network (a request that cannot be built, a missing key, the limits' deadline,
  // a cancel during that wait) runs `done` on the calling thread before this returns.
  // `on_event` and `done` must not block: every other stream waits for them.
  // Called on one of the loops themselves (a server whose loops accept requests, below), the
  // wait must not block the loop: a permit the endpoint's limits give at once is taken there,
  // and a call that would wait waits on a thread of its own (which then runs what the calling
  // thread would have).
  void chat_async(const Endpoint &endpoint, const ChatRequest &request, CallOptions options,
                  std::function<void(CallResult)> done);

  // Lends the event loops (started if they were not) to watch `fd`, a listening socket:
  // `on_ready(most)` runs on a loop's thread whenever it is readable and the loops take new
  // connections (StreamEngine::add_listener; awaiting_first_byte_per_core), with how many it may
  // take now, and must not block. imc serve's loops accept the plain chats this way.
  void share_loops(int fd, const std::function<void(size_t most)> &on_ready);
  // After it returns no loop runs `on_ready` for `fd` again. Not from a loop's thread.
  void unshare_loops(int fd);

  // How many event loops chat_async spreads its calls over: two per core (http_transport.cpp).
  static size_t event_loops();

  // Idle kept-alive connections to `origin` ("http://127.0.0.1:8080"), for tests.
  size_t idle_connections(const std::string &origin) const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace imc::transport
