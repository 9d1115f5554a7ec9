#pragma once
// Google Gemini API generateContent / streamGenerateContent.
// https://ai.google.dev/api/generate-content
//
// Request: POST {base_url}/v1beta/models/{model}:generateContent, or
//   :streamGenerateContent?alt=sse when streaming. base_url
//   "https://generativelanguage.googleapis.com"; one that already ends in a version (/v1beta, /v1)
//   keeps it; a "models/" prefix on the model is accepted. api_key_header auth defaults to the
//   x-goog-api-key header (never the key= query parameter, which would put the secret in URLs and
//   logs).
//   {"systemInstruction": {"parts": [{"text": ...}]},
//    "contents": [{"role": "user" | "model", "parts": [{"text": ...},
//                  {"inline_data": {"mime_type": "image/jpeg", "data": "<base64>"}}]}],
//    "generationConfig": {"temperature", "maxOutputTokens", "topP", "stopSequences"}}
//
// Stream (SSE): each data line is a whole GenerateContentResponse chunk; there is no [DONE]
//   (one is ignored if a proxy adds it). Complete when a chunk carried a finishReason (or
//   promptFeedback.blockReason) and the stream then ended; the last chunk also carries
//   usageMetadata. Parts marked "thought": true are not reply text.
//
// Finish reasons: STOP -> stop, MAX_TOKENS -> length, SAFETY / RECITATION / BLOCKLIST /
//   PROHIBITED_CONTENT / SPII / IMAGE_SAFETY and a blocked prompt -> content_filter, others
//   -> other.
// Usage: promptTokenCount -> input, candidatesTokenCount + thoughtsTokenCount -> output.
// Errors: {"error": {"code", "message", "status"}}; a RetryInfo retryDelay ("30s") in
//   error.details gives retry_after_ms when no Retry-After header does.
#include "imc/chat.h"
#include "imc/endpoint_config.h"
#include "imc/http.h"
#include "imc/result.h"
#include "imc/stream_decoder.h"

#include <string_view>
#include <vector>

namespace imc::gemini {

// Errors: see build_chat_request() in provider.h.
Result<HttpRequest> build_request(const Endpoint &endpoint, const ChatRequest &request);
std::vector<ChatEvent> decode_response(const HttpResponseHead &head, std::string_view body);
ChatStreamDecoder make_stream_decoder(const HttpResponseHead &head);

} // namespace imc::gemini
