#include "retry_policy.h"

#include <algorithm>
#include <cmath>

namespace imc::transport {

int64_t backoff_delay_ms(const RetryPolicy &policy, int retry,
                         std::optional<int64_t> retry_after_ms, double unit_random) {
  const int exponent = std::clamp(retry, 0, 30); // 2^30 * base overflows nothing in double
  const double ceiling = std::min(double(policy.max_delay_ms),
                                  double(policy.base_delay_ms) * std::ldexp(1.0, exponent));
  const double u = std::clamp(unit_random, 0.0, 1.0);
  const int64_t jittered = static_cast<int64_t>(std::floor(ceiling * u));
  return std::max(jittered, std::max<int64_t>(0, retry_after_ms.value_or(0)));
}

bool is_retryable_kind(ErrorKind kind) {
  return kind == ErrorKind::rate_limited || kind == ErrorKind::overloaded ||
         kind == ErrorKind::network;
}

} // namespace imc::transport
