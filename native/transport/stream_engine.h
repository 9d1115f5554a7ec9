#pragma once
// The transport's event loop: model calls whose bytes move on one thread, with libcurl's multi
// interface driven by epoll (curl_multi_socket_action), instead of a blocked thread per call.
// `imc serve` relays many concurrent streams through it (HttpTransport::chat_async): one wake-up
// serves every connection that became readable, where a thread per stream costs a context
// switch per chunk. The call's semantics are CallContext's (call_parts.h), the same as the
// blocking path's: held events until the first text, retries with backoff and Retry-After, the
// limiter's request bucket before each retry, first-byte and total deadlines, cancellation, the
// wire log.
//
// Threading: submit() from any thread; everything else — each attempt, its callbacks, the
// call's events and its `done` — runs on the engine's thread, or under its lock: a call
// submitted while the loop waits for events starts on the submitting thread (its request goes
// out without waiting for the loop to wake), so a call that fails at once (cancelled already)
// runs its `done` there. A cancel (CancelToken) posts an abort to the engine's thread.
// Destroying the engine ends every call in flight as cancelled (each `done` runs) and joins the
// thread.
//
// Two clients under one loop. Plain-HTTP endpoints at an IP address (a local llama-server, a
// gateway on the host: what imc serve relays most) go through the loop's own HTTP/1.1 client:
// its sockets are in the loop's epoll set, edge-triggered, with a kept-alive pool per origin;
// responses are parsed by Debian's http-parser (http1_wire.h). It does per stream what nginx
// does, where libcurl's general machinery (a poll() after every read, per-transfer set-up) cost
// imc serve a third more CPU than nginx (docs/PERFORMANCE.md). Everything else — TLS, host
// names — goes through libcurl's multi interface driven by the same epoll
// (curl_multi_socket_action). Both map their failures to the same errors, and the transport's
// tests run against both (TransportFakeAsync, TransportFakeAsyncLibcurl, Http1Calls).
// TransportOptions::own_http1_client (or IMC_UPSTREAM_CLIENT=libcurl) sends everything through
// libcurl.
//
// Under a burst the middles of streams wait (TransportOptions::burst_defer_ms): while a loop has
// new connections to take (a socket it watches, add_listener, was readable in its turn, or in
// another loop's of the same Burst within the last millisecond) or calls queued to start, a
// readable own-client socket whose call has already passed an event on is set aside instead of
// read; the loop reads it once nothing new waits any more, or once it has waited defer_ms. So
// the loop's turns go to forwarding new requests and relaying first bytes, and the middle of a
// stream is read a few ms later, in one read for what came meanwhile (at 256 streams on two
// cores the median first byte came about 1 ms sooner, docs/PERFORMANCE.md). The first bytes of
// a call, its failures and libcurl's sockets are never set aside.
//
// A burst is taken in windows (TransportOptions::awaiting_first_byte_per_core): while that many
// of the transport's calls wait for their upstream's first byte, the loops take no more
// connections from the sockets they watch (the socket is left out of the loop's epoll for a
// while); the rest of the burst waits in the listening socket's queue, for kMaxAcceptPause ms at
// most at a time, and the loop's turns go to the streams already taken. The first streams of a
// burst then get their first bytes before the set-up of the last ones, as from an nginx worker
// that accepts one connection per event (at 128, 192 and 256 streams on two cores the median
// first byte came 0.5-0.7 ms sooner, docs/PERFORMANCE.md).
//
// Written by hand: the loop, the own client's socket steps (connect, write, read, the pool) and
// its request head; HTTP parsing is http-parser's, and TLS, resolving and the rest libcurl's.
#include "call_parts.h"
#include "rate_limiter.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>

namespace imc::transport::detail {

class StreamEngine {
public:
  struct Call {
    Endpoint endpoint;
    HttpRequest request;                  // built, its AuthNeeds not yet fulfilled
    // Refers to endpoint and request above; in place (the call is one allocation, not two).
    std::optional<CallContext> context;
    std::shared_ptr<EndpointLimiter> limiter;
    std::function<void(CallResult)> done;
  };

  // A transport's loops share one: when any of them last found new connections waiting, and
  // how many of their calls wait for a first byte.
  struct Burst {
    int defer_ms = 0; // TransportOptions::burst_defer_ms; 0: nothing is set aside
    std::atomic<int64_t> last_seen_ms{std::numeric_limits<int64_t>::min() / 2}; // steady ms
    // Taking new connections stops while `awaiting` (calls submitted whose response has not
    // begun) is at least `window`; 0: no window.
    int window = 0;
    std::atomic<int> awaiting{0};
  };
  // How long a loop leaves its listening sockets out at most before it takes connections again,
  // however many calls wait (upstreams that are slow to answer must not shut the server).
  static constexpr int kMaxAcceptPause = 10; // ms
  // At most this many connections are taken from a listening socket in one turn.
  static constexpr size_t kMaxAcceptsPerTurn = 64;
  // What add_listener runs: `most`, how many connections it may take now (1 to
  // kMaxAcceptsPerTurn).
  using ListenerReady = std::function<void(size_t most)>;

  // `max_idle_connections`: idle kept-alive connections kept for later calls (however many are
  // in use);
  // `wire_log_body_cap`: response bytes kept in a wire log;
  // `own_http1_client`: plain-HTTP endpoints at an IP address go through the engine's own
  // HTTP/1.1 client (http1_wire.h) rather than libcurl;
  // `burst`: shared with the transport's other loops (outlives the engine); nullptr, none.
  StreamEngine(Clock &clock, std::function<double()> random01, size_t max_idle_connections,
               size_t wire_log_body_cap, bool own_http1_client = true, Burst *burst = nullptr);
  ~StreamEngine();
  StreamEngine(const StreamEngine &) = delete;
  StreamEngine &operator=(const StreamEngine &) = delete;

  // Starts the call (its permit already acquired). Thread-safe.
  void submit(std::unique_ptr<Call> call);

  // Runs `on_ready` on the engine's thread, in its turn, whenever `fd` is readable (level-
  // triggered, EPOLLEXCLUSIVE: of several engines watching one listening socket, a connection
  // wakes one) and the Burst's window lets it take connections. imc serve's loops accept the
  // plain chats themselves this way, as an nginx worker does, instead of waking a connection
  // thread for each. `on_ready` must not block. Not from an engine's own thread.
  void add_listener(int fd, ListenerReady on_ready);
  // After it returns, `on_ready` runs no more for `fd` (the socket may then be closed). Not from
  // an engine's own thread.
  void remove_listener(int fd);
  // True on an engine's thread (in its turn): what runs there must not block.
  static bool on_engine_thread();
  // Calls submitted and not yet ended.
  size_t in_flight() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace imc::transport::detail
