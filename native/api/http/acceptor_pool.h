#pragma once
// The threads that serve `imc serve`'s connections also accept them (leader/follower): every idle
// thread waits in accept() on the listening socket, the kernel hands each new connection to one
// of them, and that thread serves it to the end. cpp-httplib's own loop accepts on one thread and
// queues each connection to a pool of max(8, cores - 1) threads: a hand-off (one more wake-up per
// connection) behind a single thread, and at most 8 concurrent streams. Here a thread that takes
// a connection starts another acceptor when none is left idle, up to `max_threads`; threads are
// kept for reuse.
#include <sys/socket.h>

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace imc::api::http {

class AcceptorPool {
public:
  // `serve(fd, peer)` serves one accepted connection (`peer`: the client's address, as accept()
  // gave it) and closes it.
  using Serve = std::function<void(int fd, const sockaddr_storage &peer)>;
  AcceptorPool(int listen_fd, size_t max_threads, Serve serve);
  ~AcceptorPool(); // stops and joins
  AcceptorPool(const AcceptorPool &) = delete;
  AcceptorPool &operator=(const AcceptorPool &) = delete;

  // Accepts and serves until stop(); returns when every thread has ended.
  void run();
  // Thread-safe: no new connections (the listening socket is shut down); connections being
  // served go on.
  void stop();
  size_t threads() const;

private:
  void accept_loop();
  void start_thread(); // under mutex_

  int listen_fd_;
  size_t max_threads_;
  Serve serve_;
  mutable std::mutex mutex_;
  std::condition_variable ended_;
  std::vector<std::thread> threads_;
  size_t running_ = 0; // threads that have not ended
  size_t idle_ = 0;    // threads waiting in accept()
  bool stopping_ = false;
};

} // namespace imc::api::http
