#include "http1_wire.h"

#include <http_parser.h>

#include <arpa/inet.h>
#include <cstring>
#include <netinet/in.h>
#include <strings.h>

namespace imc::transport::detail {

std::optional<SocketAddress> plain_http_address(const UrlParts &url) {
  if (url.scheme != "http" || url.port <= 0 || url.port > 65535)
    return std::nullopt;
  SocketAddress a;
  auto *v4 = reinterpret_cast<sockaddr_in *>(&a.storage);
  if (::inet_pton(AF_INET, url.host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(url.port));
    a.length = sizeof(sockaddr_in);
    return a;
  }
  auto *v6 = reinterpret_cast<sockaddr_in6 *>(&a.storage);
  if (::inet_pton(AF_INET6, url.host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(url.port));
    a.length = sizeof(sockaddr_in6);
    return a;
  }
  return std::nullopt;
}

std::string http1_request_bytes(const HttpRequest &request, const UrlParts &url) {
  const bool has_host = find_header(request.headers, "host") != nullptr;
  const bool has_accept = find_header(request.headers, "accept") != nullptr;
  size_t size = request.method.size() + url.path.size() + url.query.size() + 64;
  for (const auto &[name, value] : request.headers)
    size += name.size() + value.size() + 4;
  std::string out;
  out.reserve(size + request.body.size());
  out += request.method;
  out += ' ';
  out += url.path; // the target, written here rather than copied out of url.target()
  if (!url.query.empty()) {
    out += '?';
    out += url.query;
  }
  out += " HTTP/1.1\r\n";
  if (!has_host) { // host (bracketed if IPv6), port unless 80
    out += "Host: ";
    out += url.authority();
    out += "\r\n";
  }
  if (!has_accept)
    out += "Accept: */*\r\n";
  for (const auto &[name, value] : request.headers) {
    if (::strcasecmp(name.c_str(), "content-length") == 0 ||
        ::strcasecmp(name.c_str(), "transfer-encoding") == 0)
      continue; // the body's length is said below
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (request.method != "GET" || !request.body.empty()) {
    out += "Content-Length: ";
    out += std::to_string(request.body.size());
    out += "\r\n";
  }
  out += "\r\n";
  out += request.body;
  return out;
}

// --- The response
// ---------------------------------------------------------------------------------

struct Http1ResponseReader::Parser {
  http_parser parser{};
  http_parser_settings settings{};
  Http1ResponseReader *owner = nullptr;
  std::vector<std::pair<std::string, std::string>> headers;
  bool in_value = false; // the last header callback was a value
  bool complete = false;
  bool stopped = false;
  bool keep_alive = false;

  static Parser &of(http_parser *p) { return *static_cast<Parser *>(p->data); }

  static void trim(std::string &s) { // in place: no copy of a value that needs none
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
      s.pop_back();
    size_t i = 0;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t'))
      ++i;
    if (i > 0)
      s.erase(0, i);
  }

  Parser() {
    http_parser_init(&parser, HTTP_RESPONSE);
    parser.data = this;
    http_parser_settings_init(&settings);
    settings.on_message_begin = [](http_parser *p) {
      Parser &self = of(p);
      self.headers.clear();
      self.headers.reserve(8); // (an SSE reply's few headers without growing)
      self.in_value = false;
      return 0;
    };
    settings.on_header_field = [](http_parser *p, const char *at, size_t n) {
      Parser &self = of(p);
      if (self.in_value || self.headers.empty())
        self.headers.emplace_back();
      self.in_value = false;
      self.headers.back().first.append(at, n);
      return 0;
    };
    settings.on_header_value = [](http_parser *p, const char *at, size_t n) {
      Parser &self = of(p);
      self.in_value = true;
      self.headers.back().second.append(at, n);
      return 0;
    };
    settings.on_headers_complete = [](http_parser *p) {
      Parser &self = of(p);
      if (p->status_code < 200)
        return 0; // an interim response: the final one follows
      for (auto &[name, value] : self.headers)
        trim(value);
      self.owner->handler_.on_head(static_cast<int>(p->status_code), std::move(self.headers));
      self.headers.clear();
      return 0;
    };
    settings.on_body = [](http_parser *p, const char *at, size_t n) {
      Parser &self = of(p);
      if (self.owner->handler_.on_body(std::string_view(at, n)))
        return 0;
      self.stopped = true;
      return 1;
    };
    settings.on_message_complete = [](http_parser *p) {
      Parser &self = of(p);
      if (p->status_code < 200)
        return 0;
      self.complete = true;
      self.keep_alive = http_should_keep_alive(p) != 0;
      http_parser_pause(p, 1); // nothing may follow: the rest, if any, is counted below
      return 0;
    };
  }
};

Http1ResponseReader::Http1ResponseReader(Handler &handler)
    : parser_(std::make_unique<Parser>()), handler_(handler) {
  parser_->owner = this;
}

Http1ResponseReader::~Http1ResponseReader() = default;

Http1ResponseReader::State Http1ResponseReader::feed(std::string_view bytes) {
  if (state_ != State::reading)
    return state_;
  if (bytes.empty())
    return feed_eof();
  any_byte_ = true;
  Parser &p = *parser_;
  const size_t used = http_parser_execute(&p.parser, &p.settings, bytes.data(), bytes.size());
  if (p.complete) {
    trailing_bytes_ = used < bytes.size();
    return state_ = State::complete;
  }
  if (p.stopped)
    return state_ = State::stopped;
  if (HTTP_PARSER_ERRNO(&p.parser) != HPE_OK || used != bytes.size())
    return state_ = State::failed;
  return state_;
}

Http1ResponseReader::State Http1ResponseReader::feed_eof() {
  if (state_ != State::reading)
    return state_;
  Parser &p = *parser_;
  http_parser_execute(&p.parser, &p.settings, nullptr, 0);
  if (p.complete) { // a body that ends with the connection
    p.keep_alive = false;
    return state_ = State::complete;
  }
  if (p.stopped)
    return state_ = State::stopped;
  return state_ = State::failed; // closed before the response was whole (or began)
}

bool Http1ResponseReader::reusable() const {
  return state_ == State::complete && parser_->keep_alive && !trailing_bytes_;
}

std::string Http1ResponseReader::error() const {
  const auto code = HTTP_PARSER_ERRNO(&parser_->parser);
  if (code == HPE_OK)
    return any_byte_ ? "the connection closed before the response was complete"
                     : "the connection closed before any response";
  return std::string("invalid HTTP response: ") + http_errno_description(code);
}

} // namespace imc::transport::detail
