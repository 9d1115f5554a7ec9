#include "imc/provider.h"

#include "imc/image_fit.h"
#include "imc/providers/anthropic.h"
#include "imc/providers/bedrock.h"
#include "imc/providers/gemini.h"
#include "imc/providers/openai.h"
#include "providers/provider_common.h"

namespace imc {

ChatParameters effective_parameters(const Endpoint &endpoint, const ChatParameters &requested) {
  ChatParameters p = requested;
  if (!p.temperature)
    p.temperature = endpoint.defaults.temperature;
  if (!p.max_tokens)
    p.max_tokens = endpoint.defaults.max_tokens;
  p.stream = requested.stream && endpoint.capabilities.streaming;
  return p;
}

Result<HttpRequest> build_chat_request(const Endpoint &endpoint, const ChatRequest &request) {
  switch (endpoint.protocol) {
  case Protocol::openai:
    return openai::build_request(endpoint, request);
  case Protocol::anthropic:
    return anthropic::build_request(endpoint, request);
  case Protocol::bedrock:
    return bedrock::build_request(endpoint, request);
  case Protocol::gemini:
    return gemini::build_request(endpoint, request);
  }
  return wire::endpoint_error(endpoint, "/protocol", "openai|anthropic|bedrock|gemini",
                              "an unknown protocol");
}

StreamError to_stream_error(const Errors &build_errors) {
  StreamError e;
  e.kind = ErrorKind::config;
  for (const auto &error : build_errors)
    if (error.file == wire::kRequestSource)
      e.kind = ErrorKind::unsupported;
  e.message = format_errors(build_errors);
  if (!e.message.empty() && e.message.back() == '\n')
    e.message.pop_back();
  return e;
}

Status fit_request_images(ChatRequest &request, Protocol protocol) {
  const ImageLimits &limits = image_limits(protocol);
  Errors errors;
  for (auto &turn : request.turns)
    for (auto &part : turn.content) {
      auto *image = std::get_if<ImagePart>(&part);
      if (!image)
        continue;
      auto fitted = fit_image(image->bytes, limits,
                              image->source_name.empty() ? "image" : image->source_name);
      if (!fitted) {
        errors.insert(errors.end(), fitted.errors().begin(), fitted.errors().end());
        continue;
      }
      if (!fitted->reencoded)
        continue;
      image->bytes = std::move(fitted->bytes);
      image->mime_type = mime_type(fitted->type);
    }
  if (!errors.empty())
    return errors;
  return ok_status();
}

std::vector<ChatEvent> decode_chat_response(Protocol protocol, const HttpResponseHead &head,
                                            std::string_view body) {
  switch (protocol) {
  case Protocol::openai:
    return openai::decode_response(head, body);
  case Protocol::anthropic:
    return anthropic::decode_response(head, body);
  case Protocol::bedrock:
    return bedrock::decode_response(head, body);
  case Protocol::gemini:
    return gemini::decode_response(head, body);
  }
  return {wire::protocol_error("unknown protocol")};
}

ChatStreamDecoder make_stream_decoder(Protocol protocol, const HttpResponseHead &head) {
  switch (protocol) {
  case Protocol::anthropic:
    return anthropic::make_stream_decoder(head);
  case Protocol::bedrock:
    return bedrock::make_stream_decoder(head);
  case Protocol::gemini:
    return gemini::make_stream_decoder(head);
  case Protocol::openai:
    break;
  }
  return openai::make_stream_decoder(head);
}

} // namespace imc
