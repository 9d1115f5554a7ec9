#pragma once
// The chat lane: `POST /api/chat`, the request every relayed stream starts with, read straight
// from the bytes a connection already holds instead of through cpp-httplib (whose parse builds a
// header map, decodes every header value, matches the routes' regular expressions and prepares a
// response that a detached stream never sends). Only the plain form is taken: one whole request
// in the buffer, request line `POST /api/chat HTTP/1.x`, a Content-Length body, no
// Transfer-Encoding, no Expect, each header the checks read at most once. Anything else — and
// any request the access checks would refuse — goes to cpp-httplib untouched, which serves or
// refuses it as before; so the lane adds no way in and no refusal of its own.
//
// The request line and headers are parsed by Debian's http-parser (libhttp-parser, as the event
// loop's client parses responses); what is kept of them is written here.
#include <cstddef>
#include <optional>
#include <string_view>

namespace imc::api::http {

// A request the lane may take; the views point into the bytes given to read_lane_request().
struct LaneRequest {
  std::string_view host, origin, authorization, content_type;
  std::string_view body;
  size_t size = 0; // bytes of the request, head and body: where the next request would begin
};

// The request at the start of `bytes`, when it is the plain form above, complete, with a body
// of at most `max_body` bytes; nullopt otherwise (the bytes are then left to cpp-httplib).
std::optional<LaneRequest> read_lane_request(std::string_view bytes, size_t max_body);

} // namespace imc::api::http
