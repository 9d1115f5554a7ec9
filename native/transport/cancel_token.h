#pragma once
// Cancelling a model call from another thread: the UI's Stop button, Ctrl-C in the CLI, a proxy
// client that went away. A CancelToken is a cheap handle; copies share one state, so the caller
// keeps a copy and hands another to the transport.
//
// The transport checks the token between steps (limiter waits, backoff sleeps, each received body
// chunk) and registers a callback that aborts the socket it is blocked on, so a cancel takes
// effect within milliseconds, not at the next timeout.
#include <cstdint>
#include <functional>
#include <memory>

namespace imc::transport {

class CancelToken {
  struct State;

public:
  CancelToken(); // not cancelled

  // Idempotent and thread-safe: wakes every wait_for_ms() and runs each registered callback once.
  void cancel() const;
  bool cancelled() const;

  // Sleeps up to `ms` milliseconds (real time); returns true as soon as the token is cancelled.
  bool wait_for_ms(int64_t ms) const;

  // Keeps a callback registered until it is destroyed. Destroying it waits for a running callback
  // to return, so the callback may safely use objects that outlive the registration.
  class Registration {
  public:
    Registration() = default;
    Registration(Registration &&) noexcept;
    Registration &operator=(Registration &&) noexcept;
    Registration(const Registration &) = delete;
    Registration &operator=(const Registration &) = delete;
    ~Registration();

  private:
    friend class CancelToken;
    std::shared_ptr<State> state_; // nested classes see CancelToken's private State
    uint64_t id_ = 0;
    void reset();
  };

  // Runs `callback` on the cancelling thread when the token is cancelled, or at once (on this
  // thread) when it already is. The callback must not call back into the token.
  Registration on_cancel(std::function<void()> callback) const;

private:
  std::shared_ptr<State> state_;
};

} // namespace imc::transport
