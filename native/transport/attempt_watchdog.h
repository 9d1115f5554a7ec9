#pragma once
// Enforces one attempt's deadlines and its cancel token while the calling thread is blocked
// inside cpp-httplib (connecting, waiting for a head, reading a body that drips a byte a
// second). cpp-httplib's own read timeout is per recv() and cannot express "first byte within
// N ms" or "all of it within M ms", and a blocked recv() never looks at a token. So a small
// thread waits for the earliest of the deadline and a cancel, and then aborts the exchange with
// httplib::Client::stop() — the one call cpp-httplib makes safe from another thread (it shuts
// the socket down; the blocked read returns and the request fails).
//
// stop() is repeated every 20 ms until the attempt ends: a stop() that lands just before the
// request takes its socket would otherwise be lost. During connect() cpp-httplib holds the socket
// lock, so an abort takes effect when the connect attempt ends (bounded by timeouts.connect_ms).
#include "cancel_token.h"
#include "clock.h"

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace imc::transport {

enum class AbortReason { none, cancelled, first_byte_timeout, total_timeout };

class AttemptWatchdog {
public:
  // Starts watching: aborts at `total_deadline_ms` (steady clock) or when `cancel` fires.
  AttemptWatchdog(httplib::Client &client, Clock &clock, const CancelToken &cancel,
                  int64_t total_deadline_ms);
  // Stops watching (never aborts after this returns) and joins the thread.
  ~AttemptWatchdog();
  AttemptWatchdog(const AttemptWatchdog &) = delete;
  AttemptWatchdog &operator=(const AttemptWatchdog &) = delete;

  // The request was sent: the head must arrive by `deadline_ms` (first-byte timeout).
  void expect_head_by(int64_t deadline_ms);
  // The head arrived: only the total deadline applies from now on.
  void head_arrived();

  AbortReason aborted() const { return aborted_.load(); }

private:
  void run();

  httplib::Client &client_;
  Clock &clock_;
  int64_t total_deadline_ms_;
  int64_t head_deadline_ms_ = -1; // -1: none
  std::mutex mutex_;
  std::condition_variable changed_;
  bool done_ = false;
  bool cancelled_ = false;
  std::atomic<AbortReason> aborted_{AbortReason::none};
  CancelToken::Registration cancel_registration_;
  std::thread thread_;
};

} // namespace imc::transport
