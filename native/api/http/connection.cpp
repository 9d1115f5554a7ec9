#include "connection.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

namespace imc::api::http {

namespace {

thread_local ConnectionStream *g_current = nullptr;

void address_of(const sockaddr_storage &addr, std::string &ip, int &port) {
  char text[INET6_ADDRSTRLEN] = {0};
  if (addr.ss_family == AF_INET) {
    const auto *a = reinterpret_cast<const sockaddr_in *>(&addr);
    inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
    port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto *a = reinterpret_cast<const sockaddr_in6 *>(&addr);
    inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
    port = ntohs(a->sin6_port);
  }
  ip = text;
}

// poll() on one descriptor, retried on EINTR; the revents, 0 on timeout, -1 on error.
int poll_one(int fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  for (;;) {
    const int n = ::poll(&p, 1, timeout_ms);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    return n == 0 ? 0 : p.revents;
  }
}

} // namespace

ConnectionStream::ConnectionStream(int fd, const sockaddr_storage &peer,
                                   const ConnectionLimits &limits, std::string_view already_read)
    : fd_(fd), limits_(limits) {
  address_of(peer, remote_ip_, remote_port_);
  end_ = std::min(already_read.size(), sizeof buffer_);
  if (end_ > 0)
    std::memcpy(buffer_, already_read.data(), end_);
}

std::string address_text(const sockaddr_storage &peer) {
  // Every request asks, and most come from the address before (inet_ntop formats IPv4 with
  // sprintf, some 2,000 instructions of each relayed chat): the last one is kept per thread.
  thread_local sockaddr_storage last{};
  thread_local std::string last_text;
  const auto same = [&] {
    if (peer.ss_family != last.ss_family)
      return false;
    if (peer.ss_family == AF_INET)
      return reinterpret_cast<const sockaddr_in &>(peer).sin_addr.s_addr ==
             reinterpret_cast<const sockaddr_in &>(last).sin_addr.s_addr;
    if (peer.ss_family == AF_INET6)
      return std::memcmp(&reinterpret_cast<const sockaddr_in6 &>(peer).sin6_addr,
                         &reinterpret_cast<const sockaddr_in6 &>(last).sin6_addr,
                         sizeof(in6_addr)) == 0;
    return false;
  };
  if (!same()) {
    int port = 0;
    address_of(peer, last_text, port);
    last = peer;
  }
  return last_text;
}

ConnectionStream *ConnectionStream::current() { return g_current; }
ConnectionStream::Scope::Scope(ConnectionStream *stream) { g_current = stream; }
ConnectionStream::Scope::~Scope() { g_current = nullptr; }

int ConnectionStream::wait_ms() const {
  if (!reading_request_)
    return limits_.read_timeout_ms;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline_ - std::chrono::steady_clock::now())
                        .count();
  if (left <= 0)
    return 0;
  return static_cast<int>(std::min<long long>(left, limits_.read_timeout_ms));
}

bool ConnectionStream::is_readable() const {
  if (begin_ < end_)
    return true;
  const int r = poll_one(fd_, POLLIN, wait_ms());
  return r > 0 && (r & (POLLIN | POLLHUP)) != 0;
}

bool ConnectionStream::is_writable() const {
  if (failed_ || taken_over_)
    return !failed_;
  const int r = poll_one(fd_, POLLOUT, limits_.write_timeout_ms);
  return r > 0 && (r & POLLOUT) != 0 && (r & (POLLERR | POLLHUP)) == 0;
}

ssize_t ConnectionStream::read(char *ptr, size_t size) {
  if (begin_ == end_) {
    const int timeout = wait_ms();
    if (timeout == 0 && reading_request_) {
      timed_out_ = true;
      return -1;
    }
    // The bytes are usually there already (a request's first read follows the poll of
    // wait_for_request): take them, and wait only when there are none.
    ssize_t n = fill_buffer();
    if (n < 0 && errno == EAGAIN) {
      const int r = poll_one(fd_, POLLIN, timeout);
      if (r <= 0) {
        timed_out_ = timed_out_ || (r == 0 && reading_request_);
        return -1;
      }
      n = fill_buffer();
    }
    if (n <= 0)
      return n;
  }
  const size_t take = std::min(size, end_ - begin_);
  std::memcpy(ptr, buffer_ + begin_, take);
  begin_ += take;
  return static_cast<ssize_t>(take);
}

ssize_t ConnectionStream::fill_buffer() {
  ssize_t n;
  do {
    n = ::recv(fd_, buffer_, sizeof buffer_, MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n > 0) {
    begin_ = 0;
    end_ = static_cast<size_t>(n);
  }
  return n;
}

ssize_t ConnectionStream::write(const char *ptr, size_t size) {
  if (taken_over_)
    return static_cast<ssize_t>(size); // the response was written already (events)
  return send_now(std::string_view(ptr, size)) ? static_cast<ssize_t>(size) : -1;
}

bool ConnectionStream::send_now(std::string_view bytes) {
  if (failed_)
    return false;
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n =
        ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      const int r = poll_one(fd_, POLLOUT, limits_.write_timeout_ms);
      if (r > 0 && (r & POLLOUT) && !(r & (POLLERR | POLLHUP)))
        continue;
    }
    failed_ = true; // reset, closed, or a client that stopped reading
    return false;
  }
  return true;
}

bool peer_closed(int fd) {
  const int r = poll_one(fd, POLLRDHUP, 0);
  return r < 0 || (r & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

bool ConnectionStream::peer_gone() const { return failed_ || peer_closed(fd_); }

bool ConnectionStream::wait_for_request(int wake_fd) {
  if (begin_ < end_)
    return true; // a pipelined request is already here
  // A new connection's request has usually arrived with it: no wait, no poll.
  if (const ssize_t n = fill_buffer(); n >= 0 || errno != EAGAIN)
    return n > 0;
  pollfd p[2] = {{fd_, POLLIN, 0}, {wake_fd, POLLIN, 0}};
  for (;;) {
    const int n = ::poll(p, wake_fd >= 0 ? 2 : 1, limits_.keep_alive_timeout_ms);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    // A request that has arrived is served even while stopping; an idle connection closes.
    if (p[0].revents & POLLIN)
      return true;
    return false;
  }
}

void ConnectionStream::begin_request() {
  reading_request_ = true;
  timed_out_ = false;
  deadline_ =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(limits_.request_timeout_ms);
}

void ConnectionStream::request_read() { reading_request_ = false; }

void ConnectionStream::get_remote_ip_and_port(std::string &ip, int &port) const {
  ip = remote_ip_;
  port = remote_port_;
}

// Nothing in the proxy reads a request's local address: it is not asked of the kernel (one
// getsockname() per connection saved).
void ConnectionStream::get_local_ip_and_port(std::string &ip, int &port) const {
  ip.clear();
  port = 0;
}

} // namespace imc::api::http
