#pragma once
// OpenAI Chat Completions, and every server compatible with it (vLLM, llama.cpp's llama-server,
// Ollama, LM Studio, OpenRouter). https://platform.openai.com/docs/api-reference/chat
//
// Request: POST {base_url}/chat/completions (base_url ends in /v1), bearer auth.
//   {"model", "messages": [
//      {"role": "system", "content": "..."},
//      {"role": "user", "content": "text"},                       (a turn of one text part)
//      {"role": "user", "content": [
//         {"type": "text", "text": ...},
//         {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,..."}}]}],
//    "temperature", "top_p", "max_tokens" | "max_completion_tokens", "stop": [...],
//    "stream": true, "stream_options": {"include_usage": true}}
//   The token cap is "max_completion_tokens" for api.openai.com (its reasoning models reject
//   "max_tokens") and "max_tokens" elsewhere (what compatible servers read).
//
// Stream (SSE): data: {"choices": [{"delta": {"content": "..."}, "finish_reason": null}]} ...,
//   a chunk with "finish_reason", then (include_usage) a chunk with "choices": [] and "usage",
//   then data: [DONE]. Complete once "finish_reason" arrived, or at [DONE]; a server that omits
//   [DONE] is fine. {"error": {...}} in a data line is a StreamError (kind from its type/code).
//
// Finish reasons: stop -> stop, length -> length, content_filter -> content_filter,
//   tool_calls / function_call -> tool_use, others -> other.
// Usage: prompt_tokens -> input, completion_tokens (reasoning included) -> output.
#include "imc/chat.h"
#include "imc/endpoint_config.h"
#include "imc/http.h"
#include "imc/result.h"
#include "imc/stream_decoder.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imc::openai {

// Errors: see build_chat_request() in provider.h.
Result<HttpRequest> build_request(const Endpoint &endpoint, const ChatRequest &request);
// A complete (non-streamed) response, or any error response.
std::vector<ChatEvent> decode_response(const HttpResponseHead &head, std::string_view body);
ChatStreamDecoder make_stream_decoder(const HttpResponseHead &head);

// The common streamed chunks, {"choices": [{"delta": {"content": "..."}, "finish_reason": null |
// "..."}], ...} and {"choices": [], "usage": {"prompt_tokens", "completion_tokens"}}, read
// without building a JSON document (simdjson: the proxy relays every chunk of every stream
// through here). nullopt for any other chunk (an "error" member, unusual shapes, repeated keys,
// invalid JSON), and in builds without simdjson (the browser's): the stream decoder then reads it
// as a document, with the same result (tests/core/test_provider_openai.cpp compares the two).
struct CommonChunk {
  bool has_delta = false;                   // choices[0].delta is there
  std::string text;                         // its "content" when a string, else ""
  std::optional<std::string> finish_reason; // choices[0].finish_reason when a string
  std::optional<Usage> usage;               // "usage" when an object
};
std::optional<CommonChunk> read_common_chunk(std::string_view data);

} // namespace imc::openai
