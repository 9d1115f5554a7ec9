#include "chat_lane.h"

#include <http_parser.h>

#include <cstring>
#include <string_view>

namespace imc::api::http {

namespace {

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

struct Reading {
  LaneRequest request;
  std::string_view url;
  std::string_view field, value; // the header being read
  bool in_value = false;
  bool complete = false;
  bool seen_host = false, seen_origin = false, seen_authorization = false,
       seen_content_type = false;

  static Reading &of(http_parser *p) { return *static_cast<Reading *>(p->data); }

  // http-parser may hand an element over in several pieces; in one buffer they are adjacent.
  static bool extend(std::string_view &piece, const char *at, size_t n) {
    if (piece.empty()) {
      piece = std::string_view(at, n);
      return true;
    }
    if (piece.data() + piece.size() != at)
      return false;
    piece = std::string_view(piece.data(), piece.size() + n);
    return true;
  }

  // One header read whole: kept when the checks read it, refused when it asks for more than
  // the plain form (or comes twice, or is percent-encoded: cpp-httplib decodes header values).
  bool end_header() {
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
      value.remove_suffix(1);
    const auto keep = [&](bool &seen, std::string_view &into) {
      if (seen || value.find('%') != std::string_view::npos)
        return false;
      seen = true;
      into = value;
      return true;
    };
    bool ok = true;
    if (same_name(field, "host"))
      ok = keep(seen_host, request.host);
    else if (same_name(field, "origin"))
      ok = keep(seen_origin, request.origin);
    else if (same_name(field, "authorization"))
      ok = keep(seen_authorization, request.authorization);
    else if (same_name(field, "content-type"))
      ok = keep(seen_content_type, request.content_type);
    else if (same_name(field, "transfer-encoding") || same_name(field, "expect") ||
             same_name(field, "upgrade"))
      ok = false;
    field = value = {};
    in_value = false;
    return ok;
  }
};

} // namespace

std::optional<LaneRequest> read_lane_request(std::string_view bytes, size_t max_body) {
  // Cheap refusals first: most requests that are not chats never meet the parser.
  constexpr std::string_view kLine = "POST /api/chat HTTP/1.";
  if (bytes.size() < kLine.size() || bytes.compare(0, kLine.size(), kLine) != 0)
    return std::nullopt;

  Reading reading;
  http_parser parser;
  http_parser_init(&parser, HTTP_REQUEST);
  parser.data = &reading;
  http_parser_settings settings;
  http_parser_settings_init(&settings);
  settings.on_url = [](http_parser *p, const char *at, size_t n) {
    return Reading::extend(Reading::of(p).url, at, n) ? 0 : 1;
  };
  settings.on_header_field = [](http_parser *p, const char *at, size_t n) {
    Reading &r = Reading::of(p);
    if (r.in_value && !r.end_header())
      return 1;
    return Reading::extend(r.field, at, n) ? 0 : 1;
  };
  settings.on_header_value = [](http_parser *p, const char *at, size_t n) {
    Reading &r = Reading::of(p);
    r.in_value = true;
    return Reading::extend(r.value, at, n) ? 0 : 1;
  };
  settings.on_headers_complete = [](http_parser *p) {
    Reading &r = Reading::of(p);
    if (r.in_value && !r.end_header())
      return -1;
    // A Content-Length body only: no chunks, no upgrade.
    if ((p->flags & F_CHUNKED) || !(p->flags & F_CONTENTLENGTH) || p->upgrade)
      return -1;
    return 0;
  };
  settings.on_body = [](http_parser *p, const char *at, size_t n) {
    return Reading::extend(Reading::of(p).request.body, at, n) ? 0 : 1;
  };
  settings.on_message_complete = [](http_parser *p) {
    Reading::of(p).complete = true;
    http_parser_pause(p, 1); // one request; the bytes after it are the next one's
    return 0;
  };
  const size_t parsed = http_parser_execute(&parser, &settings, bytes.data(), bytes.size());
  const auto error = HTTP_PARSER_ERRNO(&parser);
  if (!reading.complete || (error != HPE_OK && error != HPE_PAUSED))
    return std::nullopt;
  if (parser.method != HTTP_POST || reading.url != "/api/chat" || parser.http_major != 1 ||
      reading.request.body.size() > max_body)
    return std::nullopt;
  reading.request.size = parsed;
  return std::move(reading.request);
}

} // namespace imc::api::http
