#pragma once
// Normalised chat: one request shape and one event vocabulary for every provider, so that the
// conversation engine, the jury and the transports never see a provider's wire format.
//
// A model call is: ChatRequest -> (adapter) HttpRequest -> bytes -> (decoder) ChatEvents.
// Every decoder (providers/*.h, provider.h) promises the same event grammar:
//
//   (TextDelta | Usage)* (Finish | StreamError)
//
// i.e. exactly one terminal event, last. Usage values are running totals: a later Usage replaces
// an earlier one. Error kinds are the ones of docs/FORMATS.md "Normalised errors".
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace imc {

// ---------------------------------------------------------------------------------------------
// Request

enum class ChatRole { user, assistant };

struct TextPart {
  std::string text;
};

struct ImagePart {
  std::string mime_type;   // "image/jpeg"; adapters trust the bytes' magic number over this
  std::string bytes;       // the encoded image file, raw (not base64)
  std::string source_name; // optional: where it came from, for errors and logs ("images/x.jpg")
};

using ContentPart = std::variant<TextPart, ImagePart>;

struct ChatTurn {
  ChatRole role = ChatRole::user;
  std::vector<ContentPart> content; // in order; providers read images best placed before text
};

// One-part turns, the common case.
ChatTurn user_text(std::string text);
ChatTurn assistant_text(std::string text);

struct ChatParameters {
  std::optional<double> temperature; // unset: the endpoint's default, else the provider's
  std::optional<int> max_tokens;     // unset: the endpoint's default; Anthropic then gets 4096
  std::optional<double> top_p;       // unset: the provider's
  std::vector<std::string> stop;     // stop sequences, none by default
  bool stream = false; // ask for a streamed reply (not when the endpoint can't stream)
};

struct ChatRequest {
  std::string system;          // system prompt, "" for none
  std::vector<ChatTurn> turns; // oldest first; providers expect a user turn first and last
  ChatParameters parameters;
};

// ---------------------------------------------------------------------------------------------
// Events

struct TextDelta {
  std::string text; // never empty
};

struct Usage {
  int64_t input_tokens = 0;  // prompt tokens, cache reads and writes included
  int64_t output_tokens = 0; // generated tokens, reasoning/thinking tokens included
};

enum class FinishReason {
  stop,           // natural end or a stop sequence
  length,         // max_tokens reached
  content_filter, // refused or blocked by the provider's safety system
  tool_use,       // the model asked for a tool (not used by the kit, but reported)
  other           // anything else; Finish::raw says what
};

struct Finish {
  FinishReason reason = FinishReason::stop;
  std::string raw; // the provider's own word ("end_turn", "MAX_TOKENS"), "" when it gave none
};

enum class ErrorKind {
  config,       // missing key variable, bad endpoint
  network,      // connect failed, reset
  timeout,      // connect, first byte or total (also HTTP 408)
  rate_limited, // 429, with retry_after_ms when the provider says
  overloaded,   // 503, 529
  server,       // other 5xx
  bad_request,  // other 4xx: the message quotes the provider's
  auth,         // 401, 403
  protocol,     // invalid JSON, truncated stream, oversized body
  unsupported,  // e.g. images sent to an endpoint without image support
  cancelled
};

struct StreamError {
  ErrorKind kind = ErrorKind::protocol;
  std::string message; // for people; quotes the provider's message when it sent one
  std::optional<int64_t> retry_after_ms; // when the provider said how long to wait
  int http_status = 0;                   // 0 when the error did not come with an HTTP status
};

using ChatEvent = std::variant<TextDelta, Usage, Finish, StreamError>;

// Names as in docs/FORMATS.md ("rate_limited", "content_filter", ...).
const char *to_string(ChatRole v);
const char *to_string(FinishReason v);
const char *to_string(ErrorKind v);
std::optional<ErrorKind> parse_error_kind(std::string_view s);

// Worth trying again later: network, timeout, rate_limited, overloaded, server.
bool is_retryable(ErrorKind kind);

// Finish or StreamError.
bool is_terminal(const ChatEvent &event);

// One line for logs and test failures: `text "Hel"`, `usage 12/3`, `finish length (max_tokens)`,
// `error rate_limited (HTTP 429, retry after 2000 ms): ...`.
std::string describe(const ChatEvent &event);

bool operator==(const TextDelta &a, const TextDelta &b);
bool operator==(const Usage &a, const Usage &b);
bool operator==(const Finish &a, const Finish &b);
bool operator==(const StreamError &a, const StreamError &b);

// ---------------------------------------------------------------------------------------------
// Aggregate

struct ChatResponse {
  std::string text;                 // every TextDelta, concatenated
  std::optional<Usage> usage;       // the last Usage seen
  std::optional<Finish> finish;     // set when the call completed
  std::optional<StreamError> error; // set when it failed (text may hold a partial answer)

  bool complete() const { return finish.has_value() && !error.has_value(); }
};

// Folds one event into `response`. Events after a terminal one are ignored, so a fold of any
// event sequence still has at most one of finish/error set.
void apply_event(ChatResponse &response, const ChatEvent &event);
ChatResponse fold_events(const std::vector<ChatEvent> &events);

} // namespace imc
