// Rate limits, concurrency and backoff of the transport with an injected clock: no test sleeps.
#include "transport/rate_limiter.h"
#include "transport/retry_policy.h"

#include "imc/chat.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace imc::test {
namespace {

using namespace imc::transport;

// Time moves only when something sleeps on it (or a test advances it).
class TestClock final : public Clock {
public:
  int64_t steady_ms() override { return now_.load(); }
  int64_t unix_ms() override { return 1795773600000 + now_.load(); }
  bool sleep_ms(int64_t ms, const CancelToken &cancel) override {
    if (cancel.cancelled())
      return true;
    sleeps.push_back(ms);
    now_ += ms;
    return cancel.cancelled();
  }
  void advance(int64_t ms) { now_ += ms; }
  std::vector<int64_t> sleeps;

private:
  std::atomic<int64_t> now_{0};
};

TEST(TokenBucket, UnlimitedAdmitsEverythingAtOnce) {
  TokenBucket bucket(0, 0);
  EXPECT_TRUE(bucket.unlimited());
  for (int i = 0; i < 1000; ++i)
    EXPECT_EQ(bucket.try_take(1e9, 0), 0);
}

TEST(TokenBucket, HoldsOneSecondOfTheRateAndRefillsContinuously) {
  TokenBucket bucket(120, 0); // 2 a second
  EXPECT_DOUBLE_EQ(bucket.capacity(), 2.0);
  EXPECT_EQ(bucket.try_take(1, 0), 0);
  EXPECT_EQ(bucket.try_take(1, 0), 0);
  EXPECT_EQ(bucket.try_take(1, 0), 500); // the next unit refills in half a second
  EXPECT_EQ(bucket.try_take(1, 499), 1);
  EXPECT_EQ(bucket.try_take(1, 500), 0);
  EXPECT_NEAR(bucket.level(10000), 2.0, 1e-9); // never above capacity
}

TEST(TokenBucket, SlowRatesStillAdmitOneUnitBursts) {
  TokenBucket bucket(6, 0); // one every 10 s
  EXPECT_DOUBLE_EQ(bucket.capacity(), 1.0);
  EXPECT_EQ(bucket.try_take(1, 0), 0);
  EXPECT_EQ(bucket.try_take(1, 0), 10000);
}

TEST(TokenBucket, LargeRequestGoesWhenFullAndLaterOnesWaitOutTheDebt) {
  TokenBucket bucket(60000, 0);             // 1,000 tokens a second, capacity 1,000
  EXPECT_EQ(bucket.try_take(5000, 0), 0);   // admitted when full; level -4,000
  EXPECT_EQ(bucket.try_take(100, 0), 4100); // 4,000 of debt + 100, at 1 per ms
  EXPECT_EQ(bucket.try_take(100, 4100), 0);
}

TEST(TokenBucket, GiveBackRefundsAndCorrections) {
  TokenBucket bucket(60000, 0);
  EXPECT_EQ(bucket.try_take(1000, 0), 0);
  bucket.give_back(600, 0); // the call used 400 of the 1,000 estimated
  EXPECT_NEAR(bucket.level(0), 600, 1e-9);
  bucket.give_back(-900, 0); // another used 900 more than estimated
  EXPECT_NEAR(bucket.level(0), -300, 1e-9);
  bucket.give_back(1e9, 0);
  EXPECT_NEAR(bucket.level(0), 1000, 1e-9); // capped
}

TEST(TokenEstimate, CountsTextImagesAndTheOutputCap) {
  Endpoint e;
  ChatRequest r;
  r.system = std::string(400, 's');
  r.turns = {user_text(std::string(800, 'u'))};
  r.turns[0].content.push_back(ImagePart{"image/png", "png", ""});
  r.parameters.max_tokens = 50;
  EXPECT_EQ(estimate_tokens(e, r), 1200 / 4 + 1000 + 50);
  r.parameters.max_tokens.reset();
  EXPECT_EQ(estimate_tokens(e, r), 300 + 1000 + 1024);
  e.defaults.max_tokens = 200;
  EXPECT_EQ(estimate_tokens(e, r), 300 + 1000 + 200);
}

EndpointLimits limits(int concurrency, double rpm, double tpm) {
  EndpointLimits l;
  l.concurrency = concurrency;
  l.requests_per_minute = rpm;
  l.tokens_per_minute = tpm;
  return l;
}

TEST(EndpointLimiter, RequestsPerMinutePacesAcquisitions) {
  TestClock clock;
  EndpointLimiter limiter(limits(10, 60, 0), clock); // one a second
  CancelToken cancel;
  std::vector<EndpointLimiter::Permit> permits;
  for (int i = 0; i < 3; ++i) {
    auto acquired = limiter.acquire(10, cancel, 1'000'000);
    ASSERT_EQ(acquired.end, WaitEnd::ok);
    permits.push_back(std::move(acquired.permit));
  }
  EXPECT_EQ(clock.steady_ms(), 2000); // the 2nd and 3rd waited a second each
  EXPECT_EQ(clock.sleeps, (std::vector<int64_t>{1000, 1000}));
  EXPECT_EQ(limiter.in_flight(), 3);
  permits.clear();
  EXPECT_EQ(limiter.in_flight(), 0);
}

TEST(TokenBucket, AnExplicitBurstCapsTheLevel) {
  TokenBucket bucket(1200, 0, 1); // 20 a second, but never more than one held
  EXPECT_DOUBLE_EQ(bucket.capacity(), 1.0);
  EXPECT_EQ(bucket.try_take(1, 0), 0);
  EXPECT_EQ(bucket.try_take(1, 0), 50);
  EXPECT_NEAR(bucket.level(60000), 1.0, 1e-9); // a minute idle still holds only one
}

// A process descheduled for a while (here: 5 s without asking) must not release a burst when it
// runs again: at 20 requests a second, no 1-second window ever admits more than 20.
TEST(EndpointLimiter, RequestsStayEvenlySpacedAfterAStall) {
  TestClock clock;
  EndpointLimiter limiter(limits(1000, 1200, 0), clock);
  CancelToken cancel;
  std::vector<int64_t> admitted;
  for (int i = 0; i < 10; ++i) {
    auto a = limiter.acquire(0, cancel, 1'000'000);
    ASSERT_EQ(a.end, WaitEnd::ok);
    admitted.push_back(clock.steady_ms());
  }
  clock.advance(5000);
  for (int i = 0; i < 60; ++i) {
    auto a = limiter.acquire(0, cancel, 1'000'000);
    ASSERT_EQ(a.end, WaitEnd::ok);
    admitted.push_back(clock.steady_ms());
  }
  for (size_t i = 0; i < admitted.size(); ++i) {
    size_t in_window = 0;
    for (size_t j = i; j < admitted.size() && admitted[j] < admitted[i] + 1000; ++j)
      ++in_window;
    EXPECT_LE(in_window, 20u) << "window starting at " << admitted[i] << " ms";
  }
}

TEST(EndpointLimiter, TokenEstimatesAreCorrectedWithReportedUsage) {
  TestClock clock;
  EndpointLimiter limiter(limits(10, 0, 60000), clock); // 1,000 tokens a second
  CancelToken cancel;
  {
    auto first = limiter.acquire(1000, cancel, 1'000'000);
    ASSERT_EQ(first.end, WaitEnd::ok);
    first.permit.settle(200); // used far less than estimated: 800 go back
  }
  EXPECT_EQ(limiter.try_reserve(800, 0), 0); // fits without waiting
  {
    auto second = limiter.acquire(100, cancel, 1'000'000);
    ASSERT_EQ(second.end, WaitEnd::ok);
    EXPECT_EQ(second.waited_ms, 100);
    second.permit.settle(2100); // used 2,000 more: debt
  }
  EXPECT_EQ(limiter.try_reserve(1, clock.steady_ms()), 2001);
}

TEST(EndpointLimiter, RefundGivesTheWholeEstimateBack) {
  TestClock clock;
  EndpointLimiter limiter(limits(10, 0, 60000), clock);
  CancelToken cancel;
  auto acquired = limiter.acquire(1000, cancel, 1'000'000);
  acquired.permit.refund(); // e.g. refused with 429: the provider used nothing
  EXPECT_EQ(limiter.try_reserve(1000, 0), 0);
}

TEST(EndpointLimiter, GivesUpWhenTheBudgetArrivesAfterTheDeadline) {
  TestClock clock;
  EndpointLimiter limiter(limits(10, 6, 0), clock); // one per 10 s
  CancelToken cancel;
  auto first = limiter.acquire(1, cancel, 1'000'000);
  ASSERT_EQ(first.end, WaitEnd::ok);
  auto second = limiter.acquire(1, cancel, 5000);
  EXPECT_EQ(second.end, WaitEnd::deadline);
  EXPECT_FALSE(second.permit);
  EXPECT_EQ(clock.steady_ms(), 0); // no pointless wait
  EXPECT_EQ(limiter.in_flight(), 1);
}

TEST(EndpointLimiter, CancelledTokenEndsTheWait) {
  TestClock clock;
  EndpointLimiter limiter(limits(10, 6, 0), clock);
  CancelToken cancel;
  auto first = limiter.acquire(1, cancel, 1'000'000);
  cancel.cancel();
  auto second = limiter.acquire(1, cancel, 1'000'000);
  EXPECT_EQ(second.end, WaitEnd::cancelled);
  EXPECT_EQ(limiter.in_flight(), 1);
}

TEST(EndpointLimiter, ConcurrencySlotWaitsForARelease) {
  TestClock clock;
  EndpointLimiter limiter(limits(1, 0, 0), clock);
  CancelToken cancel;
  auto first = limiter.acquire(1, cancel, 1'000'000);
  ASSERT_EQ(first.end, WaitEnd::ok);
  std::atomic<bool> second_done{false};
  std::thread waiter([&] {
    auto second = limiter.acquire(1, cancel, 1'000'000);
    EXPECT_EQ(second.end, WaitEnd::ok);
    second_done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(second_done.load());
  first.permit = {}; // released
  waiter.join();
  EXPECT_TRUE(second_done.load());
}

TEST(EndpointLimiter, CancelWakesASlotWait) {
  TestClock clock;
  EndpointLimiter limiter(limits(1, 0, 0), clock);
  CancelToken held, waiting;
  auto first = limiter.acquire(1, held, 1'000'000);
  std::thread canceller([waiting] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    waiting.cancel();
  });
  auto second = limiter.acquire(1, waiting, 1'000'000);
  canceller.join();
  EXPECT_EQ(second.end, WaitEnd::cancelled);
}

TEST(LimiterRegistry, OneLimiterPerEndpointUpdatedToTheLatestLimits) {
  TestClock clock;
  LimiterRegistry registry(clock);
  Endpoint a;
  a.name = "a";
  a.base_url = "http://x";
  a.limits = limits(1, 0, 0);
  Endpoint b = a;
  b.name = "b";
  auto la = registry.for_endpoint(a);
  EXPECT_EQ(la, registry.for_endpoint(a));
  EXPECT_NE(la, registry.for_endpoint(b));
  CancelToken cancel;
  auto first = la->acquire(1, cancel, 1'000'000);
  a.limits.concurrency = 2; // a reloaded config raises the limit
  auto second = registry.for_endpoint(a)->acquire(1, cancel, 1'000'000);
  EXPECT_EQ(second.end, WaitEnd::ok);
}

TEST(Backoff, FullJitterUnderAnExponentialCeiling) {
  RetryPolicy p;
  p.base_delay_ms = 500;
  p.max_delay_ms = 20000;
  EXPECT_EQ(backoff_delay_ms(p, 0, std::nullopt, 0.0), 0);
  EXPECT_EQ(backoff_delay_ms(p, 0, std::nullopt, 0.5), 250);
  EXPECT_EQ(backoff_delay_ms(p, 1, std::nullopt, 0.5), 500);
  EXPECT_EQ(backoff_delay_ms(p, 3, std::nullopt, 0.999), 3996);
  EXPECT_EQ(backoff_delay_ms(p, 10, std::nullopt, 0.5), 10000); // capped at max_delay
  EXPECT_EQ(backoff_delay_ms(p, 1000, std::nullopt, 0.5), 10000);
}

TEST(Backoff, RetryAfterIsAFloor) {
  RetryPolicy p;
  EXPECT_EQ(backoff_delay_ms(p, 0, 2000, 0.1), 2000);
  EXPECT_EQ(backoff_delay_ms(p, 6, 100, 0.9), 18000); // the jitter was longer anyway
  EXPECT_EQ(backoff_delay_ms(p, 0, -5, 0.0), 0);
}

TEST(Backoff, RetryableKindsAreRateLimitsOverloadAndNetwork) {
  EXPECT_TRUE(is_retryable_kind(ErrorKind::rate_limited));
  EXPECT_TRUE(is_retryable_kind(ErrorKind::overloaded));
  EXPECT_TRUE(is_retryable_kind(ErrorKind::network));
  for (ErrorKind k :
       {ErrorKind::server, ErrorKind::timeout, ErrorKind::bad_request, ErrorKind::auth,
        ErrorKind::protocol, ErrorKind::config, ErrorKind::unsupported, ErrorKind::cancelled})
    EXPECT_FALSE(is_retryable_kind(k)) << to_string(k);
}

TEST(CancelToken, CallbacksRunOnceAndRegistrationsUnregister) {
  CancelToken token;
  int runs = 0, unregistered = 0;
  auto kept = token.on_cancel([&] { ++runs; });
  {
    auto dropped = token.on_cancel([&] { ++unregistered; });
  }
  token.cancel();
  token.cancel();
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(unregistered, 0);
  int late = 0;
  auto after = token.on_cancel([&] { ++late; }); // already cancelled: runs at once
  EXPECT_EQ(late, 1);
  EXPECT_TRUE(token.wait_for_ms(10000)); // returns at once
}

} // namespace
} // namespace imc::test
