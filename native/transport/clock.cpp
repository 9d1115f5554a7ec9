#include "clock.h"

#include <chrono>

namespace imc::transport {

namespace {

class SystemClock final : public Clock {
public:
  int64_t steady_ms() override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  int64_t unix_ms() override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  bool sleep_ms(int64_t ms, const CancelToken &cancel) override { return cancel.wait_for_ms(ms); }
};

} // namespace

Clock &Clock::system() {
  static SystemClock clock;
  return clock;
}

} // namespace imc::transport
