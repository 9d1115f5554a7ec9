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
// call's events and its `done` — runs on the engine's thread. A cancel (CancelToken) posts an
// abort to that thread. Destroying the engine ends every call in flight as cancelled (each
// `done` runs) and joins the thread.
//
// Written by hand: the loop around libcurl (the documented multi_socket pattern) is the only
// code here; HTTP, TLS, chunked decoding and the connection cache are libcurl's.
#include "call_parts.h"
#include "rate_limiter.h"

#include <cstdint>
#include <functional>
#include <memory>

namespace imc::transport::detail {

class StreamEngine {
public:
  struct Call {
    Endpoint endpoint;
    HttpRequest request;                  // built, its AuthNeeds not yet fulfilled
    std::unique_ptr<CallContext> context; // refers to endpoint and request above
    std::shared_ptr<EndpointLimiter> limiter;
    std::function<void(CallResult)> done;
  };

  // `max_idle_connections`: idle kept-alive connections kept for later calls (however many are
  // in use);
  // `wire_log_body_cap`: response bytes kept in a wire log.
  StreamEngine(Clock &clock, std::function<double()> random01, size_t max_idle_connections,
               size_t wire_log_body_cap);
  ~StreamEngine();
  StreamEngine(const StreamEngine &) = delete;
  StreamEngine &operator=(const StreamEngine &) = delete;

  // Starts the call (its permit already acquired). Thread-safe.
  void submit(std::unique_ptr<Call> call);
  // Calls submitted and not yet ended.
  size_t in_flight() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace imc::transport::detail
