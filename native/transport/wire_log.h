#pragma once
// The wire log of one model call: what went out (redacted), what came back (head and the first
// bytes of the body), how long each step took, and every attempt. One JSON object per call
// (docs/FORMATS.md, "Wire log"); a transcript turn names it by call_id in wire_log_refs, and the
// store keeps it in wire_logs (wire_log_record.h).
//
// Secrets never reach a WireLog: the request is logged through core redact() plus the headers its
// AuthNeeds named, and every text in it is scrubbed of the secret values the call used.
#include "imc/chat.h"
#include "imc/http.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace imc::transport {

struct WireAttempt {
  int64_t started_ms = 0;               // since the call started
  std::optional<int64_t> connected_ms;  // connection ready, request being written
  std::optional<int64_t> first_byte_ms; // response head arrived
  int64_t ended_ms = 0;
  int http_status = 0;              // 0: no response
  bool reused_connection = false;   // a kept-alive connection was used
  std::optional<StreamError> error; // why the attempt failed
  int64_t retry_delay_ms = 0;       // waited before the next attempt (0 for the last)
};

struct WireLog {
  std::string call_id;
  std::string endpoint;
  std::string protocol;
  int64_t started_unix_ms = 0;
  int64_t ended_unix_ms = 0;
  int64_t limiter_wait_ms = 0; // waiting for the endpoint's concurrency/rate limits

  HttpRequest request;             // redacted; the body with long base64 strings elided
  HttpResponseHead response;       // the last attempt's head (status 0: none)
  std::string response_body;       // the last attempt's body bytes, up to the cap
  int64_t response_bytes = 0;      // body bytes received in the last attempt
  bool response_truncated = false; // response_bytes > response_body.size()

  std::vector<WireAttempt> attempts;
  std::string status = "ok"; // "ok" or a normalised error kind
  std::string error_message;
  int http_status = 0; // the last attempt's status
  std::optional<Usage> usage;
  std::optional<Finish> finish;
  std::optional<int64_t> ttft_ms; // first text passed on, since the call started
  int64_t latency_ms = 0;         // start to end of the call
};

// One line of JSON (no newline). Binary bodies (Bedrock's eventstream) are written as base64
// with "body_encoding": "base64"; text bodies as "text".
std::string serialize_wire_log(const WireLog &log);

// The request as the wire log keeps it: {"method","url","headers":[[name,value]...],"body"}, the
// body parsed as JSON when it is JSON (base64 strings over 256 characters replaced by
// "[N base64 characters]"), else kept as text.
std::string request_json(const HttpRequest &redacted_request);

// A body as text for logs: itself when it is valid UTF-8, else base64. Sets `base64`.
std::string body_text(const std::string &bytes, bool &base64);

} // namespace imc::transport
