#pragma once
// The threads that serve `imc serve`'s connections also accept them (leader/follower): every idle
// thread waits in accept() on the listening socket, the kernel hands each new connection to one
// of them, and that thread serves it to the end. cpp-httplib's own loop accepts on one thread and
// queues each connection to a pool of max(8, cores - 1) threads: a hand-off (one more wake-up per
// connection) behind a single thread, and at most 8 concurrent streams. Here a thread that takes
// a connection starts another acceptor when none is left idle, up to `max_threads`; threads are
// kept for reuse.
//
// Or, handed (hand_over()): the event loops accept, and serve the plain chats themselves (as an
// nginx worker does); every other connection is handed to this pool with the bytes already read,
// and an idle thread, waiting on the pool's queue rather than in accept(), serves it.
#include <sys/socket.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace imc::api::http {

class AcceptorPool {
public:
  // `serve(fd, peer)` serves one accepted connection (`peer`: the client's address, as accept()
  // gave it) and closes it.
  // `already_read`: the connection's first bytes, read by whoever accepted it ("" when the
  // pool accepted it itself).
  using Serve =
      std::function<void(int fd, const sockaddr_storage &peer, std::string_view already_read)>;
  AcceptorPool(int listen_fd, size_t max_threads, Serve serve);
  ~AcceptorPool(); // stops and joins
  AcceptorPool(const AcceptorPool &) = delete;
  AcceptorPool &operator=(const AcceptorPool &) = delete;

  // From now on the threads do not accept: they serve what hand() gives them. Before run().
  void hand_over() { handed_ = true; }
  void accept_again() { handed_ = false; }
  // A connection accepted elsewhere (thread-safe); closed at once when the pool is stopping.
  void hand(int fd, const sockaddr_storage &peer, std::string_view already_read);

  // Accepts (or takes handed connections) and serves until stop(); returns when every thread
  // has ended.
  void run();
  // Thread-safe: no new connections (the listening socket is shut down); connections being
  // served go on.
  void stop();
  size_t threads() const;

private:
  struct Handed {
    int fd;
    sockaddr_storage peer;
    std::string bytes;
  };

  void accept_loop();
  void handed_loop();
  void start_thread(); // under mutex_

  int listen_fd_;
  size_t max_threads_;
  Serve serve_;
  mutable std::mutex mutex_;
  std::condition_variable ended_;
  std::vector<std::thread> threads_;
  size_t running_ = 0; // threads that have not ended
  size_t idle_ = 0;    // threads waiting in accept() (or for a handed connection)
  bool stopping_ = false;
  bool handed_ = false;
  std::condition_variable handed_ready_;
  std::deque<Handed> queue_; // handed connections not yet taken
};

} // namespace imc::api::http
