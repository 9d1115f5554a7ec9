#pragma once
// AWS Bedrock Converse / ConverseStream.
// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
//
// Request: POST {base_url}/model/{modelId}/converse, or .../converse-stream when streaming.
//   base_url "https://bedrock-runtime.us-east-1.amazonaws.com"; when empty it is derived from
//   auth.region. The model id (or inference profile ARN) is percent-encoded into the path.
//   Auth: SigV4 (region from auth.region, else from the bedrock-runtime host name; service
//   "bedrock" unless set) or a Bedrock API key as a bearer token.
//   {"messages": [{"role": "user", "content": [{"text": ...},
//       {"image": {"format": "jpeg|png|gif|webp", "source": {"bytes": "<base64>"}}}]}],
//    "system": [{"text": ...}],
//    "inferenceConfig": {"maxTokens", "temperature", "topP", "stopSequences"}}
//
// Stream: AWS eventstream (eventstream.h). Messages with :message-type "event" and :event-type
//   messageStart, contentBlockStart, contentBlockDelta {"delta": {"text"}}, contentBlockStop,
//   messageStop {"stopReason"}, metadata {"usage": {"inputTokens", "outputTokens"}}. Complete
//   at metadata after messageStop, or at the end of a stream that carried messageStop.
//   :message-type "exception" with :exception-type throttlingException (-> rate_limited),
//   serviceUnavailableException (-> overloaded), internalServerException /
//   modelStreamErrorException (-> server), validationException (-> bad_request),
//   modelTimeoutException (-> timeout); :message-type "error" with :error-code/:error-message.
//   A bad CRC or framing is a protocol error.
//
// Finish reasons: end_turn / stop_sequence -> stop, max_tokens / model_context_window_exceeded
//   -> length, guardrail_intervened / content_filtered -> content_filter, tool_use -> tool_use.
// Usage: inputTokens + cacheReadInputTokens + cacheWriteInputTokens -> input, outputTokens ->
//   output. HTTP errors read the x-amzn-ErrorType header and the {"message"} body.
#include "imc/chat.h"
#include "imc/endpoint_config.h"
#include "imc/http.h"
#include "imc/result.h"
#include "imc/stream_decoder.h"

#include <string_view>
#include <vector>

namespace imc::bedrock {

// Errors: see build_chat_request() in provider.h; also config when neither base_url nor
// auth.region is set.
Result<HttpRequest> build_request(const Endpoint &endpoint, const ChatRequest &request);
std::vector<ChatEvent> decode_response(const HttpResponseHead &head, std::string_view body);
ChatStreamDecoder make_stream_decoder(const HttpResponseHead &head);

} // namespace imc::bedrock
