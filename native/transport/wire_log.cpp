#include "wire_log.h"

#include "imc/base64.h"
#include "imc/timestamp.h"

#include <nlohmann/json.hpp>

namespace imc::transport {

namespace {

using Json = nlohmann::ordered_json;

std::string dump(const Json &j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

bool is_valid_utf8(const std::string &s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t extra = 0;
    if (c < 0x80)
      extra = 0;
    else if ((c & 0xE0) == 0xC0 && c >= 0xC2)
      extra = 1;
    else if ((c & 0xF0) == 0xE0)
      extra = 2;
    else if ((c & 0xF8) == 0xF0 && c <= 0xF4)
      extra = 3;
    else
      return false;
    if (i + extra >= s.size())
      return false;
    for (size_t k = 1; k <= extra; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80)
        return false;
    // NUL and other control bytes (but tab, CR, LF) mark binary data.
    if (c < 0x20 && c != '\t' && c != '\r' && c != '\n')
      return false;
    i += extra + 1;
  }
  return true;
}

bool looks_like_base64(const std::string &s) {
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '+' || c == '/' || c == '=' || c == '-' || c == '_';
    if (!ok)
      return false;
  }
  return true;
}

// Image data is most of a request's bytes and none of its meaning: log its size instead.
void elide_base64(Json &j) {
  if (j.is_object() || j.is_array()) {
    for (auto &child : j)
      elide_base64(child);
    return;
  }
  if (!j.is_string())
    return;
  const std::string &s = j.get_ref<const std::string &>();
  if (s.size() <= 256)
    return;
  const size_t comma = s.rfind(";base64,", 64);
  if (s.rfind("data:", 0) == 0 && comma != std::string::npos) {
    const std::string payload = s.substr(comma + 8);
    if (looks_like_base64(payload))
      j = s.substr(0, comma + 8) + "[" + std::to_string(payload.size()) + " base64 characters]";
  } else if (looks_like_base64(s)) {
    j = "[" + std::to_string(s.size()) + " base64 characters]";
  }
}

Json headers_json(const Headers &headers) {
  Json out = Json::array();
  for (const auto &[name, value] : headers)
    out.push_back(Json::array({name, value}));
  return out;
}

Json error_json(const StreamError &e) {
  Json out = {{"kind", to_string(e.kind)}, {"message", e.message}};
  if (e.http_status)
    out["http_status"] = e.http_status;
  if (e.retry_after_ms)
    out["retry_after_ms"] = *e.retry_after_ms;
  return out;
}

Json request_value(const HttpRequest &request) {
  Json out = {
      {"method", request.method}, {"url", request.url}, {"headers", headers_json(request.headers)}};
  Json body = Json::parse(request.body, nullptr, false);
  if (!request.body.empty() && !body.is_discarded()) {
    elide_base64(body);
    out["body"] = std::move(body);
  } else {
    out["body"] = request.body;
  }
  return out;
}

} // namespace

std::string body_text(const std::string &bytes, bool &base64) {
  base64 = !is_valid_utf8(bytes);
  return base64 ? base64_encode(bytes) : bytes;
}

std::string request_json(const HttpRequest &redacted_request) {
  return dump(request_value(redacted_request));
}

std::string serialize_wire_log(const WireLog &log) {
  Json j;
  j["schema_version"] = 1;
  j["call_id"] = log.call_id;
  j["endpoint"] = log.endpoint;
  j["protocol"] = log.protocol;
  j["started_at"] = format_rfc3339_ms(log.started_unix_ms);
  j["ended_at"] = format_rfc3339_ms(log.ended_unix_ms);
  j["request"] = request_value(log.request);

  bool base64 = false;
  const std::string body = body_text(log.response_body, base64);
  Json response = {{"status", log.response.status},
                   {"headers", headers_json(log.response.headers)},
                   {"body", body},
                   {"body_encoding", base64 ? "base64" : "text"},
                   {"body_bytes", log.response_bytes},
                   {"truncated", log.response_truncated}};
  j["response"] = std::move(response);

  const WireAttempt *last = log.attempts.empty() ? nullptr : &log.attempts.back();
  Json timings = {{"limiter_wait_ms", log.limiter_wait_ms}};
  timings["connect_ms"] = last && last->connected_ms ? Json(*last->connected_ms) : Json();
  timings["first_byte_ms"] = last && last->first_byte_ms ? Json(*last->first_byte_ms) : Json();
  timings["ttft_ms"] = log.ttft_ms ? Json(*log.ttft_ms) : Json();
  timings["end_ms"] = log.latency_ms;
  j["timings"] = std::move(timings);
  j["retries"] = log.attempts.empty() ? 0 : static_cast<int>(log.attempts.size()) - 1;

  Json attempts = Json::array();
  for (const auto &a : log.attempts) {
    Json attempt = {{"started_ms", a.started_ms}};
    attempt["connect_ms"] = a.connected_ms ? Json(*a.connected_ms) : Json();
    attempt["first_byte_ms"] = a.first_byte_ms ? Json(*a.first_byte_ms) : Json();
    attempt["ended_ms"] = a.ended_ms;
    attempt["http_status"] = a.http_status;
    attempt["reused_connection"] = a.reused_connection;
    attempt["error"] = a.error ? error_json(*a.error) : Json();
    attempt["retry_delay_ms"] = a.retry_delay_ms;
    attempts.push_back(std::move(attempt));
  }
  j["attempts"] = std::move(attempts);

  Json outcome = {{"status", log.status}};
  if (!log.error_message.empty())
    outcome["message"] = log.error_message;
  outcome["http_status"] = log.http_status;
  if (log.finish)
    outcome["finish"] = {{"reason", to_string(log.finish->reason)}, {"raw", log.finish->raw}};
  if (log.usage)
    outcome["usage"] = {{"input_tokens", log.usage->input_tokens},
                        {"output_tokens", log.usage->output_tokens}};
  j["outcome"] = std::move(outcome);
  return dump(j);
}

} // namespace imc::transport
