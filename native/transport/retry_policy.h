#pragma once
// When and how long to wait before trying a failed model call again.
//
// Retried: 429 (rate_limited), 503 and 529 (overloaded) and network failures (connect refused,
// reset, a connect timeout) — and only while nothing of the reply has been passed on to the
// caller, so streamed text is never duplicated. Not retried: other 5xx, 4xx, first-byte and
// total timeouts (the model may still be generating: a retry could pay twice), protocol errors.
#include "imc/chat.h"

#include <cstdint>
#include <optional>

namespace imc::transport {

struct RetryPolicy {
  int max_retries = 3;                // attempts after the first one
  int64_t base_delay_ms = 500;        // ceiling of the first backoff
  int64_t max_delay_ms = 20000;       // cap of the exponential ceiling
  int64_t max_retry_after_ms = 60000; // a longer Retry-After ends the call instead
};

// Exponential backoff with full jitter (a uniform draw in [0, min(max_delay, base * 2^retry)]),
// at least the server's Retry-After when it sent one. `retry` counts from 0; `unit_random` is a
// draw from [0, 1).
int64_t backoff_delay_ms(const RetryPolicy &policy, int retry,
                         std::optional<int64_t> retry_after_ms, double unit_random);

// Kinds a call may be retried for (see above); a connect timeout is retryable too, which the
// transport decides separately because its kind is `timeout`.
bool is_retryable_kind(ErrorKind kind);

} // namespace imc::transport
