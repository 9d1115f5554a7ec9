#include "stream_watch.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
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
  int fd = -1; // watched with epoll (ApiSink::watch_fd); -1: asked every 50 ms
};

namespace {
constexpr uint64_t kWakeKey = 0; // the epoll key of the eventfd; entries' ids start at 1
constexpr auto kSweep = std::chrono::milliseconds(50);

enum class How { hung_up, ask, shutdown };

// Under the stream's own lock: while it is active, its sink and cancel action exist.
void check(StreamWatch::Entry &entry, How how) {
  std::lock_guard<std::mutex> lock(entry.mutex);
  if (!entry.active || entry.why != StreamWatch::Why::none)
    return;
  if (how == How::ask && !entry.sink->cancelled())
    return;
  entry.why = how == How::shutdown ? StreamWatch::Why::shutdown : StreamWatch::Why::client_gone;
  if (entry.cancel)
    entry.cancel();
}
} // namespace

StreamWatch::StreamWatch()
    : epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)),
      wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeKey;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  thread_ = std::thread([this] { run(); });
}

StreamWatch::~StreamWatch() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    quit_ = true;
  }
  wake_watcher();
  thread_.join();
  ::close(wake_fd_);
  ::close(epoll_fd_);
}

void StreamWatch::wake_watcher() {
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
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
  std::unique_lock<std::mutex> lock(mutex_);
  if (!accepting_)
    return std::nullopt;
  const uint64_t id = next_id_++;
  if (const int fd = sink.watch_fd(); fd >= 0) {
    // One report of the hang-up is enough (EPOLLONESHOT); EPOLLHUP and EPOLLERR always count.
    epoll_event ev{};
    ev.events = EPOLLRDHUP | EPOLLONESHOT;
    ev.data.u64 = id;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) == 0)
      entry->fd = fd; // else asked every 50 ms like the others
  }
  entries_[id] = entry;
  // The first stream to ask ends the watcher's sleep without a timeout (if it sleeps so).
  const bool first_asked = entry->fd < 0 && ++asked_ == 1;
  if (cancel_all_)
    wake_ = true;
  const bool wake = cancel_all_ || first_asked;
  lock.unlock();
  if (wake)
    wake_watcher();
  return Registration(this, entry, id);
}

void StreamWatch::remove(uint64_t id) {
  bool idle = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Before the sink closes the socket: its number may be reused right after.
    if (auto it = entries_.find(id); it != entries_.end()) {
      if (it->second->fd >= 0)
        ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, it->second->fd, nullptr);
      else
        --asked_;
      entries_.erase(it);
    }
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
  wake_watcher();
}

size_t StreamWatch::active() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

void StreamWatch::run() {
  std::vector<std::shared_ptr<Entry>> hung_up, sweep;
  epoll_event events[64];
  auto last_sweep = std::chrono::steady_clock::now();
  int timeout_ms = static_cast<int>(kSweep.count());
  for (;;) {
    const int n = ::epoll_wait(epoll_fd_, events, 64, timeout_ms);
    const auto now = std::chrono::steady_clock::now();
    const bool sweep_due = now - last_sweep >= kSweep;
    if (sweep_due)
      last_sweep = now;
    bool cancel_all = false;
    hung_up.clear();
    sweep.clear();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (quit_)
        return;
      for (int i = 0; i < n; ++i) {
        if (events[i].data.u64 == kWakeKey) {
          uint64_t count = 0;
          [[maybe_unused]] ssize_t r = ::read(wake_fd_, &count, sizeof count);
        } else if (auto it = entries_.find(events[i].data.u64); it != entries_.end()) {
          hung_up.push_back(it->second);
        }
      }
      const bool woken = wake_;
      wake_ = false;
      cancel_all = cancel_all_;
      if (sweep_due || (cancel_all && woken))
        for (const auto &[id, entry] : entries_)
          if (cancel_all || entry->fd < 0)
            sweep.push_back(entry);
      // Nothing to ask: sleep until a hang-up, or add() or cancel_all() wakes this thread.
      timeout_ms = asked_ == 0 ? -1 : static_cast<int>(kSweep.count());
    }
    for (const auto &entry : hung_up)
      check(*entry, How::hung_up);
    for (const auto &entry : sweep)
      check(*entry, cancel_all ? How::shutdown : How::ask);
  }
}

} // namespace imc::api
