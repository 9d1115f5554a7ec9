#pragma once
// Anthropic Messages API. https://docs.anthropic.com/en/api/messages
//
// Request: POST {base_url}/v1/messages (base_url "https://api.anthropic.com"; one that already
//   ends in /v1 gets just /messages), headers anthropic-version: 2023-06-01 and, for
//   api_key_header auth without a header name, x-api-key.
//   {"model", "max_tokens" (required: 4096 when neither request nor endpoint sets one),
//    "system": "...", "messages": [{"role": "user", "content": [
//       {"type": "text", "text": ...},
//       {"type": "image",
//        "source": {"type": "base64", "media_type": "image/jpeg", "data": ...}}]}],
//    "temperature", "top_p", "stop_sequences", "stream"}
//   (Recent Claude models accept temperature or top_p, not both: the endpoint config decides.)
//
// Stream (SSE, named events): message_start (usage.input_tokens), content_block_start,
//   ping, content_block_delta {"delta": {"type": "text_delta", "text"}}, content_block_stop,
//   message_delta {"delta": {"stop_reason"}, "usage": {"output_tokens"}}, message_stop, and
//   error {"error": {"type": "overloaded_error", "message"}}. Complete at message_stop, or at
//   the end of a stream whose message_delta carried the stop reason. Unknown events are ignored,
//   as Anthropic's versioning policy asks.
//
// Finish reasons: end_turn / stop_sequence -> stop, max_tokens / model_context_window_exceeded
//   -> length, refusal -> content_filter, tool_use -> tool_use, others (pause_turn) -> other.
// Usage: input_tokens + cache_creation_input_tokens + cache_read_input_tokens -> input,
//   output_tokens -> output.
// Errors: HTTP 529 overloaded_error -> overloaded (like 503); in-stream errors by their type.
#include "imc/chat.h"
#include "imc/endpoint_config.h"
#include "imc/http.h"
#include "imc/result.h"
#include "imc/stream_decoder.h"

#include <string_view>
#include <vector>

namespace imc::anthropic {

inline constexpr const char *kApiVersion = "2023-06-01";
inline constexpr int kDefaultMaxTokens = 4096;

// Errors: see build_chat_request() in provider.h.
Result<HttpRequest> build_request(const Endpoint &endpoint, const ChatRequest &request);
std::vector<ChatEvent> decode_response(const HttpResponseHead &head, std::string_view body);
ChatStreamDecoder make_stream_decoder(const HttpResponseHead &head);

} // namespace imc::anthropic
