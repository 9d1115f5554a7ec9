#pragma once
// Per-endpoint limits shared by every call to the endpoint in the process (docs/ARCHITECTURE.md,
// "Transport"): at most `concurrency` calls at once, and token buckets over requests per minute
// and tokens per minute. Tokens are estimated before a call (estimate_tokens) and corrected with
// the usage the provider reports (Permit::settle).
#include "cancel_token.h"
#include "clock.h"

#include "imc/chat.h"
#include "imc/endpoint_config.h"

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace imc::transport {

// A bucket refilled at `per_minute` units per minute that holds at most `burst` units, by
// default one second's worth (and at least one unit): pacing is smooth, bursts stay small, so a
// provider's own per-minute counter is rarely surprised. The requests bucket of an endpoint
// holds a single request (EndpointLimiter): calls are spaced evenly at the rate, and a process
// that was descheduled for a while cannot release a second's worth of calls at once when it
// runs again.
//
// Admission: `amount` is admitted once the level reaches min(amount, capacity); then the whole
// amount is taken, so the level may go negative. A large request therefore goes when the bucket
// is full and later ones wait out the debt: the average rate holds whatever the request sizes.
class TokenBucket {
public:
  // per_minute 0 = unlimited; burst 0 = one second's worth. Starts full.
  explicit TokenBucket(double per_minute = 0, int64_t now_ms = 0, double burst = 0);

  bool unlimited() const { return per_minute_ <= 0; }
  double per_minute() const { return per_minute_; }
  double capacity() const { return capacity_; }
  double level(int64_t now_ms);

  // 0 when `amount` was admitted and taken now; otherwise the milliseconds until it would be
  // admitted (nothing is taken).
  int64_t try_take(double amount, int64_t now_ms);
  // Adds `amount` back (negative: takes more), never above capacity: refunds and corrections.
  void give_back(double amount, int64_t now_ms);
  // A new rate (a reloaded config); the level is kept, clamped to the new capacity.
  void set_rate(double per_minute, int64_t now_ms);

private:
  void refill(int64_t now_ms);

  double per_minute_ = 0;
  double burst_ = 0;
  double capacity_ = 0;
  double level_ = 0;
  int64_t updated_ms_ = 0;
};

// A rough count of the tokens a call uses, for the tokens-per-minute bucket: text bytes / 4,
// 1,000 per image, plus the output cap (the effective max_tokens, else 1,024). Providers count
// max_tokens against their own limits at request time too.
int64_t estimate_tokens(const Endpoint &endpoint, const ChatRequest &request);

enum class WaitEnd { ok, cancelled, deadline };

class EndpointLimiter {
public:
  EndpointLimiter(const EndpointLimits &limits, Clock &clock);

  // The endpoint's limits changed (a reloaded config). Calls in flight keep their slots.
  void update(const EndpointLimits &limits);

  // A concurrency slot and the token estimate of one call; released when destroyed.
  class Permit {
  public:
    Permit() = default;
    Permit(Permit &&other) noexcept;
    Permit &operator=(Permit &&other) noexcept;
    Permit(const Permit &) = delete;
    Permit &operator=(const Permit &) = delete;
    ~Permit();

    explicit operator bool() const { return limiter_ != nullptr; }
    // The call is over and used `actual_tokens` (input + output as reported): the difference to
    // the estimate goes back into (or is taken from) the tokens bucket.
    void settle(int64_t actual_tokens);
    // The call was not processed by the provider (refused before sending, 429): give the whole
    // estimate back.
    void refund() { settle(0); }

  private:
    friend class EndpointLimiter;
    EndpointLimiter *limiter_ = nullptr;
    int64_t estimated_tokens_ = 0;
    bool settled_ = false;
  };

  struct Acquired {
    Permit permit; // empty unless end == ok
    WaitEnd end = WaitEnd::ok;
    int64_t waited_ms = 0; // time spent waiting for the slot and the buckets
  };

  // Waits for a free slot, then for the request and token buckets (one request, `tokens`
  // tokens). Gives up when `cancel` is cancelled or at `deadline_ms` (steady clock), taking
  // nothing.
  Acquired acquire(int64_t tokens, const CancelToken &cancel, int64_t deadline_ms);
  // As acquire(), without waiting: the permit when a slot is free and both buckets admit the
  // request now, else nothing taken (an event loop, which must not block, asks this first).
  std::optional<Acquired> try_acquire(int64_t tokens);
  // One more request of a call that holds a permit (a retry): waits for the request bucket.
  WaitEnd acquire_retry(const CancelToken &cancel, int64_t deadline_ms);

  int in_flight() const;

  // Pure step for tests: takes one request and `tokens` tokens if both buckets admit them now;
  // else takes nothing and returns the wait in ms.
  int64_t try_reserve(int64_t tokens, int64_t now_ms);

private:
  void release_slot();
  void give_back_tokens(int64_t tokens);
  WaitEnd wait_for_buckets(int64_t tokens, const CancelToken &cancel, int64_t deadline_ms);

  Clock &clock_;
  mutable std::mutex mutex_;
  std::condition_variable slot_freed_;
  int concurrency_;
  int in_flight_ = 0;
  TokenBucket requests_;
  TokenBucket tokens_;
};

// The process-wide table of limiters, one per endpoint (name and base URL), so that every
// transport, worker and proxy request shares the endpoint's limits.
class LimiterRegistry {
public:
  explicit LimiterRegistry(Clock &clock = Clock::system());
  static LimiterRegistry &process();

  // The endpoint's limiter, created on first use; later calls update it to the endpoint's limits.
  std::shared_ptr<EndpointLimiter> for_endpoint(const Endpoint &endpoint);

private:
  Clock &clock_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<EndpointLimiter>> limiters_;
};

} // namespace imc::transport
