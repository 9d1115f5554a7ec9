// The stream watcher (native/api/stream_watch.h) on its own: a stream whose client goes is
// cancelled whether its sink names a socket (epoll, the hang-up) or not (asked every 50 ms), also
// when it is added while the watcher sleeps; and a watcher with nothing to ask does not wake.
#include "api/stream_watch.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <dirent.h>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace {

using namespace std::chrono_literals;
using imc::api::StreamWatch;

class Sink final : public imc::api::ApiSink {
public:
  explicit Sink(int fd = -1) : fd_(fd) {}
  void reply(int, const std::string &) override {}
  bool event(const std::string &, const std::string &) override { return true; }
  bool cancelled() const override { return gone; }
  int watch_fd() const override { return fd_; }
  std::atomic<bool> gone{false};

private:
  int fd_;
};

// A connected pair of sockets: the proxy's end (watched) and the client's, closed at the end.
// Declared before a registration, it outlives it: the watcher lets go of the socket first.
class SocketPair {
public:
  SocketPair() {
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds_) != 0)
      throw std::runtime_error("socketpair failed");
  }
  ~SocketPair() {
    for (const int fd : fds_)
      if (fd >= 0)
        ::close(fd);
  }
  int proxy_end() const { return fds_[0]; }
  void client_leaves() { // a hang-up, seen at the proxy's end
    ::close(fds_[1]);
    fds_[1] = -1;
  }

private:
  int fds_[2] = {-1, -1};
};

// Waits up to `limit` for `flag`; the time it took.
std::chrono::milliseconds wait_for(const std::atomic<bool> &flag, std::chrono::milliseconds limit) {
  const auto start = std::chrono::steady_clock::now();
  while (!flag && std::chrono::steady_clock::now() - start < limit)
    std::this_thread::sleep_for(2ms);
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

std::set<std::string> thread_ids() {
  std::set<std::string> ids;
  if (DIR *dir = ::opendir("/proc/self/task")) {
    while (const dirent *e = ::readdir(dir))
      if (e->d_name[0] != '.')
        ids.insert(e->d_name);
    ::closedir(dir);
  }
  return ids;
}

// Voluntary context switches of one of this process's threads: each is a wait that ended.
long switches(const std::string &tid) {
  std::ifstream status("/proc/self/task/" + tid + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("voluntary_ctxt_switches:", 0) == 0)
      return std::stol(line.substr(line.find(':') + 1));
  return -1;
}

TEST(StreamWatch, AStreamWithoutASocketIsAskedEvenWhenAddedToASleepingWatcher) {
  StreamWatch watch;
  std::this_thread::sleep_for(120ms); // the watcher has nothing to ask: it sleeps
  Sink sink;
  std::atomic<bool> cancelled{false};
  auto registration = watch.add(sink, [&] { cancelled = true; });
  ASSERT_TRUE(registration);
  std::this_thread::sleep_for(80ms);
  EXPECT_FALSE(cancelled) << "cancelled while its client was there";
  sink.gone = true;
  const auto took = wait_for(cancelled, 2000ms);
  EXPECT_TRUE(cancelled);
  EXPECT_LT(took.count(), 500) << "asked every 50 ms";
  EXPECT_EQ(registration->why_cancelled(), StreamWatch::Why::client_gone);
}

TEST(StreamWatch, AStreamWithASocketIsCancelledOnItsHangUp) {
  StreamWatch watch;
  SocketPair pair;
  Sink sink(pair.proxy_end());
  std::atomic<bool> cancelled{false};
  auto registration = watch.add(sink, [&] { cancelled = true; });
  ASSERT_TRUE(registration);
  std::this_thread::sleep_for(80ms);
  EXPECT_FALSE(cancelled);
  pair.client_leaves();
  const auto took = wait_for(cancelled, 2000ms);
  EXPECT_TRUE(cancelled);
  EXPECT_LT(took.count(), 500);
}

TEST(StreamWatch, CancelAllReachesEveryStreamOfASleepingWatcher) {
  StreamWatch watch;
  SocketPair pair;
  Sink watched(pair.proxy_end());
  std::atomic<bool> cancelled{false};
  auto registration = watch.add(watched, [&] { cancelled = true; });
  std::this_thread::sleep_for(120ms);
  watch.cancel_all();
  wait_for(cancelled, 2000ms);
  EXPECT_TRUE(cancelled);
  EXPECT_EQ(registration->why_cancelled(), StreamWatch::Why::shutdown);
}

// An idle server's watcher (or one whose every stream is watched by its socket) sleeps: it used
// to wake every 50 ms, 20 wake-ups a second for nothing.
TEST(StreamWatch, AWatcherWithNothingToAskDoesNotWake) {
  const auto before = thread_ids();
  StreamWatch watch;
  std::string watcher;
  for (const auto &id : thread_ids())
    if (!before.count(id))
      watcher = id;
  ASSERT_FALSE(watcher.empty());
  SocketPair pair;
  Sink watched(pair.proxy_end());
  auto registration = watch.add(watched, [] {});
  std::this_thread::sleep_for(100ms); // settled
  const long start = switches(watcher);
  std::this_thread::sleep_for(500ms); // ten sweeps' time
  EXPECT_LE(switches(watcher) - start, 1);
  // A stream to ask: it sweeps again.
  Sink asked;
  auto second = watch.add(asked, [] {});
  const long asking = switches(watcher);
  std::this_thread::sleep_for(500ms);
  EXPECT_GE(switches(watcher) - asking, 5);
}

} // namespace
