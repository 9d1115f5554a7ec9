#include "cancel_token.h"

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>

namespace imc::transport {

struct CancelToken::State {
  std::mutex mutex;
  std::condition_variable changed;
  bool cancelled = false;
  uint64_t next_id = 1;
  std::map<uint64_t, std::function<void()>> callbacks;
};

CancelToken::CancelToken() : state_(std::make_shared<State>()) {}

void CancelToken::cancel() const {
  // Callbacks run under the mutex: a Registration being destroyed waits for them (it takes the
  // same mutex), so a callback never runs against an object that is gone.
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->cancelled)
    return;
  state_->cancelled = true;
  for (auto &[id, callback] : state_->callbacks)
    callback();
  state_->callbacks.clear();
  state_->changed.notify_all();
}

bool CancelToken::cancelled() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->cancelled;
}

bool CancelToken::wait_for_ms(int64_t ms) const {
  std::unique_lock<std::mutex> lock(state_->mutex);
  if (ms > 0)
    state_->changed.wait_for(lock, std::chrono::milliseconds(ms),
                             [&] { return state_->cancelled; });
  return state_->cancelled;
}

CancelToken::Registration CancelToken::on_cancel(std::function<void()> callback) const {
  Registration registration;
  std::unique_lock<std::mutex> lock(state_->mutex);
  if (state_->cancelled) {
    lock.unlock();
    callback();
    return registration;
  }
  registration.state_ = state_;
  registration.id_ = state_->next_id++;
  state_->callbacks.emplace(registration.id_, std::move(callback));
  return registration;
}

CancelToken::Registration::Registration(Registration &&other) noexcept
    : state_(std::move(other.state_)), id_(other.id_) {
  other.id_ = 0;
}

CancelToken::Registration &CancelToken::Registration::operator=(Registration &&other) noexcept {
  if (this != &other) {
    reset();
    state_ = std::move(other.state_);
    id_ = other.id_;
    other.id_ = 0;
  }
  return *this;
}

CancelToken::Registration::~Registration() { reset(); }

void CancelToken::Registration::reset() {
  if (!state_)
    return;
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->callbacks.erase(id_);
  }
  state_.reset();
  id_ = 0;
}

} // namespace imc::transport
