#include "stream_watch.h"

#include <vector>

namespace imc::api {

// The watcher checks each stream under that stream's own lock, never under the map's: a watcher
// preempted in the middle of a sweep must not hold up new streams registering.
struct StreamWatch::Entry {
  std::mutex mutex;
  bool active = true; // false once unregistered: its sink and cancel action are gone
  const ApiSink *sink = nullptr;
  std::function<void()> cancel;
  Why why = Why::none;
};

StreamWatch::StreamWatch() : thread_([this] { run(); }) {}

StreamWatch::~StreamWatch() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    quit_ = true;
  }
  wake_watcher_.notify_all();
  thread_.join();
}

StreamWatch::Registration::Registration(Registration &&other) noexcept
    : watch_(other.watch_), entry_(std::move(other.entry_)), id_(other.id_) {
  other.watch_ = nullptr;
}

StreamWatch::Registration::~Registration() {
  if (!watch_)
    return;
  {
    // Waits for a check or cancel action running on this stream, then retires it.
    std::lock_guard<std::mutex> lock(entry_->mutex);
    entry_->active = false;
  }
  watch_->remove(id_);
}

StreamWatch::Why StreamWatch::Registration::why_cancelled() const {
  if (!entry_)
    return Why::none;
  std::lock_guard<std::mutex> lock(entry_->mutex);
  return entry_->why;
}

std::optional<StreamWatch::Registration> StreamWatch::add(const ApiSink &sink,
                                                          std::function<void()> cancel) {
  auto entry = std::make_shared<Entry>();
  entry->sink = &sink;
  entry->cancel = std::move(cancel);
  std::lock_guard<std::mutex> lock(mutex_);
  if (!accepting_)
    return std::nullopt;
  const uint64_t id = next_id_++;
  entries_[id] = entry;
  if (cancel_all_)
    wake_ = true;
  return Registration(this, entry, id);
}

void StreamWatch::remove(uint64_t id) {
  bool idle = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    entries_.erase(id);
    idle = entries_.empty();
  }
  if (idle)
    idle_.notify_all(); // only drain() waits for this; the watcher sleeps on its own
}

void StreamWatch::stop_accepting() {
  std::lock_guard<std::mutex> lock(mutex_);
  accepting_ = false;
}

bool StreamWatch::accepting() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return accepting_;
}

bool StreamWatch::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  return idle_.wait_for(lock, timeout, [this] { return entries_.empty(); });
}

void StreamWatch::cancel_all() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    cancel_all_ = true;
    wake_ = true;
  }
  wake_watcher_.notify_all();
}

size_t StreamWatch::active() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

void StreamWatch::run() {
  std::vector<std::shared_ptr<Entry>> sweep;
  for (;;) {
    bool cancel_all = false;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_watcher_.wait_for(lock, std::chrono::milliseconds(50),
                             [this] { return quit_ || wake_; });
      if (quit_)
        return;
      wake_ = false;
      cancel_all = cancel_all_;
      sweep.clear();
      for (const auto &[id, entry] : entries_)
        sweep.push_back(entry);
    }
    for (const auto &entry : sweep) {
      std::lock_guard<std::mutex> lock(entry->mutex);
      if (!entry->active || entry->why != Why::none)
        continue;
      if (cancel_all)
        entry->why = Why::shutdown;
      else if (entry->sink->cancelled())
        entry->why = Why::client_gone;
      else
        continue;
      if (entry->cancel)
        entry->cancel();
    }
  }
}

} // namespace imc::api
