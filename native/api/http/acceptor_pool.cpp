#include "acceptor_pool.h"

#include <pthread.h>

#include <cerrno>
#include <chrono>
#include <sys/socket.h>
#include <unistd.h>

namespace imc::api::http {

namespace {
constexpr size_t kInitialThreads = 8;
}

AcceptorPool::AcceptorPool(int listen_fd, size_t max_threads, Serve serve)
    : listen_fd_(listen_fd), max_threads_(max_threads == 0 ? 1 : max_threads),
      serve_(std::move(serve)) {}

AcceptorPool::~AcceptorPool() {
  stop();
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    threads.swap(threads_);
  }
  for (auto &t : threads)
    if (t.joinable())
      t.join();
}

void AcceptorPool::start_thread() {
  ++running_;
  ++idle_; // counted as idle from now: it is about to wait in accept()
  threads_.emplace_back([this] { handed_ ? handed_loop() : accept_loop(); });
}

void AcceptorPool::hand(int fd, const sockaddr_storage &peer, std::string_view already_read) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopping_) {
    ::close(fd);
    return;
  }
  queue_.push_back({fd, peer, std::string(already_read)});
  if (idle_ < queue_.size() && running_ < max_threads_)
    start_thread();
  handed_ready_.notify_one();
}

void AcceptorPool::handed_loop() {
  pthread_setname_np(pthread_self(), "imc-conn");
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    handed_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_)
      break;
    Handed next = std::move(queue_.front());
    queue_.pop_front();
    --idle_;
    lock.unlock();
    serve_(next.fd, next.peer, next.bytes);
    lock.lock();
    ++idle_;
  }
  // Connections handed over but not taken are closed, as the kernel resets those still queued
  // on a listening socket that closes.
  for (const Handed &h : queue_)
    ::close(h.fd);
  queue_.clear();
  --running_;
  ended_.notify_all();
}

void AcceptorPool::run() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t i = 0; i < std::min(kInitialThreads, max_threads_); ++i)
      start_thread();
  }
  std::unique_lock<std::mutex> lock(mutex_);
  ended_.wait(lock, [this] { return running_ == 0; });
  std::vector<std::thread> threads;
  threads.swap(threads_);
  lock.unlock();
  for (auto &t : threads)
    t.join();
}

void AcceptorPool::stop() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopping_)
    return;
  stopping_ = true;
  // Wakes every thread blocked in accept(): it then fails with EINVAL.
  ::shutdown(listen_fd_, SHUT_RDWR);
  handed_ready_.notify_all();
}

size_t AcceptorPool::threads() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return running_;
}

void AcceptorPool::accept_loop() {
  pthread_setname_np(pthread_self(), "imc-conn"); // as ps, top and perf show it
  for (;;) {
    sockaddr_storage peer{};
    socklen_t peer_size = sizeof peer;
    const int fd =
        ::accept4(listen_fd_, reinterpret_cast<sockaddr *>(&peer), &peer_size, SOCK_CLOEXEC);
    std::unique_lock<std::mutex> lock(mutex_);
    --idle_;
    if (fd < 0) {
      const int error = errno;
      if (!stopping_ &&
          (error == EINTR || error == ECONNABORTED || error == EPROTO || error == EMFILE ||
           error == ENFILE || error == ENOBUFS || error == ENOMEM)) {
        ++idle_;
        lock.unlock();
        if (error != EINTR && error != ECONNABORTED && error != EPROTO)
          std::this_thread::sleep_for(std::chrono::milliseconds(5)); // out of descriptors
        continue;
      }
      break; // the listening socket was shut down
    }
    if (idle_ == 0 && running_ < max_threads_ && !stopping_)
      start_thread(); // someone must be in accept() while this thread serves
    lock.unlock();
    serve_(fd, peer, {});
    lock.lock();
    if (stopping_)
      break;
    ++idle_;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  --running_;
  ended_.notify_all();
}

} // namespace imc::api::http
