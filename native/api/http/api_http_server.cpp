#include "api_http_server.h"

#include "acceptor_pool.h"
#include "chat_lane.h"

#include "api/safe_files.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fcntl.h>
#include <mutex>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace imc::api::http {

namespace {

using HandlerResponse = httplib::Server::HandlerResponse;

bool is_api_path(const std::string &path) { return path == "/api" || path.rfind("/api/", 0) == 0; }

std::string api_error(const char *kind, const std::string &message, const std::string &hint) {
  return nlohmann::json{{"error", {{"kind", kind}, {"message", message}, {"hint", hint}}}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void refuse(const httplib::Request &req, httplib::Response &res, int status, const char *kind,
            const std::string &message, const std::string &hint) {
  res.status = status;
  if (is_api_path(req.path))
    res.set_content(api_error(kind, message, hint), "application/json");
  else
    res.set_content(message + "\n", "text/plain; charset=utf-8");
  if (auto *conn = ConnectionStream::current())
    conn->close_after_response(); // its body, if any, was not read
}

// Retry-After in whole seconds for a 429 reply, from the error's retry_after_ms when it has one.
std::string retry_after_seconds(const std::string &json) {
  auto j = nlohmann::json::parse(json, nullptr, false);
  int64_t ms = 1000;
  if (j.is_object() && j.contains("error") && j["error"].contains("retry_after_ms") &&
      j["error"]["retry_after_ms"].is_number())
    ms = j["error"]["retry_after_ms"].get<int64_t>();
  return std::to_string(std::max<int64_t>(1, (ms + 999) / 1000));
}

// The reason phrase of a status the API replies with (RFC 9110).
const char *reason_phrase(int status) {
  switch (status) {
  case 200:
    return "OK";
  case 400:
    return "Bad Request";
  case 401:
    return "Unauthorized";
  case 403:
    return "Forbidden";
  case 404:
    return "Not Found";
  case 409:
    return "Conflict";
  case 413:
    return "Content Too Large";
  case 415:
    return "Unsupported Media Type";
  case 422:
    return "Unprocessable Content";
  case 429:
    return "Too Many Requests";
  case 500:
    return "Internal Server Error";
  case 502:
    return "Bad Gateway";
  case 503:
    return "Service Unavailable";
  case 504:
    return "Gateway Timeout";
  default:
    return status < 400 ? "OK" : status < 500 ? "Client Error" : "Server Error";
  }
}

// Sent with every reply (add_headers) and with a detached call's error reply.
constexpr std::pair<const char *, const char *> kSecurityHeaders[] = {
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "no-referrer"},
    {"X-Frame-Options", "DENY"},
};

// The head of a server-sent events stream (the connection closes after it).
void append_sse_head(std::string &bytes, const std::string &extra_headers) {
  bytes += "HTTP/1.1 200 OK\r\n"
           "Content-Type: text/event-stream; charset=utf-8\r\n"
           "Cache-Control: no-cache\r\n"
           "Connection: close\r\n"
           "X-Accel-Buffering: no\r\n"
           "X-Content-Type-Options: nosniff\r\n";
  bytes += extra_headers;
  bytes += "\r\n";
}

// One SSE event; JSON here is one line, but a newline would end the field, so split it.
void append_sse_event(std::string &bytes, const std::string &name, const std::string &json) {
  bytes += "event: ";
  bytes += name;
  bytes += "\ndata: ";
  size_t from = 0;
  for (size_t nl; (nl = json.find('\n', from)) != std::string::npos; from = nl + 1) {
    bytes.append(json, from, nl - from);
    bytes += "\ndata: ";
  }
  bytes.append(json, from, std::string::npos);
  bytes += "\n\n";
}

// The stderr line of an API call, when it ends.
struct CallLog {
  bool enabled = false;
  std::string client, method, path;
  std::chrono::steady_clock::time_point started;

  void write(bool streamed, int status, int events, bool client_gone) const {
    if (!enabled)
      return;
    const long long ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - started)
                             .count();
    if (streamed)
      std::fprintf(stderr, "imc serve: %s %s %s 200 stream, %d events, %lld ms%s\n", client.c_str(),
                   method.c_str(), path.c_str(), events, ms, client_gone ? " (client gone)" : "");
    else
      std::fprintf(stderr, "imc serve: %s %s %s %d %lld ms\n", client.c_str(), method.c_str(),
                   path.c_str(), status, ms);
  }
};

// The rest of a call whose handler returned (ApiSink::detach): writes go straight to the
// socket without blocking (MSG_DONTWAIT); what the client has not taken yet waits in a buffer
// sent with the next write, and a client that takes nothing for write_timeout_ms is gone. When
// the call's last owner lets go, the socket is closed — after a short flushing thread if bytes
// are still waiting (a slow client at the very end).
class DetachedSink final : public ApiSink {
public:
  DetachedSink(int fd, std::string extra_headers, int write_timeout_ms, CallLog log)
      : fd_(fd), extra_headers_(std::move(extra_headers)), write_timeout_ms_(write_timeout_ms),
        log_(std::move(log)) {}

  ~DetachedSink() override {
    log_.write(streaming_, status_, events_, gone_);
    if (!pending_.empty() && !gone_) {
      std::thread([fd = fd_, bytes = std::move(pending_), timeout = write_timeout_ms_] {
        size_t sent = 0;
        while (sent < bytes.size()) {
          pollfd p{fd, POLLOUT, 0};
          if (::poll(&p, 1, timeout) <= 0 || (p.revents & (POLLERR | POLLHUP)))
            break;
          const ssize_t n =
              ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
          if (n < 0 && errno != EAGAIN && errno != EINTR)
            break;
          sent += n > 0 ? static_cast<size_t>(n) : 0;
        }
        ::close(fd);
      }).detach();
      return;
    }
    // The request was read whole, so close() ends the stream with a FIN (no shutdown needed:
    // nothing else holds the socket).
    ::close(fd_);
  }

  void reply(int status, const std::string &json) override {
    status_ = status;
    std::string bytes =
        "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) +
        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(json.size()) +
        "\r\nConnection: close\r\nCache-Control: no-store\r\n";
    for (const auto &[name, value] : kSecurityHeaders)
      bytes += std::string(name) + ": " + value + "\r\n";
    bytes += extra_headers_;
    if (status == 429)
      bytes += "Retry-After: " + retry_after_seconds(json) + "\r\n";
    bytes += "\r\n";
    bytes += json;
    write(bytes);
  }

  // Every event of every relayed stream: written into a buffer of the writing thread (an event
  // loop), kept between calls, so that an event costs no allocation once the buffer has grown.
  bool event(const std::string &name, const std::string &json) override {
    std::string &bytes = scratch();
    if (!streaming_)
      start_stream(bytes);
    append_sse_event(bytes, name, json);
    events_ += 1;
    return write(bytes);
  }

  bool events(ApiEventList list) override {
    std::string &bytes = scratch();
    if (!streaming_)
      start_stream(bytes);
    for (const auto &e : list)
      append_sse_event(bytes, e.name, e.json);
    events_ += static_cast<int>(list.size());
    return write(bytes);
  }

  bool cancelled() const override { return gone_ || peer_closed(fd_); }
  // A write that fails or times out is reported by event()'s result, and the relayed call stops
  // on it; without writes, only a hang-up can tell.
  int watch_fd() const override { return fd_; }

private:
  static std::string &scratch() {
    thread_local std::string bytes;
    bytes.clear();
    return bytes;
  }
  void start_stream(std::string &bytes) {
    streaming_ = true;
    status_ = 200;
    append_sse_head(bytes, extra_headers_);
  }

  bool write(const std::string &bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (gone_)
      return false;
    // Bytes still waiting go first; usually there are none and `bytes` goes as it is.
    if (!pending_.empty())
      pending_ += bytes;
    std::string_view rest = pending_.empty() ? std::string_view(bytes) : pending_;
    size_t taken = 0; // bytes the client took during this write
    while (!rest.empty()) {
      const ssize_t n = ::send(fd_, rest.data(), rest.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        rest.remove_prefix(static_cast<size_t>(n));
        taken += static_cast<size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && errno != EAGAIN) {
        gone_ = true;
        return false;
      } else {
        break; // the client's buffer is full: the rest waits
      }
    }
    if (pending_.empty())
      pending_.assign(rest);
    else
      pending_.erase(0, pending_.size() - rest.size());
    const auto now = std::chrono::steady_clock::now();
    if (pending_.size() > kMaxPending) {
      gone_ = true; // the upstream outruns a client that reads far too slowly
    } else if (pending_.empty()) {
      pending_since_.reset();
    } else if (!pending_since_ || taken > 0) {
      pending_since_ = now; // waiting since the client last took something
    } else if (now - *pending_since_ > std::chrono::milliseconds(write_timeout_ms_)) {
      gone_ = true; // the client stopped reading
    }
    return !gone_;
  }

  static constexpr size_t kMaxPending = 4u << 20;

  int fd_;
  std::string extra_headers_;
  int write_timeout_ms_;
  CallLog log_;
  std::mutex mutex_;
  std::string pending_;
  std::optional<std::chrono::steady_clock::time_point> pending_since_;
  std::atomic<bool> gone_{false};
  bool streaming_ = false;
  int status_ = 0;
  int events_ = 0;
};

// Answers an ApiService call on a connection: a JSON reply through cpp-httplib's response, or
// server-sent events written straight to the socket (the connection then closes), or — once the
// handler detaches — a DetachedSink that owns the socket from then on.
class HttpSink final : public ApiSink {
public:
  HttpSink(httplib::Response &res, ConnectionStream &conn, std::string extra_headers,
           int write_timeout_ms, CallLog log)
      : res_(res), conn_(conn), extra_headers_(std::move(extra_headers)),
        write_timeout_ms_(write_timeout_ms), log_(std::move(log)) {}

  void reply(int status, const std::string &json) override {
    status_ = status;
    res_.status = status;
    res_.set_content(json, "application/json");
    if (status == 429)
      res_.set_header("Retry-After", retry_after_seconds(json));
  }

  bool event(const std::string &name, const std::string &json) override {
    const ApiEvent one{name, json};
    return events({&one, 1});
  }

  bool events(ApiEventList list) override {
    std::string bytes;
    if (!streaming_) {
      streaming_ = true;
      status_ = 200;
      conn_.take_over();
      append_sse_head(bytes, extra_headers_);
    }
    for (const auto &e : list)
      append_sse_event(bytes, e.name, e.json);
    events_ += static_cast<int>(list.size());
    if (!conn_.send_now(bytes)) {
      gone_ = true;
      return false;
    }
    return true;
  }

  bool cancelled() const override { return gone_ || conn_.peer_gone(); }

  std::shared_ptr<ApiSink> detach() override {
    if (streaming_ || status_ != 0)
      return nullptr;
    conn_.detach();
    detached_ = true;
    return std::make_shared<DetachedSink>(conn_.socket(), extra_headers_, write_timeout_ms_,
                                          std::move(log_));
  }

  int status() const { return status_; }
  bool streaming() const { return streaming_; }
  bool detached() const { return detached_; }
  int events() const { return events_; }

private:
  httplib::Response &res_;
  ConnectionStream &conn_;
  std::string extra_headers_;
  int write_timeout_ms_;
  CallLog log_;
  int status_ = 0;
  bool streaming_ = false;
  bool detached_ = false;
  int events_ = 0;
  std::atomic<bool> gone_{false};
};

// The sink of a chat taken by the chat lane (chat_lane.h): the call's DetachedSink from the
// start, since the lane has no cpp-httplib response to write into. The handler detaches it (a
// relayed stream) or answers through it; either way the connection closes after the answer.
class LaneSink final : public ApiSink {
public:
  explicit LaneSink(std::shared_ptr<DetachedSink> sink) : sink_(std::move(sink)) {}
  void reply(int status, const std::string &json) override {
    answered_ = true;
    sink_->reply(status, json);
  }
  bool event(const std::string &name, const std::string &json) override {
    answered_ = true;
    return sink_->event(name, json);
  }
  bool events(ApiEventList list) override {
    answered_ = true;
    return sink_->events(list);
  }
  bool cancelled() const override { return sink_->cancelled(); }
  int watch_fd() const override { return sink_->watch_fd(); }
  std::shared_ptr<ApiSink> detach() override {
    if (answered_ || detached_)
      return nullptr;
    detached_ = true;
    return sink_;
  }

private:
  std::shared_ptr<DetachedSink> sink_;
  bool answered_ = false;
  bool detached_ = false;
};

} // namespace

class ApiHttpServer::Server final : public httplib::Server {
public:
  Server(ApiService &service, HttpSettings settings)
      : service_(service), settings_(std::move(settings)), origins_(settings_.cors_origins),
        rate_(settings_.rate_per_second, settings_.rate_burst) {
    if (!settings_.token.empty())
      token_ = AccessToken(settings_.token);
    loopback_ = is_loopback_address(settings_.bind);
    if (::pipe2(wake_, O_CLOEXEC) != 0)
      wake_[0] = wake_[1] = -1;
    spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC); // see refuse_one()
    set_tcp_nodelay(true);
    // Only for the Keep-Alive header cpp-httplib writes: the connection loop below applies them.
    set_keep_alive_timeout(std::max(1, settings_.limits.keep_alive_timeout_ms / 1000));
    set_keep_alive_max_count(settings_.limits.keep_alive_max);
    set_payload_max_length(settings_.max_body_bytes);
    set_pre_routing_handler([this](const httplib::Request &req, httplib::Response &res) {
      return pre_route(req, res);
    });
    Get(R"(/api/.*)",
        [this](const httplib::Request &req, httplib::Response &res) { api(req, res); });
    Post(R"(/api/.*)",
         [this](const httplib::Request &req, httplib::Response &res) { api(req, res); });
    Get(R"(.*)", [this](const httplib::Request &req, httplib::Response &res) {
      if (auto *conn = ConnectionStream::current())
        conn->request_read();
      serve_static(roots_, req.target, res);
    });
    set_error_handler(
        HandlerWithResponse([this](const httplib::Request &req, httplib::Response &res) {
          return fill_error(req, res);
        }));
    set_exception_handler(
        [](const httplib::Request &req, httplib::Response &res, std::exception_ptr) {
          // Never the exception's text in a header (cpp-httplib's default): it could say anything.
          refuse(req, res, 500, "unavailable", "internal error", "Try again.");
        });
    set_post_routing_handler(
        [this](const httplib::Request &req, httplib::Response &res) { add_headers(req, res); });
  }

  ~Server() override {
    for (int fd : wake_)
      if (fd >= 0)
        ::close(fd);
    if (spare_fd_ >= 0)
      ::close(spare_fd_);
  }

  Result<int> bind_socket() {
    if (!loopback_ && !token_.required())
      return Error{"--bind", "", "127.0.0.1, or an access token (--token-file FILE)",
                   settings_.bind + " without a token: the API would be open to the network"};
    for (auto [dir, root] : {std::pair{&settings_.web_dir, &roots_.web},
                             std::pair{&settings_.pack_dir, &roots_.pack}}) {
      if (dir->empty())
        continue;
      *root = canonical_folder(*dir);
      if (!*root)
        return Error{*dir, "", "a folder to serve", "none there"};
    }
    int port = settings_.port;
    if (port == 0)
      port = bind_to_any_port(settings_.bind);
    else if (!bind_to_port(settings_.bind, port))
      port = -1;
    if (port < 0)
      return Error{settings_.bind + ":" + std::to_string(settings_.port), "",
                   "a free address and port", "cannot listen there (in use? try --port N)"};
    // cpp-httplib 0.11.4 listens with a backlog of 5: under a burst of connections the kernel
    // drops SYNs and clients stall for a second. listen() again raises it on Linux.
    ::listen(svr_sock_, settings_.listen_backlog);
    // A connection is handed to accept() once its request's first bytes are there (nginx's
    // `listen ... deferred`): the connection thread then wakes once, to a request it can read,
    // rather than once for the connection and again for its request. One that sends nothing is
    // accepted after about a second all the same, and meets the request timeout.
    const int defer_s = 1;
    ::setsockopt(svr_sock_, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer_s, sizeof defer_s);
    return port;
  }

  // Accepts and serves on the acceptor pool until stop_all(); returns when every connection has
  // ended. (cpp-httplib's listen loop is not used: see acceptor_pool.h.)
  // When the service lends its event loops (ApiService::share_loops), they accept: a plain chat
  // is read and started right there (accept_on_loop), as an nginx worker does, and every other
  // connection goes to the pool's threads with the bytes already read. A connection thread that
  // sleeps in accept() between bursts waits its turn for a CPU when woken, behind every other
  // runnable thread (0.78 ms on average at 256 streams, the loops 0.06 ms: docs/PERFORMANCE.md,
  // "The chat lane"). Without loops to lend, the pool's threads accept (leader/follower).
  void serve_all() {
    AcceptorPool pool(svr_sock_, settings_.max_threads,
                      [this](int fd, const sockaddr_storage &peer, std::string_view already_read) {
                        serve_connection(fd, peer, already_read);
                      });
    {
      std::lock_guard<std::mutex> lock(pool_mutex_);
      pool_ = &pool;
      if (stopping_)
        pool.stop();
    }
    {
      std::lock_guard<std::mutex> lock(share_mutex_);
      const int fd = svr_sock_;
      if (!stopping_ && fd >= 0) {
        const int flags = ::fcntl(fd, F_GETFL);
        ::fcntl(fd, F_SETFL, flags | O_NONBLOCK); // a loop must never wait in accept()
        // Handed mode before the loops may hand anything: a thread that hand() starts reads it.
        pool.hand_over();
        shared_ = service_.share_loops(fd, [this](size_t most) { accept_on_loop(most); });
        if (!shared_) { // the pool's threads accept, blocking
          ::fcntl(fd, F_SETFL, flags);
          pool.accept_again();
        }
      }
    }
    pool.run();
    unshare();
    {
      std::lock_guard<std::mutex> lock(pool_mutex_);
      pool_ = nullptr;
    }
    ::close(svr_sock_.exchange(INVALID_SOCKET));
  }

  void stop_all() {
    stopping_ = true;
    if (wake_[1] >= 0) {
      const char byte = 'x';
      [[maybe_unused]] ssize_t n = ::write(wake_[1], &byte, 1);
    }
    unshare(); // before the listening socket is shut down: the loops then accept no more
    std::lock_guard<std::mutex> lock(pool_mutex_);
    if (pool_)
      pool_->stop();
  }

  // Out of descriptors, the connection waiting would keep the listening socket readable and the
  // loops turning without end: the spare descriptor (kept open for this) makes room to take it
  // and close it, so the client sees its connection reset (as libuv does). False when another
  // loop holds the spare right now.
  bool refuse_one() {
    const int spare = spare_fd_.exchange(-1);
    if (spare < 0)
      return false;
    ::close(spare);
    const int refused = ::accept4(svr_sock_, nullptr, nullptr, SOCK_CLOEXEC);
    if (refused >= 0)
      ::close(refused);
    spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    return refused >= 0;
  }

  void unshare() {
    std::lock_guard<std::mutex> lock(share_mutex_);
    if (shared_)
      service_.unshare_loops(svr_sock_);
    shared_ = false;
  }

  // On an event loop's thread, the listening socket readable: takes the connections waiting, at
  // most `most` (the loop's turn's share: at most 64, fewer while a burst's first streams wait
  // for their first bytes; the socket stays readable for the rest). A connection whose request
  // is a plain chat is served here (the chat lane, then the call on the loop); any other goes to
  // the pool's threads with what was read of it.
  void accept_on_loop(size_t most) {
    thread_local char buffer[16384]; // the size of a ConnectionStream's buffer
    for (size_t taken = 0; taken < most; ++taken) {
      sockaddr_storage peer{};
      socklen_t peer_size = sizeof peer;
      const int fd =
          ::accept4(svr_sock_, reinterpret_cast<sockaddr *>(&peer), &peer_size, SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
          continue;
        if ((errno == EMFILE || errno == ENFILE) && refuse_one())
          continue;
        return; // none left (EAGAIN)
      }
      ssize_t n;
      do {
        n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
      } while (n < 0 && errno == EINTR);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
        ::close(fd); // gone before it asked anything
        continue;
      }
      const std::string_view bytes(buffer, n > 0 ? static_cast<size_t>(n) : 0);
      if (n > 0 && serve_chat_lane(fd, address_text(peer), bytes))
        continue; // the socket is the call's sink's now
      std::lock_guard<std::mutex> lock(pool_mutex_);
      if (pool_)
        pool_->hand(fd, peer, bytes);
      else
        ::close(fd);
    }
  }

  size_t thread_count() const {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    return pool_ ? pool_->threads() : 0;
  }

private:
  // cpp-httplib's own entry for a connection; unused (serve_all() serves them).
  bool process_and_close_socket(socket_t sock) override {
    sockaddr_storage peer{};
    socklen_t size = sizeof peer;
    ::getpeername(sock, reinterpret_cast<sockaddr *>(&peer), &size);
    return serve_connection(sock, peer);
  }

  // One connection, served to its end on the calling (acceptor) thread. The socket has
  // TCP_NODELAY from the listening socket (set_tcp_nodelay).
  bool serve_connection(socket_t sock, const sockaddr_storage &peer,
                        std::string_view already_read = {}) {
    bool ok = true;
    {
      ConnectionStream stream(sock, peer, settings_.limits, already_read);
      ConnectionStream::Scope scope(&stream);
      for (size_t served = 0; served < settings_.limits.keep_alive_max; ++served) {
        if (!stream.wait_for_request(wake_[0]))
          break;
        stream.begin_request();
        if (serve_chat_lane(stream.socket(), stream.remote_ip(), stream.buffered())) {
          stream.detach(); // the socket is the call's sink's now
          break;
        }
        bool closed = false;
        const bool last = served + 1 == settings_.limits.keep_alive_max || stopping_;
        ok = process_request(stream, last, closed, {});
        if (!ok || closed || last || stream.taken_over() || stream.failed() ||
            stream.request_timed_out() || stream.close_requested())
          break;
      }
      if (stream.detached())
        return ok; // the socket is a DetachedSink's now
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ok;
  }

  // A plain `POST /api/chat` (chat_lane.h), read from the connection's buffer and handed to the
  // service without cpp-httplib, when pre_route() would let it through: the same checks in the
  // same order, each refusal left to cpp-httplib to write (nothing is consumed until all have
  // passed; the rate limiter, which counts, comes last). `bytes`: what has been read of the
  // connection `fd`. True when the lane served the request: the socket is owned by the call's
  // sink then. Runs on a connection thread or on an event loop (accept_on_loop): nothing here
  // blocks (the sink never waits; the service starts the call without waiting on a loop).
  bool serve_chat_lane(int fd, const std::string &remote_ip, std::string_view bytes) {
    const auto lane = read_lane_request(bytes, settings_.max_body_bytes);
    if (!lane)
      return false;
    const std::string host(lane->host), origin(lane->origin);
    if (loopback_ && !is_loopback_address(host_of(host)))
      return false;
    if (!origin.empty() && !origins_.allows(origin, host))
      return false;
    if (token_.required() && !token_.accepts(std::string(lane->authorization)))
      return false;
    if (!lane->content_type.empty() && lane->content_type.rfind("application/json", 0) != 0)
      return false;
    if (rate_.take(remote_ip) > 0)
      return false; // refused there too (a refused take takes nothing)
    const auto started = std::chrono::steady_clock::now();
    ApiRequest request;
    request.method = "POST";
    request.path = "/api/chat";
    request.body.assign(lane->body);
    request.client = remote_ip;
    LaneSink sink(std::make_shared<DetachedSink>(
        fd, cors_headers(origin), settings_.limits.write_timeout_ms,
        CallLog{settings_.log_requests, request.client, request.method, request.path, started}));
    service_.handle(request, sink);
    return true;
  }

  HandlerResponse pre_route(const httplib::Request &req, httplib::Response &res) {
    const std::string host = req.get_header_value("Host");
    if (loopback_ && !is_loopback_address(host_of(host))) {
      refuse(req, res, 403, "forbidden", "this server answers only requests for this machine",
             "Open it as http://127.0.0.1:PORT/ or http://localhost:PORT/.");
      log_refusal(req, res.status);
      return HandlerResponse::Handled;
    }
    const std::string origin = req.get_header_value("Origin");
    if (req.method == "OPTIONS") {
      if (!origin.empty() && origins_.is_configured(origin)) {
        res.status = 204;
        res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
        res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type");
        res.set_header("Access-Control-Max-Age", "600");
      } else {
        refuse(req, res, 403, "forbidden",
               "cross-origin requests are not allowed from " + (origin.empty() ? "here" : origin),
               "Use the page this server serves, or start imc serve with --cors-origin ORIGIN.");
      }
      return HandlerResponse::Handled;
    }
    if (!is_api_path(req.path)) {
      if (req.method != "GET" && req.method != "HEAD") {
        refuse(req, res, 405, "bad_request", "only GET and HEAD outside /api/", "");
        return HandlerResponse::Handled;
      }
      return HandlerResponse::Unhandled;
    }
    if (!origin.empty() && !origins_.allows(origin, host)) {
      refuse(req, res, 403, "forbidden", "the API does not answer pages of " + origin,
             "Use the page this server serves, or start imc serve with --cors-origin " + origin +
                 ".");
      log_refusal(req, res.status);
      return HandlerResponse::Handled;
    }
    if (token_.required() && !token_.accepts(req.get_header_value("Authorization"))) {
      refuse(req, res, 401, "forbidden", "this server needs an access token",
             "Send Authorization: Bearer <token>, the token in the file given to imc serve "
             "--token-file.");
      res.set_header("WWW-Authenticate", "Bearer realm=\"imc\"");
      log_refusal(req, res.status);
      return HandlerResponse::Handled;
    }
    if (const int64_t wait_ms = rate_.take(req.remote_addr); wait_ms > 0) {
      const int64_t seconds = std::max<int64_t>(1, (wait_ms + 999) / 1000);
      refuse(req, res, 429, "rate_limited", "too many API calls from " + req.remote_addr,
             "Wait " + std::to_string(seconds) + " s and try again.");
      res.set_header("Retry-After", std::to_string(seconds));
      log_refusal(req, res.status);
      return HandlerResponse::Handled;
    }
    if (req.method == "POST") {
      const std::string type = req.get_header_value("Content-Type");
      if (!type.empty() && type.rfind("application/json", 0) != 0) {
        refuse(req, res, 415, "bad_request", "the body must be JSON, not " + type,
               "Send Content-Type: application/json.");
        log_refusal(req, res.status);
        return HandlerResponse::Handled;
      }
    }
    return HandlerResponse::Unhandled;
  }

  void api(const httplib::Request &req, httplib::Response &res) {
    ConnectionStream *conn = ConnectionStream::current();
    conn->request_read();
    const auto started = std::chrono::steady_clock::now();
    ApiRequest request;
    request.method = req.method;
    request.path = req.path;
    for (const auto &[key, value] : req.params)
      request.query.emplace_back(key, value);
    request.body = req.body;
    request.client = req.remote_addr;
    CallLog log{settings_.log_requests, req.remote_addr, req.method, req.path, started};
    HttpSink sink(res, *conn, cors_headers(req), settings_.limits.write_timeout_ms, log);
    service_.handle(request, sink);
    if (!sink.detached()) // a detached call logs when it ends
      log.write(sink.streaming(), sink.status(), sink.events(), conn->failed());
  }

  void log_refusal(const httplib::Request &req, int status) {
    if (settings_.log_requests)
      std::fprintf(stderr, "imc serve: %s %s %s %d refused\n", req.remote_addr.c_str(),
                   req.method.c_str(), req.path.c_str(), status);
  }

  // CORS headers for a configured cross origin; "" otherwise.
  std::string cors_headers(const httplib::Request &req) const {
    return cors_headers(req.get_header_value("Origin"));
  }
  std::string cors_headers(const std::string &origin) const {
    if (origin.empty() || !origins_.is_configured(origin))
      return "";
    return "Access-Control-Allow-Origin: " + origin + "\r\nVary: Origin\r\n";
  }

  HandlerResponse fill_error(const httplib::Request &req, httplib::Response &res) {
    if (!res.body.empty())
      return HandlerResponse::Unhandled; // the handler's own error reply
    switch (res.status) {
    case 413:
      refuse(req, res, 413, "too_large",
             "the request body is larger than " + std::to_string(settings_.max_body_bytes) +
                 " bytes",
             "Send a smaller request (resize images); the limit is imc serve --max-body.");
      break;
    case 404:
      refuse(req, res, 404, "not_found", "no such route or file: " + req.path,
             "See docs/API.md for the API's routes.");
      break;
    default:
      refuse(req, res, res.status, res.status >= 500 ? "unavailable" : "bad_request",
             "the request could not be handled (HTTP " + std::to_string(res.status) + ")",
             "Check the request line, headers and body.");
    }
    return HandlerResponse::Handled;
  }

  void add_headers(const httplib::Request &req, httplib::Response &res) {
    for (const auto &[name, value] : kSecurityHeaders)
      res.set_header(name, value);
    res.set_header("Cache-Control", is_api_path(req.path) ? "no-store" : "no-cache");
    const std::string origin = req.get_header_value("Origin");
    if (!origin.empty() && origins_.is_configured(origin)) {
      res.set_header("Access-Control-Allow-Origin", origin);
      res.set_header("Vary", "Origin");
    }
    if (auto *conn = ConnectionStream::current(); conn && conn->close_requested())
      res.set_header("Connection", "close");
  }

  ApiService &service_;
  HttpSettings settings_;
  StaticRoots roots_;
  AccessToken token_;
  OriginPolicy origins_;
  ClientRateLimiter rate_;
  bool loopback_ = true;
  int wake_[2] = {-1, -1};
  std::atomic<bool> stopping_{false};
  mutable std::mutex pool_mutex_;
  AcceptorPool *pool_ = nullptr; // while serving
  std::mutex share_mutex_;
  bool shared_ = false; // the service's loops accept on the listening socket
  std::atomic<int> spare_fd_{-1};
};

ApiHttpServer::ApiHttpServer(ApiService &service, HttpSettings settings)
    : server_(std::make_unique<Server>(service, std::move(settings))) {}

ApiHttpServer::~ApiHttpServer() = default;

Result<int> ApiHttpServer::bind() { return server_->bind_socket(); }

void ApiHttpServer::serve() { server_->serve_all(); }

void ApiHttpServer::stop() { server_->stop_all(); }

size_t ApiHttpServer::threads() const { return server_->thread_count(); }

} // namespace imc::api::http
