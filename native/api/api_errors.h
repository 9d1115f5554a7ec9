#pragma once
// Error replies of the JSON API (docs/API.md): a non-2xx status with
// {"error": {"kind", "message", "hint"}}, or the same object as a stream's `error` event.
// `hint` always says what to do next.
#include "api_service.h"

#include "imc/chat.h"

#include <cstdint>
#include <optional>
#include <string>

namespace imc::api {

struct ApiFailure {
  int status = 500;
  std::string kind;    // a normalised error kind (FORMATS.md) or not_found, bad_request,
                       // forbidden, too_large, rate_limited, unavailable
  std::string message; // what went wrong
  std::string hint;    // what to do next
  std::optional<int64_t> retry_after_ms; // rate_limited: how long to wait, when known
};

ApiFailure bad_request(std::string message, std::string hint);
ApiFailure not_found(std::string message, std::string hint);
ApiFailure forbidden(std::string message, std::string hint);
ApiFailure unavailable(std::string message, std::string hint);

// {"error": {...}} (one line).
std::string error_json(const ApiFailure &failure);
void reply_error(ApiSink &sink, const ApiFailure &failure);

// A model call's failure as the browser sees it: the normalised kind, the transport's message
// (already scrubbed of secrets), a hint naming the endpoint, and the status a reply carries
// when the stream has not started (429 rate_limited, 503 overloaded, 504 timeout, 400 for
// bad_request and unsupported, 500 config, 502 for the other upstream failures).
ApiFailure upstream_failure(const StreamError &error, const std::string &endpoint);

// The kind in a conversation's failure reason ("server: HTTP 500 ..."), or "server" when the
// reason does not start with a normalised kind.
std::string kind_of_reason(const std::string &reason);

} // namespace imc::api
