#pragma once
// One client connection of `imc serve`, as the httplib::Stream that cpp-httplib parses requests
// from and writes responses to. The proxy owns the socket rather than cpp-httplib's SocketStream
// so that it can enforce what 0.11.4 cannot:
// - a deadline for the whole request (head and body): a client dribbling a byte every few
//   seconds is cut off, where a per-recv() timeout would wait forever;
// - a write timeout that ends a stream whose client stopped reading;
// - server-sent events written straight to the socket, one send() per event (TCP_NODELAY), after
//   which cpp-httplib's own response for that request is discarded and the connection closes;
// - detection of a client that went away (POLLRDHUP) while no event is flowing;
// - keep-alive waits that sleep in poll() instead of waking every 10 ms, and end at once when
//   the server shuts down.
#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace imc::api::http {

// True when the client of `fd` has closed or reset its side (POLLRDHUP), checked without waiting.
bool peer_closed(int fd);

// The address accept() gave, as text ("127.0.0.1", "::1").
std::string address_text(const sockaddr_storage &peer);

struct ConnectionLimits {
  int read_timeout_ms = 10000;      // the longest silence while a request is being read
  int request_timeout_ms = 30000;   // the whole request, head and body, from its first byte
  int write_timeout_ms = 15000;     // the longest a write may wait for a client to read
  int keep_alive_timeout_ms = 5000; // an idle kept-alive connection closes after this
  size_t keep_alive_max = 100;      // requests per connection
};

class ConnectionStream final : public httplib::Stream {
public:
  // `peer`: the client's address as accept() gave it. The socket inherits TCP_NODELAY from the
  // listening socket.
  // `already_read`: the connection's first bytes, read by whoever accepted it (at most the
  // buffer's 16 KiB), read from here first.
  ConnectionStream(int fd, const sockaddr_storage &peer, const ConnectionLimits &limits,
                   std::string_view already_read = {});
  ConnectionStream(const ConnectionStream &) = delete;
  ConnectionStream &operator=(const ConnectionStream &) = delete;

  // httplib::Stream
  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char *ptr, size_t size) override;
  ssize_t write(const char *ptr, size_t size) override;
  void get_remote_ip_and_port(std::string &ip, int &port) const override;
  void get_local_ip_and_port(std::string &ip, int &port) const override;
  int socket() const override { return fd_; }

  // The bytes read from the socket and not yet taken (the next request's, or its beginning).
  std::string_view buffered() const { return {buffer_ + begin_, end_ - begin_}; }
  const std::string &remote_ip() const { return remote_ip_; }

  // Waits for the first byte of the next request: false when the keep-alive timeout passes,
  // the client closes, or `wake_fd` becomes readable (the server is stopping).
  bool wait_for_request(int wake_fd);
  // The request has begun: its head and body must arrive within request_timeout_ms.
  void begin_request();
  // The request has been read (its handler runs): the deadline no longer applies.
  void request_read();
  bool request_timed_out() const { return timed_out_; }

  // Writes bytes now, whole; false when the client has gone or did not read in time.
  bool send_now(std::string_view bytes);
  // From now on cpp-httplib's writes for this request are discarded and the connection closes
  // after it: the caller writes the response itself (server-sent events).
  void take_over() { taken_over_ = true; }
  bool taken_over() const { return taken_over_; }
  // The socket now belongs to someone else (a detached sink): the connection loop ends without
  // closing it.
  void detach() {
    taken_over_ = true;
    detached_ = true;
  }
  bool detached() const { return detached_; }
  // True once the client has closed or reset the connection, or a write to it failed.
  bool peer_gone() const;
  bool failed() const { return failed_; }
  // Close the connection after this request's response (a request refused before its body
  // was read leaves that body unread).
  void close_after_response() { close_after_ = true; }
  bool close_requested() const { return close_after_; }

  // The connection the calling thread is serving (nullptr outside a request).
  static ConnectionStream *current();
  class Scope {
  public:
    explicit Scope(ConnectionStream *stream);
    ~Scope();
    Scope(const Scope &) = delete;
    Scope &operator=(const Scope &) = delete;
  };

private:
  int wait_ms() const; // for the next read: read timeout, shortened by the request deadline
  // recv() without waiting into the empty buffer: the byte count, 0 at the client's end, -1 with
  // errno (EAGAIN: nothing there yet).
  ssize_t fill_buffer();

  int fd_;
  ConnectionLimits limits_;
  std::string remote_ip_;
  int remote_port_ = 0;
  char buffer_[16384];
  size_t begin_ = 0, end_ = 0; // unread bytes of buffer_
  bool reading_request_ = false;
  std::chrono::steady_clock::time_point deadline_;
  bool timed_out_ = false;
  bool taken_over_ = false;
  bool detached_ = false;
  bool close_after_ = false;
  std::atomic<bool> failed_{false}; // read by the stream watcher's thread too
};

} // namespace imc::api::http
