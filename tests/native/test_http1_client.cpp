// The event loop's own HTTP/1.1 client (transport/http1_wire.h, stream_engine.cpp): the request's
// bytes, the response reader over every way the bytes can be split, and whole calls against a raw
// TCP server doing what real servers do to kept-alive connections — through the own client and,
// for comparison, through libcurl (TransportOptions::own_http1_client), which must agree.
#include "support/fake_upstream.h"
#include "transport/http1_wire.h"
#include "transport/http_transport.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace imc::test {
namespace {

using namespace imc::transport;
using namespace imc::transport::detail;

// --- The request's bytes ---------------------------------------------------------------------

UrlParts url_of(const std::string &text) {
  auto url = split_url(text);
  EXPECT_TRUE(url) << text;
  return *url;
}

TEST(Http1Wire, TheRequestHeadNamesTheHostAcceptAndTheBodyLength) {
  HttpRequest r;
  r.method = "POST";
  r.url = "http://127.0.0.1:8081/v1/chat/completions?x=1";
  r.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer k"}};
  r.body = R"({"a":1})";
  EXPECT_EQ(http1_request_bytes(r, url_of(r.url)), "POST /v1/chat/completions?x=1 HTTP/1.1\r\n"
                                                   "Host: 127.0.0.1:8081\r\n"
                                                   "Accept: */*\r\n"
                                                   "Content-Type: application/json\r\n"
                                                   "Authorization: Bearer k\r\n"
                                                   "Content-Length: 7\r\n"
                                                   "\r\n"
                                                   R"({"a":1})");
}

TEST(Http1Wire, ARequestsOwnHostAndAcceptAreKeptAndAGetHasNoLength) {
  HttpRequest r;
  r.method = "GET";
  r.url = "http://[::1]/v1/models";
  r.headers = {{"host", "signed.example"}, {"Accept", "application/json"}};
  EXPECT_EQ(http1_request_bytes(r, url_of(r.url)), "GET /v1/models HTTP/1.1\r\n"
                                                   "host: signed.example\r\n"
                                                   "Accept: application/json\r\n"
                                                   "\r\n");
  r.headers.clear();
  r.url = "http://[::1]:9000/";
  EXPECT_NE(http1_request_bytes(r, url_of(r.url)).find("Host: [::1]:9000\r\n"), std::string::npos);
}

TEST(Http1Wire, OnlyPlainHttpToAnIpAddressHasASocketAddress) {
  EXPECT_TRUE(plain_http_address(url_of("http://127.0.0.1:8080/v1")));
  EXPECT_TRUE(plain_http_address(url_of("http://[::1]:8080/v1")));
  EXPECT_FALSE(plain_http_address(url_of("https://127.0.0.1:8080/v1")));
  EXPECT_FALSE(plain_http_address(url_of("http://localhost:8080/v1")));
  EXPECT_FALSE(plain_http_address(url_of("http://api.example.com/v1")));
}

// --- The response reader -----------------------------------------------------------------------

struct Collected : Http1ResponseReader::Handler {
  int heads = 0;
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  size_t stop_after = std::string::npos; // body bytes, then on_body says stop
  void on_head(int s, std::vector<std::pair<std::string, std::string>> h) override {
    ++heads;
    status = s;
    headers = std::move(h);
  }
  bool on_body(std::string_view bytes) override {
    body += bytes;
    return body.size() < stop_after;
  }
};

// Feeds `bytes` cut at `cuts` (ascending offsets), then the end of the stream when `eof`.
Http1ResponseReader::State read_split(Collected &c, const std::string &bytes,
                                      std::vector<size_t> cuts, bool eof,
                                      bool *reusable = nullptr) {
  Http1ResponseReader reader(c);
  size_t at = 0;
  cuts.push_back(bytes.size());
  for (const size_t cut : cuts) {
    if (cut > at)
      reader.feed(std::string_view(bytes).substr(at, cut - at));
    at = cut;
  }
  if (eof)
    reader.feed_eof();
  if (reusable)
    *reusable = reader.reusable();
  return reader.state();
}

const std::string kChunked = "HTTP/1.1 200 OK\r\n"
                             "Content-Type: text/event-stream\r\n"
                             "Transfer-Encoding: chunked\r\n"
                             "X-Spaced:   padded value  \r\n"
                             "\r\n"
                             "6\r\ndata: \r\n"
                             "c\r\n{\"x\":\"one\"}\n\r\n"
                             "1\r\n\n\r\n"
                             "0\r\n\r\n";

TEST(Http1Reader, AChunkedResponseReadsTheSameHoweverItsBytesAreSplit) {
  const std::string body = "data: {\"x\":\"one\"}\n\n";
  for (size_t a = 0; a <= kChunked.size(); ++a) {
    for (size_t b = a; b <= kChunked.size(); b += 7) {
      Collected c;
      bool reusable = false;
      ASSERT_EQ(read_split(c, kChunked, {a, b}, false, &reusable),
                Http1ResponseReader::State::complete)
          << "cut at " << a << ", " << b;
      EXPECT_EQ(c.heads, 1);
      EXPECT_EQ(c.status, 200);
      EXPECT_EQ(c.body, body);
      EXPECT_TRUE(reusable);
    }
  }
  // One byte at a time, too; header values come trimmed.
  Collected c;
  std::vector<size_t> every;
  for (size_t i = 1; i < kChunked.size(); ++i)
    every.push_back(i);
  ASSERT_EQ(read_split(c, kChunked, every, false), Http1ResponseReader::State::complete);
  EXPECT_EQ(c.body, body);
  ASSERT_EQ(c.headers.size(), 3u);
  EXPECT_EQ(c.headers[2], std::make_pair(std::string("X-Spaced"), std::string("padded value")));
}

TEST(Http1Reader, ContentLengthCloseDelimitedAndInterimResponses) {
  {
    Collected c;
    bool reusable = false;
    EXPECT_EQ(read_split(c,
                         "HTTP/1.1 429 Too Many\r\nRetry-After: 2\r\nContent-Length: 4\r\n\r\nslow",
                         {30}, false, &reusable),
              Http1ResponseReader::State::complete);
    EXPECT_EQ(c.status, 429);
    EXPECT_EQ(c.body, "slow");
    EXPECT_TRUE(reusable);
  }
  { // the server says it will close: not reused
    Collected c;
    bool reusable = true;
    EXPECT_EQ(read_split(c, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
                         {}, false, &reusable),
              Http1ResponseReader::State::complete);
    EXPECT_FALSE(reusable);
  }
  { // no length: the body ends with the connection
    Collected c;
    bool reusable = true;
    EXPECT_EQ(read_split(c, "HTTP/1.1 200 OK\r\n\r\nall of it", {20}, true, &reusable),
              Http1ResponseReader::State::complete);
    EXPECT_EQ(c.body, "all of it");
    EXPECT_FALSE(reusable);
  }
  { // 100 Continue, then the response: one head
    Collected c;
    EXPECT_EQ(
        read_split(c,
                   "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
                   {10}, false),
        Http1ResponseReader::State::complete);
    EXPECT_EQ(c.heads, 1);
    EXPECT_EQ(c.status, 201);
  }
  { // bytes after the response: the connection is not reused
    Collected c;
    bool reusable = true;
    EXPECT_EQ(read_split(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200", {}, false,
                         &reusable),
              Http1ResponseReader::State::complete);
    EXPECT_EQ(c.body, "ok");
    EXPECT_FALSE(reusable);
  }
}

TEST(Http1Reader, BrokenResponsesFailSayingWhat) {
  Collected c1;
  Http1ResponseReader garbage(c1);
  EXPECT_EQ(garbage.feed("SMTP ready\r\n"), Http1ResponseReader::State::failed);
  EXPECT_NE(garbage.error().find("invalid HTTP response"), std::string::npos) << garbage.error();

  Collected c2;
  Http1ResponseReader cut(c2);
  cut.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf");
  EXPECT_EQ(cut.feed_eof(), Http1ResponseReader::State::failed);
  EXPECT_TRUE(cut.any_byte());
  EXPECT_EQ(c2.body, "half");

  Collected c3;
  Http1ResponseReader nothing(c3);
  EXPECT_EQ(nothing.feed(""), Http1ResponseReader::State::failed); // an empty read: closed
  EXPECT_FALSE(nothing.any_byte());
  EXPECT_NE(nothing.error().find("before any response"), std::string::npos) << nothing.error();

  Collected c4;
  c4.stop_after = 3;
  Http1ResponseReader stopped(c4);
  EXPECT_EQ(stopped.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789"),
            Http1ResponseReader::State::stopped);
  EXPECT_FALSE(stopped.reusable());
}

// --- Whole calls against a raw server ----------------------------------------------------------

// A TCP server on 127.0.0.1 whose every connection runs `serve(fd, connection number)` on a
// thread of its own; it reads requests with read_request().
class RawServer {
public:
  using Serve = std::function<void(int fd, int connection)>;
  explicit RawServer(Serve serve) : serve_(std::move(serve)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 ||
        ::listen(listen_fd_, 16) != 0)
      throw std::runtime_error("RawServer: cannot listen on 127.0.0.1");
    socklen_t len = sizeof a;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr *>(&a), &len);
    port_ = ntohs(a.sin_port);
    accept_thread_ = std::thread([this] {
      for (int n = 1;; ++n) {
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0)
          return;
        connections_ = n;
        std::lock_guard<std::mutex> lock(mutex_);
        fds_.push_back(fd);
        workers_.emplace_back([this, fd, n] {
          serve_(fd, n);
          ::shutdown(fd, SHUT_RDWR); // closed by the destructor, after every worker's end
        });
      }
    });
  }
  ~RawServer() {
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    accept_thread_.join();
    std::lock_guard<std::mutex> lock(mutex_);
    for (const int fd : fds_) // connections the client keeps alive end here
      ::shutdown(fd, SHUT_RDWR);
    for (auto &w : workers_)
      w.join();
    for (const int fd : fds_)
      ::close(fd);
  }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  int connections() const { return connections_; }

  // One request's head and Content-Length body; "" when the client closed first. Linear in the
  // request's size (a 4 MB body under ASan must not be searched over again per read).
  static std::string read_request(int fd) {
    std::string in;
    std::vector<char> buf(1 << 16);
    size_t head_end = std::string::npos, whole = std::string::npos, scanned = 0;
    for (;;) {
      if (head_end == std::string::npos) {
        head_end = in.find("\r\n\r\n", scanned > 3 ? scanned - 3 : 0);
        scanned = in.size();
        if (head_end != std::string::npos) {
          size_t length = 0;
          const size_t at = in.find("Content-Length: ");
          if (at != std::string::npos && at < head_end)
            length = std::stoul(in.substr(at + 16));
          whole = head_end + 4 + length;
        }
      }
      if (whole != std::string::npos && in.size() >= whole)
        return in;
      const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
      if (n <= 0)
        return "";
      in.append(buf.data(), static_cast<size_t>(n));
    }
  }
  static void send_all(int fd, const std::string &bytes) {
    size_t at = 0;
    while (at < bytes.size()) {
      const ssize_t n = ::send(fd, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
      if (n <= 0)
        return;
      at += static_cast<size_t>(n);
    }
  }

private:
  Serve serve_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<int> connections_{0};
  std::thread accept_thread_;
  std::mutex mutex_;
  std::vector<std::thread> workers_;
  std::vector<int> fds_;
};

const std::string kSse = fake_reply::openai_sse({"Hel", "lo"}).body();

std::string sse_response(const std::string &extra_headers = "") {
  return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: " +
         std::to_string(kSse.size()) + "\r\n" + extra_headers + "\r\n" + kSse;
}

class Http1Calls : public ::testing::TestWithParam<bool> {
protected:
  HttpTransport transport_{[] {
    TransportOptions o;
    o.own_http1_client = GetParam();
    o.random = [] { return 0.5; };
    o.retry.base_delay_ms = 20;
    o.retry.max_delay_ms = 50;
    return o;
  }()};

  Endpoint endpoint(const RawServer &server) {
    static std::atomic<int> n{0};
    Endpoint e;
    e.name = "raw-" + std::to_string(++n) + (GetParam() ? "-own" : "-libcurl");
    e.protocol = Protocol::openai;
    e.base_url = server.base_url();
    e.model = "fake-model";
    e.timeouts = {2000, 3000, 8000};
    return e;
  }

  // One streamed call of `text` through chat_async, waited for.
  CallResult call(const Endpoint &e, const std::string &text = "Hello") {
    ChatRequest r;
    r.turns = {user_text(text)};
    r.parameters.stream = true;
    std::promise<CallResult> done;
    auto future = done.get_future();
    transport_.chat_async(e, r, {},
                          [&done](CallResult result) { done.set_value(std::move(result)); });
    return future.get();
  }
};

std::string text_of(const CallResult &r) { return r.response.text; }

TEST_P(Http1Calls, AKeptAliveConnectionIsReusedForTheNextCall) {
  RawServer server([](int fd, int) {
    while (!RawServer::read_request(fd).empty())
      RawServer::send_all(fd, sse_response());
  });
  const Endpoint e = endpoint(server);
  // A hundred calls in a row, all on the one connection.
  for (int i = 0; i < 100; ++i) {
    const CallResult r = call(e);
    EXPECT_EQ(r.wire_log.status, "ok") << r.wire_log.error_message;
    EXPECT_EQ(text_of(r), "Hello");
  }
  EXPECT_EQ(server.connections(), 1);
}

TEST_P(Http1Calls, AnIdleConnectionTheServerClosedIsNotUsedAgain) {
  RawServer server([](int fd, int) {
    if (!RawServer::read_request(fd).empty())
      RawServer::send_all(fd, sse_response()); // kept alive, then closed while idle
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  });
  const Endpoint e = endpoint(server);
  EXPECT_EQ(call(e).wire_log.status, "ok");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const CallResult second = call(e);
  EXPECT_EQ(second.wire_log.status, "ok") << second.wire_log.error_message;
  EXPECT_EQ(text_of(second), "Hello");
  EXPECT_EQ(second.wire_log.attempts.size(), 1u);
  EXPECT_EQ(server.connections(), 2);
}

TEST_P(Http1Calls, AKeptAliveConnectionClosedOnTheNextRequestIsReplacedNotFailed) {
  // The first connection answers once, then takes the next request and closes without a word
  // (a server's keep-alive timeout racing the request): the request goes again on a new one.
  RawServer server([](int fd, int connection) {
    if (RawServer::read_request(fd).empty())
      return;
    RawServer::send_all(fd, sse_response());
    if (connection == 1) {
      RawServer::read_request(fd);
      return;
    }
    while (!RawServer::read_request(fd).empty())
      RawServer::send_all(fd, sse_response());
  });
  const Endpoint e = endpoint(server);
  EXPECT_EQ(call(e).wire_log.status, "ok");
  const CallResult second = call(e);
  EXPECT_EQ(second.wire_log.status, "ok") << second.wire_log.error_message;
  EXPECT_EQ(text_of(second), "Hello");
  EXPECT_EQ(second.wire_log.attempts.size(), 1u);
  EXPECT_EQ(server.connections(), 2);
}

TEST_P(Http1Calls, ConnectionCloseAndCloseDelimitedBodiesEndTheConnection) {
  RawServer server([](int fd, int connection) {
    if (RawServer::read_request(fd).empty())
      return;
    if (connection == 1)
      RawServer::send_all(fd, sse_response("Connection: close\r\n"));
    else // no length at all: the body is what comes before the close
      RawServer::send_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n" + kSse);
  });
  const Endpoint e = endpoint(server);
  for (int i = 0; i < 2; ++i) {
    const CallResult r = call(e);
    EXPECT_EQ(r.wire_log.status, "ok") << r.wire_log.error_message;
    EXPECT_EQ(text_of(r), "Hello");
  }
  EXPECT_EQ(server.connections(), 2);
}

TEST_P(Http1Calls, AChunkedStreamWrittenByteByByteArrivesWhole) {
  RawServer server([](int fd, int) {
    if (RawServer::read_request(fd).empty())
      return;
    std::string bytes = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n";
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", kSse.size());
    bytes += size + kSse + "\r\n0\r\n\r\n";
    for (const char ch : bytes) {
      RawServer::send_all(fd, std::string(1, ch));
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    RawServer::read_request(fd); // until the client goes
  });
  const CallResult r = call(endpoint(server));
  EXPECT_EQ(r.wire_log.status, "ok") << r.wire_log.error_message;
  EXPECT_EQ(text_of(r), "Hello");
}

TEST_P(Http1Calls, ARequestLargerThanTheSocketBuffersGoesOutWhole) {
  // 4 MB of request (an image's worth) to a server that waits before it reads: the client's
  // writes fill the socket and go on each time it becomes writable again.
  std::atomic<size_t> received{0};
  RawServer server([&received](int fd, int) {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    const std::string request = RawServer::read_request(fd);
    received = request.size();
    if (!request.empty())
      RawServer::send_all(fd, sse_response());
    RawServer::read_request(fd); // until the client goes
  });
  const CallResult result = call(endpoint(server), std::string(4 << 20, 'x'));
  EXPECT_EQ(result.wire_log.status, "ok") << result.wire_log.error_message;
  EXPECT_EQ(text_of(result), "Hello");
  EXPECT_GT(received.load(), size_t{4} << 20);
}

TEST_P(Http1Calls, AResponseCutShortIsANetworkErrorAndGarbageIsNotAReply) {
  RawServer cut([](int fd, int) {
    if (!RawServer::read_request(fd).empty())
      RawServer::send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\ndata: {");
  });
  const CallResult r = call(endpoint(cut));
  EXPECT_EQ(r.wire_log.status, "network");
  ASSERT_TRUE(r.response.error);
  EXPECT_EQ(r.response.error->kind, ErrorKind::network) << r.response.error->message;

  RawServer garbage([](int fd, int) {
    if (!RawServer::read_request(fd).empty())
      RawServer::send_all(fd, "SMTP ready\r\n\r\n");
  });
  const CallResult g = call(endpoint(garbage));
  EXPECT_NE(g.wire_log.status, "ok");
  ASSERT_TRUE(g.response.error);
}

// A call submitted while the loop sleeps starts on the submitting thread (stream_engine.cpp,
// submit); its deadlines still hold when they fall before the loop's next wake-up and no socket
// event comes: here the loop waits on a call whose head is 30 s away, and the second call's
// connection never completes (the server's accept queue is full, so its SYN goes unanswered).
TEST_P(Http1Calls, ACallStartedWhileTheLoopSleepsMeetsItsConnectDeadline) {
  RawServer silent([](int fd, int) {
    RawServer::read_request(fd);
    char byte;
    while (::recv(fd, &byte, 1, 0) > 0) {
    } // until the client or the test ends the connection
  });
  Endpoint waiting = endpoint(silent);
  waiting.timeouts = {2000, 30000, 60000};
  ChatRequest r;
  r.turns = {user_text("Hello")};
  r.parameters.stream = true;
  transport::CancelToken cancel_first;
  std::promise<CallResult> first_done;
  transport::CallOptions first_options;
  first_options.cancel = cancel_first;
  transport_.chat_async(waiting, r, first_options, [&first_done](CallResult result) {
    first_done.set_value(std::move(result));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300)); // the loop sleeps, for ~30 s

  // A listening socket that never accepts, its queue full: a new connection's SYN is dropped.
  const int full = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(full, reinterpret_cast<sockaddr *>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(full, 0), 0);
  socklen_t len = sizeof a;
  ::getsockname(full, reinterpret_cast<sockaddr *>(&a), &len);
  std::vector<int> fillers;
  for (int i = 0; i < 3; ++i) {
    fillers.push_back(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    ::connect(fillers.back(), reinterpret_cast<sockaddr *>(&a), sizeof a);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  Endpoint unreachable = waiting;
  unreachable.name += "-full";
  unreachable.base_url = "http://127.0.0.1:" + std::to_string(ntohs(a.sin_port)) + "/v1";
  unreachable.timeouts = {300, 30000, 1500};
  const auto started = std::chrono::steady_clock::now();
  std::promise<CallResult> second_done;
  auto second = second_done.get_future();
  transport_.chat_async(unreachable, r, {}, [&second_done](CallResult result) {
    second_done.set_value(std::move(result));
  });
  const bool ended = second.wait_for(std::chrono::seconds(6)) == std::future_status::ready;
  EXPECT_TRUE(ended) << "the connect deadline waited for the loop's next wake-up";
  if (ended) {
    const CallResult result = second.get();
    ASSERT_TRUE(result.response.error);
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
              4.0);
  }
  cancel_first.cancel();
  first_done.get_future().wait();
  if (!ended)
    second.wait();
  for (const int fd : fillers)
    ::close(fd);
  ::close(full);
}

INSTANTIATE_TEST_SUITE_P(BothClients, Http1Calls, ::testing::Values(true, false),
                         [](const auto &info) { return info.param ? "own" : "libcurl"; });

} // namespace
} // namespace imc::test
