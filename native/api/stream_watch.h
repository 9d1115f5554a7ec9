#pragma once
// Watches the API's open streams (live sessions, jury scorings, chat calls) on one thread: a
// stream whose client has gone (ApiSink::cancelled) gets its cancel action run within ~50 ms —
// stopping the driver or cancelling the upstream call — even while no event is flowing. Also
// the drain of a graceful shutdown: no new streams, wait for the open ones, then cancel them.
// A stream whose sink names its client's socket (ApiSink::watch_fd) is watched with epoll for
// the hang-up, at no cost while it streams; the others are asked every 50 ms. While no stream
// needs asking the watching thread sleeps until woken (an idle server wakes no thread).
#include "api_service.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace imc::api {

class StreamWatch {
public:
  enum class Why { none, client_gone, shutdown };

  StreamWatch();  // starts the watching thread
  ~StreamWatch(); // stops it (streams should be over by then)
  StreamWatch(const StreamWatch &) = delete;
  StreamWatch &operator=(const StreamWatch &) = delete;

  struct Entry;

  class Registration {
  public:
    Registration(StreamWatch *watch, std::shared_ptr<Entry> entry, uint64_t id)
        : watch_(watch), entry_(std::move(entry)), id_(id) {}
    Registration(Registration &&other) noexcept;
    Registration &operator=(Registration &&) = delete;
    Registration(const Registration &) = delete;
    ~Registration(); // unregisters; waits for a cancel action running on this stream
    Why why_cancelled() const;

  private:
    StreamWatch *watch_ = nullptr;
    std::shared_ptr<Entry> entry_;
    uint64_t id_ = 0;
  };

  // Watches `sink` (which must outlive the registration) and runs `cancel` once, on the watching
  // thread, when it reports its client gone or when cancel_all() is called. nullopt once
  // stop_accepting() was called: the caller replies 503.
  std::optional<Registration> add(const ApiSink &sink, std::function<void()> cancel);

  void stop_accepting();
  // Waits until no stream is open or `timeout` passed; true when none is open.
  bool wait_idle(std::chrono::milliseconds timeout);
  // Runs every open stream's cancel action (reason: shutdown).
  void cancel_all();
  size_t active() const;
  bool accepting() const;

private:
  void run();
  void remove(uint64_t id);

  void wake_watcher();

  mutable std::mutex mutex_;
  std::condition_variable idle_; // entries_ became empty (drain)
  int epoll_fd_ = -1;            // the watched sockets, and wake_fd_
  int wake_fd_ = -1;             // an eventfd: quit_ or wake_
  std::map<uint64_t, std::shared_ptr<Entry>> entries_;
  size_t asked_ = 0; // entries without a watched socket: they are asked every 50 ms
  uint64_t next_id_ = 1;
  bool accepting_ = true;
  bool cancel_all_ = false;
  bool wake_ = false; // sweep now (cancel_all)
  bool quit_ = false;
  std::thread thread_;
};

} // namespace imc::api
