#include "api_errors.h"

#include <nlohmann/json.hpp>

namespace imc::api {

namespace {

ApiFailure failure(int status, const char *kind, std::string message, std::string hint) {
  ApiFailure f;
  f.status = status;
  f.kind = kind;
  f.message = std::move(message);
  f.hint = std::move(hint);
  return f;
}

int status_of(ErrorKind kind) {
  switch (kind) {
  case ErrorKind::rate_limited:
    return 429;
  case ErrorKind::overloaded:
    return 503;
  case ErrorKind::timeout:
    return 504;
  case ErrorKind::bad_request:
  case ErrorKind::unsupported:
    return 400;
  case ErrorKind::config:
    return 500;
  case ErrorKind::cancelled:
    return 503;
  default:
    return 502;
  }
}

std::string hint_of(const StreamError &error, const std::string &endpoint) {
  const std::string e = "endpoint '" + endpoint + "'";
  switch (error.kind) {
  case ErrorKind::config:
    return "The server is not set up for " + e +
           " (a key variable or setting is missing): ask whoever runs `imc serve` to check its "
           "endpoint config and environment.";
  case ErrorKind::network:
    return "The model server behind " + e +
           " could not be reached or dropped the connection: check that it is running, then "
           "try again.";
  case ErrorKind::timeout:
    return e + " did not answer in time: try again, or raise its timeouts in the endpoint config.";
  case ErrorKind::rate_limited:
    return e + " is rate-limiting requests: wait" +
           (error.retry_after_ms ? " " + std::to_string((*error.retry_after_ms + 999) / 1000) + " s"
                                 : " a little") +
           " and try again.";
  case ErrorKind::overloaded:
    return e + " is overloaded: try again in a minute, or choose another endpoint.";
  case ErrorKind::server:
    return e + " failed with a server error: try again; if it persists, check the model server.";
  case ErrorKind::bad_request:
    return e + " refused the request: check the message and parameters (the provider's words "
               "are in the message).";
  case ErrorKind::auth:
    return e + " refused the server's credentials: whoever runs `imc serve` should check the "
               "key its endpoint config names.";
  case ErrorKind::protocol:
    return e + " sent a reply that could not be read (invalid, truncated or too large): try "
               "again; if it persists, check the model server.";
  case ErrorKind::unsupported:
    return e + " cannot take this request (images, or a parameter): choose another endpoint or "
               "remove the image.";
  case ErrorKind::cancelled:
    return "The call was cancelled; start it again if you still want the answer.";
  }
  return "Try again.";
}

} // namespace

ApiFailure bad_request(std::string message, std::string hint) {
  return failure(400, "bad_request", std::move(message), std::move(hint));
}
ApiFailure not_found(std::string message, std::string hint) {
  return failure(404, "not_found", std::move(message), std::move(hint));
}
ApiFailure forbidden(std::string message, std::string hint) {
  return failure(403, "forbidden", std::move(message), std::move(hint));
}
ApiFailure unavailable(std::string message, std::string hint) {
  return failure(503, "unavailable", std::move(message), std::move(hint));
}

std::string error_json(const ApiFailure &f) {
  nlohmann::ordered_json error{{"kind", f.kind}, {"message", f.message}, {"hint", f.hint}};
  if (f.retry_after_ms)
    error["retry_after_ms"] = *f.retry_after_ms;
  return nlohmann::ordered_json{{"error", error}}.dump(-1, ' ', false,
                                                       nlohmann::json::error_handler_t::replace);
}

void reply_error(ApiSink &sink, const ApiFailure &failure) {
  sink.reply(failure.status, error_json(failure));
}

ApiFailure upstream_failure(const StreamError &error, const std::string &endpoint) {
  ApiFailure f;
  f.status = status_of(error.kind);
  f.kind = to_string(error.kind);
  f.message = error.message.empty()
                  ? std::string("the call to endpoint '") + endpoint + "' failed (" + f.kind + ")"
                  : error.message;
  f.hint = hint_of(error, endpoint);
  f.retry_after_ms = error.retry_after_ms;
  return f;
}

std::string kind_of_reason(const std::string &reason) {
  const auto colon = reason.find(':');
  if (colon != std::string::npos) {
    const std::string head = reason.substr(0, colon);
    if (parse_error_kind(head))
      return head;
  }
  return "server";
}

} // namespace imc::api
