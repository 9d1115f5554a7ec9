#include "imc/chat.h"

#include <array>
#include <utility>

namespace imc {

namespace {

constexpr std::array<std::pair<ErrorKind, const char *>, 11> kErrorKindNames{{
    {ErrorKind::config, "config"},
    {ErrorKind::network, "network"},
    {ErrorKind::timeout, "timeout"},
    {ErrorKind::rate_limited, "rate_limited"},
    {ErrorKind::overloaded, "overloaded"},
    {ErrorKind::server, "server"},
    {ErrorKind::bad_request, "bad_request"},
    {ErrorKind::auth, "auth"},
    {ErrorKind::protocol, "protocol"},
    {ErrorKind::unsupported, "unsupported"},
    {ErrorKind::cancelled, "cancelled"},
}};

ChatTurn one_text_turn(ChatRole role, std::string text) {
  ChatTurn turn;
  turn.role = role;
  turn.content.emplace_back(TextPart{std::move(text)});
  return turn;
}

} // namespace

ChatTurn user_text(std::string text) { return one_text_turn(ChatRole::user, std::move(text)); }
ChatTurn assistant_text(std::string text) {
  return one_text_turn(ChatRole::assistant, std::move(text));
}

const char *to_string(ChatRole v) { return v == ChatRole::user ? "user" : "assistant"; }

const char *to_string(FinishReason v) {
  switch (v) {
  case FinishReason::stop:
    return "stop";
  case FinishReason::length:
    return "length";
  case FinishReason::content_filter:
    return "content_filter";
  case FinishReason::tool_use:
    return "tool_use";
  case FinishReason::other:
    return "other";
  }
  return "other";
}

const char *to_string(ErrorKind v) {
  for (const auto &[kind, name] : kErrorKindNames)
    if (kind == v)
      return name;
  return "protocol";
}

std::optional<ErrorKind> parse_error_kind(std::string_view s) {
  for (const auto &[kind, name] : kErrorKindNames)
    if (s == name)
      return kind;
  return std::nullopt;
}

bool is_retryable(ErrorKind kind) {
  switch (kind) {
  case ErrorKind::network:
  case ErrorKind::timeout:
  case ErrorKind::rate_limited:
  case ErrorKind::overloaded:
  case ErrorKind::server:
    return true;
  default:
    return false;
  }
}

bool is_terminal(const ChatEvent &event) {
  return std::holds_alternative<Finish>(event) || std::holds_alternative<StreamError>(event);
}

std::string describe(const ChatEvent &event) {
  if (const auto *t = std::get_if<TextDelta>(&event))
    return "text \"" + t->text + "\"";
  if (const auto *u = std::get_if<Usage>(&event))
    return "usage " + std::to_string(u->input_tokens) + "/" + std::to_string(u->output_tokens);
  if (const auto *f = std::get_if<Finish>(&event))
    return std::string("finish ") + to_string(f->reason) + " (" + f->raw + ")";
  const auto &e = std::get<StreamError>(event);
  std::string out = std::string("error ") + to_string(e.kind);
  if (e.http_status != 0 || e.retry_after_ms) {
    out += " (";
    if (e.http_status != 0)
      out += "HTTP " + std::to_string(e.http_status);
    if (e.http_status != 0 && e.retry_after_ms)
      out += ", ";
    if (e.retry_after_ms)
      out += "retry after " + std::to_string(*e.retry_after_ms) + " ms";
    out += ")";
  }
  return out + ": " + e.message;
}

bool operator==(const TextDelta &a, const TextDelta &b) { return a.text == b.text; }
bool operator==(const Usage &a, const Usage &b) {
  return a.input_tokens == b.input_tokens && a.output_tokens == b.output_tokens;
}
bool operator==(const Finish &a, const Finish &b) { return a.reason == b.reason && a.raw == b.raw; }
bool operator==(const StreamError &a, const StreamError &b) {
  return a.kind == b.kind && a.message == b.message && a.retry_after_ms == b.retry_after_ms &&
         a.http_status == b.http_status;
}

void apply_event(ChatResponse &response, const ChatEvent &event) {
  if (response.finish || response.error)
    return;
  if (const auto *t = std::get_if<TextDelta>(&event))
    response.text += t->text;
  else if (const auto *u = std::get_if<Usage>(&event))
    response.usage = *u;
  else if (const auto *f = std::get_if<Finish>(&event))
    response.finish = *f;
  else
    response.error = std::get<StreamError>(event);
}

ChatResponse fold_events(const std::vector<ChatEvent> &events) {
  ChatResponse response;
  for (const auto &e : events)
    apply_event(response, e);
  return response;
}

} // namespace imc
