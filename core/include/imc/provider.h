#pragma once
// The provider layer's front door: the same three steps for every endpoint, whatever its
// protocol. All pure: no sockets, clocks or environment.
//
//   auto http = build_chat_request(endpoint, request);      // Result<HttpRequest>
//   ... the shell adds secrets (add_secret_headers, SigV4) and sends http ...
//   auto decoder = make_stream_decoder(endpoint.protocol, head);
//   for each body chunk: events = decoder.feed(chunk);      // TextDelta, Usage, ...
//   events = decoder.finish();                              // ... Finish or StreamError
//
// Per-protocol details (paths, block shapes, finish reasons) are in providers/*.h.
#include "imc/chat.h"
#include "imc/endpoint_config.h"
#include "imc/http.h"
#include "imc/result.h"
#include "imc/stream_decoder.h"

#include <string_view>
#include <vector>

namespace imc {

// The parameters a call goes out with: the request's, else the endpoint's defaults
// (temperature, max_tokens); stream only when the endpoint can stream. (defaults.system_prompt
// is the prompt templates' business, not this layer's.)
ChatParameters effective_parameters(const Endpoint &endpoint, const ChatParameters &requested);

// The HTTP request for `request` on `endpoint`, without secrets (see HttpRequest::auth).
// Errors, all found at once:
//   - about the endpoint (Error::file "endpoint NAME"): empty model, base_url not http(s),
//     auth naming no variable, SigV4 or Bedrock without a region;
//   - about the request (Error::file "chat request", pointer "/turns/1/content/0"): no turns,
//     an empty turn, an image for an endpoint with capabilities.images = false, an image in an
//     assistant turn, an image the provider won't take (format, bytes, long side: run
//     fit_image() or fit_request_images() first).
Result<HttpRequest> build_chat_request(const Endpoint &endpoint, const ChatRequest &request);

// The normalised error for a request that could not be built: `unsupported` when the request's
// content was the problem, `config` otherwise. The message lists every error.
StreamError to_stream_error(const Errors &build_errors);

// Fits every image of the request to the protocol's limits (image_fit.h), in place. Do it once
// per conversation, not per call. Errors name each image's source_name.
Status fit_request_images(ChatRequest &request, Protocol protocol);

// A complete response body (non-streamed call, or an error status) as events.
std::vector<ChatEvent> decode_chat_response(Protocol protocol, const HttpResponseHead &head,
                                            std::string_view body);

// An incremental decoder for the body that follows `head` (see stream_decoder.h). Fine for
// non-streamed calls too: a JSON body is buffered and decoded at finish().
ChatStreamDecoder make_stream_decoder(Protocol protocol, const HttpResponseHead &head);

} // namespace imc
