#pragma once
// The event loop's own HTTP/1.1 client parts (stream_engine.cpp), for plain-HTTP endpoints at an
// IP address — a local llama-server, a gateway on the same host: what imc serve relays most.
// libcurl stays the client for everything else (TLS, host names). The response is parsed by
// Debian's http-parser (libhttp-parser-dev: status line, headers, chunked, Content-Length and
// close-delimited bodies, keep-alive); written by hand here are only the request's head and the
// address of an IP-literal host, which no package offers short of a whole client. The socket's
// steps (connect, write, read, the kept-alive pool) are the engine's.
#include "imc/http.h"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <utility>
#include <vector>

namespace imc::transport::detail {

// The socket address of an http:// URL whose host is an IPv4 or IPv6 literal; nullopt for https
// and for host names (those go through libcurl, which resolves them).
struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
};
std::optional<SocketAddress> plain_http_address(const UrlParts &url);

// The request's bytes: the request line, Host (unless the request names its own, as SigV4 does),
// its headers, Accept and Content-Length as libcurl sends them, a blank line and the body.
std::string http1_request_bytes(const HttpRequest &request, const UrlParts &url);

// A response read from a connection, byte range by byte range.
class Http1ResponseReader {
public:
  struct Handler {
    virtual ~Handler() = default;
    // A final (non-1xx) response head.
    virtual void on_head(int status, std::vector<std::pair<std::string, std::string>> headers) = 0;
    // Body bytes (de-chunked). false: stop reading (feed() returns stopped).
    virtual bool on_body(std::string_view bytes) = 0;
  };
  enum class State { reading, complete, failed, stopped };

  explicit Http1ResponseReader(Handler &handler);
  ~Http1ResponseReader();
  Http1ResponseReader(const Http1ResponseReader &) = delete;
  Http1ResponseReader &operator=(const Http1ResponseReader &) = delete;

  // The next bytes read; an empty range when the peer closed the connection. Bytes after a
  // complete response make the connection unfit for reuse (nothing may follow a response).
  State feed(std::string_view bytes);
  State feed_eof();
  State state() const { return state_; }
  bool any_byte() const { return any_byte_; }
  // The connection may carry the next request: the response is complete, both sides keep it
  // alive, and nothing came after it.
  bool reusable() const;
  std::string error() const; // what the parser found wrong (state failed)

private:
  struct Parser;
  std::unique_ptr<Parser> parser_;
  Handler &handler_;
  State state_ = State::reading;
  bool any_byte_ = false;
  bool trailing_bytes_ = false;
};

} // namespace imc::transport::detail
