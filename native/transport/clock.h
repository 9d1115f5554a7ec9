#pragma once
// Time for the transport, injectable so rate limits, backoff and timestamps are tested without
// sleeping: a test clock advances when something sleeps on it.
#include "cancel_token.h"

#include <cstdint>

namespace imc::transport {

class Clock {
public:
  virtual ~Clock() = default;
  // Monotonic milliseconds (any origin): deadlines, limiter refills, latencies.
  virtual int64_t steady_ms() = 0;
  // Milliseconds since the Unix epoch (UTC): timestamps, SigV4 dates, HTTP-date Retry-After.
  virtual int64_t unix_ms() = 0;
  // Sleeps up to `ms`; returns true early when `cancel` is cancelled (false after a full sleep).
  virtual bool sleep_ms(int64_t ms, const CancelToken &cancel) = 0;

  // The real clocks (std::chrono::steady_clock, system_clock); thread-safe.
  static Clock &system();
};

} // namespace imc::transport
