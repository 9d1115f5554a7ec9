#include "rate_limiter.h"

#include "imc/provider.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <variant>

namespace imc::transport {

// ---------------------------------------------------------------------------------------------
// TokenBucket

TokenBucket::TokenBucket(double per_minute, int64_t now_ms, double burst) : burst_(burst) {
  set_rate(per_minute, now_ms);
  level_ = capacity_;
}

void TokenBucket::set_rate(double per_minute, int64_t now_ms) {
  refill(now_ms);
  per_minute_ = per_minute > 0 ? per_minute : 0;
  capacity_ = unlimited() ? 0 : std::max(1.0, burst_ > 0 ? burst_ : per_minute_ / 60.0);
  level_ = std::min(level_, capacity_);
  updated_ms_ = now_ms;
}

void TokenBucket::refill(int64_t now_ms) {
  if (now_ms > updated_ms_ && !unlimited())
    level_ = std::min(capacity_, level_ + double(now_ms - updated_ms_) * per_minute_ / 60000.0);
  updated_ms_ = std::max(updated_ms_, now_ms);
}

double TokenBucket::level(int64_t now_ms) {
  refill(now_ms);
  return level_;
}

int64_t TokenBucket::try_take(double amount, int64_t now_ms) {
  if (unlimited())
    return 0;
  refill(now_ms);
  const double needed = std::min(amount, capacity_);
  if (level_ >= needed) {
    level_ -= amount;
    return 0;
  }
  const double ms = (needed - level_) * 60000.0 / per_minute_;
  // Tolerate floating-point dust: 0.998 + 0.002 is not always >= 1.
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(ms - 1e-6)));
}

void TokenBucket::give_back(double amount, int64_t now_ms) {
  if (unlimited())
    return;
  refill(now_ms);
  level_ = std::min(capacity_, level_ + amount);
}

// ---------------------------------------------------------------------------------------------
// Estimates

int64_t estimate_tokens(const Endpoint &endpoint, const ChatRequest &request) {
  size_t text_bytes = request.system.size();
  int64_t images = 0;
  for (const auto &turn : request.turns)
    for (const auto &part : turn.content) {
      if (const auto *text = std::get_if<TextPart>(&part))
        text_bytes += text->text.size();
      else
        ++images;
    }
  const ChatParameters params = effective_parameters(endpoint, request.parameters);
  return static_cast<int64_t>(text_bytes / 4) + images * 1000 + params.max_tokens.value_or(1024);
}

// ---------------------------------------------------------------------------------------------
// EndpointLimiter

EndpointLimiter::EndpointLimiter(const EndpointLimits &limits, Clock &clock)
    : clock_(clock), concurrency_(std::max(1, limits.concurrency)),
      requests_(limits.requests_per_minute, clock.steady_ms(), /*burst=*/1),
      tokens_(limits.tokens_per_minute, clock.steady_ms()) {}

void EndpointLimiter::update(const EndpointLimits &limits) {
  std::lock_guard<std::mutex> lock(mutex_);
  const int64_t now = clock_.steady_ms();
  const int concurrency = std::max(1, limits.concurrency);
  if (concurrency > concurrency_)
    slot_freed_.notify_all();
  concurrency_ = concurrency;
  // Only touch a bucket whose rate changed: set_rate keeps the level, but there is no need.
  if (requests_.per_minute() != std::max(0.0, limits.requests_per_minute))
    requests_.set_rate(limits.requests_per_minute, now);
  if (tokens_.per_minute() != std::max(0.0, limits.tokens_per_minute))
    tokens_.set_rate(limits.tokens_per_minute, now);
}

int EndpointLimiter::in_flight() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return in_flight_;
}

int64_t EndpointLimiter::try_reserve(int64_t tokens, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mutex_);
  const int64_t request_wait = requests_.try_take(1, now_ms);
  if (request_wait > 0) {
    // Report the longer of the two waits without taking tokens.
    const int64_t token_wait = tokens_.try_take(double(tokens), now_ms);
    if (token_wait == 0)
      tokens_.give_back(double(tokens), now_ms);
    return std::max(request_wait, token_wait);
  }
  const int64_t token_wait = tokens > 0 ? tokens_.try_take(double(tokens), now_ms) : 0;
  if (token_wait > 0) {
    requests_.give_back(1, now_ms);
    return token_wait;
  }
  return 0;
}

WaitEnd EndpointLimiter::wait_for_buckets(int64_t tokens, const CancelToken &cancel,
                                          int64_t deadline_ms) {
  for (;;) {
    if (cancel.cancelled())
      return WaitEnd::cancelled;
    const int64_t now = clock_.steady_ms();
    const int64_t wait = try_reserve(tokens, now);
    if (wait == 0)
      return WaitEnd::ok;
    // No point waiting for budget that arrives after the call would have timed out.
    if (now + wait > deadline_ms)
      return WaitEnd::deadline;
    if (clock_.sleep_ms(wait, cancel))
      return WaitEnd::cancelled;
  }
}

EndpointLimiter::Acquired EndpointLimiter::acquire(int64_t tokens, const CancelToken &cancel,
                                                   int64_t deadline_ms) {
  Acquired result;
  const int64_t start = clock_.steady_ms();
  {
    // A cancel must wake the slot wait: the callback takes our mutex and notifies.
    CancelToken::Registration wake = cancel.on_cancel([this] {
      std::lock_guard<std::mutex> lock(mutex_);
      slot_freed_.notify_all();
    });
    std::unique_lock<std::mutex> lock(mutex_);
    while (in_flight_ >= concurrency_) {
      if (cancel.cancelled()) {
        result.end = WaitEnd::cancelled;
        return result;
      }
      const int64_t left = deadline_ms - clock_.steady_ms();
      if (left <= 0) {
        result.end = WaitEnd::deadline;
        return result;
      }
      slot_freed_.wait_for(lock, std::chrono::milliseconds(left));
    }
    ++in_flight_;
  }
  result.end = wait_for_buckets(tokens, cancel, deadline_ms);
  result.waited_ms = clock_.steady_ms() - start;
  if (result.end != WaitEnd::ok) {
    release_slot();
    return result;
  }
  result.permit.limiter_ = this;
  result.permit.estimated_tokens_ = tokens;
  return result;
}

std::optional<EndpointLimiter::Acquired> EndpointLimiter::try_acquire(int64_t tokens) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (in_flight_ >= concurrency_)
      return std::nullopt;
    ++in_flight_;
  }
  if (try_reserve(tokens, clock_.steady_ms()) != 0) {
    release_slot();
    return std::nullopt;
  }
  Acquired result;
  result.permit.limiter_ = this;
  result.permit.estimated_tokens_ = tokens;
  return result;
}

WaitEnd EndpointLimiter::acquire_retry(const CancelToken &cancel, int64_t deadline_ms) {
  return wait_for_buckets(0, cancel, deadline_ms);
}

void EndpointLimiter::release_slot() {
  std::lock_guard<std::mutex> lock(mutex_);
  --in_flight_;
  slot_freed_.notify_one();
}

void EndpointLimiter::give_back_tokens(int64_t tokens) {
  std::lock_guard<std::mutex> lock(mutex_);
  tokens_.give_back(double(tokens), clock_.steady_ms());
}

// ---------------------------------------------------------------------------------------------
// Permit

EndpointLimiter::Permit::Permit(Permit &&other) noexcept
    : limiter_(other.limiter_), estimated_tokens_(other.estimated_tokens_),
      settled_(other.settled_) {
  other.limiter_ = nullptr;
}

EndpointLimiter::Permit &EndpointLimiter::Permit::operator=(Permit &&other) noexcept {
  if (this != &other) {
    if (limiter_)
      limiter_->release_slot();
    limiter_ = other.limiter_;
    estimated_tokens_ = other.estimated_tokens_;
    settled_ = other.settled_;
    other.limiter_ = nullptr;
  }
  return *this;
}

EndpointLimiter::Permit::~Permit() {
  if (limiter_)
    limiter_->release_slot();
}

void EndpointLimiter::Permit::settle(int64_t actual_tokens) {
  if (!limiter_ || settled_)
    return;
  settled_ = true;
  if (actual_tokens != estimated_tokens_)
    limiter_->give_back_tokens(estimated_tokens_ - actual_tokens);
}

// ---------------------------------------------------------------------------------------------
// LimiterRegistry

LimiterRegistry::LimiterRegistry(Clock &clock) : clock_(clock) {}

LimiterRegistry &LimiterRegistry::process() {
  static LimiterRegistry registry;
  return registry;
}

std::shared_ptr<EndpointLimiter> LimiterRegistry::for_endpoint(const Endpoint &endpoint) {
  thread_local std::string key; // (kept: every call asks, and the key needs no allocation then)
  key.assign(endpoint.name).append(1, '\n').append(endpoint.base_url);
  std::lock_guard<std::mutex> lock(mutex_);
  auto &limiter = limiters_[key];
  if (!limiter)
    limiter = std::make_shared<EndpointLimiter>(endpoint.limits, clock_);
  else
    limiter->update(endpoint.limits);
  return limiter;
}

} // namespace imc::transport
