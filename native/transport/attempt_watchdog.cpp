#include "attempt_watchdog.h"

#include <algorithm>
#include <chrono>

namespace imc::transport {

AttemptWatchdog::AttemptWatchdog(httplib::Client &client, Clock &clock, const CancelToken &cancel,
                                 int64_t total_deadline_ms)
    : client_(client), clock_(clock), total_deadline_ms_(total_deadline_ms) {
  cancel_registration_ = cancel.on_cancel([this] {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled_ = true;
    changed_.notify_all();
  });
  thread_ = std::thread([this] { run(); });
}

AttemptWatchdog::~AttemptWatchdog() {
  cancel_registration_ = {}; // no callback may run against a half-destroyed watchdog
  {
    std::lock_guard<std::mutex> lock(mutex_);
    done_ = true;
    changed_.notify_all();
  }
  thread_.join();
}

void AttemptWatchdog::expect_head_by(int64_t deadline_ms) {
  std::lock_guard<std::mutex> lock(mutex_);
  head_deadline_ms_ = deadline_ms;
  changed_.notify_all();
}

void AttemptWatchdog::head_arrived() {
  std::lock_guard<std::mutex> lock(mutex_);
  head_deadline_ms_ = -1;
  changed_.notify_all();
}

void AttemptWatchdog::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!done_) {
    if (aborted_.load() == AbortReason::none) {
      const int64_t now = clock_.steady_ms();
      AbortReason reason = AbortReason::none;
      if (cancelled_)
        reason = AbortReason::cancelled;
      else if (head_deadline_ms_ >= 0 && now >= head_deadline_ms_ &&
               head_deadline_ms_ < total_deadline_ms_)
        reason = AbortReason::first_byte_timeout;
      else if (now >= total_deadline_ms_)
        reason = AbortReason::total_timeout;
      if (reason == AbortReason::none) {
        int64_t next = total_deadline_ms_;
        if (head_deadline_ms_ >= 0)
          next = std::min(next, head_deadline_ms_);
        // Re-read the clock at least once a second (an injected clock may jump).
        const int64_t wait = std::clamp<int64_t>(next - now, 1, 1000);
        changed_.wait_for(lock, std::chrono::milliseconds(wait));
        continue;
      }
      aborted_.store(reason);
    }
    // stop() may block while the client connects (it takes the socket lock): not under ours.
    lock.unlock();
    client_.stop();
    lock.lock();
    changed_.wait_for(lock, std::chrono::milliseconds(20), [this] { return done_; });
  }
}

} // namespace imc::transport
