#include "imc/providers/anthropic.h"

#include "../text_util.h"
#include "provider_common.h"

namespace imc::anthropic {

namespace {

using wire::Json;
using wire::OrderedJson;

Finish finish_for(const std::string &reason) {
  return wire::finish_from(reason, {{"end_turn", FinishReason::stop},
                                    {"stop_sequence", FinishReason::stop},
                                    {"max_tokens", FinishReason::length},
                                    {"model_context_window_exceeded", FinishReason::length},
                                    {"refusal", FinishReason::content_filter},
                                    {"tool_use", FinishReason::tool_use}});
}

int64_t input_tokens(const Json &usage) {
  return wire::sum_ints(usage,
                        {"input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"});
}

void decode_whole(const HttpResponseHead &head, std::string_view body, wire::EventSink &sink) {
  const auto json = wire::parse_success_body(head, body, sink);
  if (!json)
    return;
  const Json *content = wire::member(*json, "content");
  if (!content || !content->is_array()) {
    sink.fail(wire::protocol_error("response without content"));
    return;
  }
  for (const auto &block : *content)
    if (wire::string_member(block, "type") == "text")
      sink.text(wire::string_member(block, "text"));
  if (const Json *usage = wire::member(*json, "usage"))
    sink.usage({input_tokens(*usage), wire::int_member(*usage, "output_tokens").value_or(0)});
  sink.finish(finish_for(wire::string_member(*json, "stop_reason")));
}

class Stream final : public wire::SseStreamDecoder {
public:
  explicit Stream(const HttpResponseHead &head) : SseStreamDecoder(head, decode_whole) {}

private:
  void on_event(const SseEvent &event) override {
    const Json data = parse_event_json(event);
    if (data.is_discarded())
      return;
    std::string type = wire::string_member(data, "type");
    if (type.empty())
      type = event.type;
    if (type == "message_start") {
      if (const Json *message = wire::member(data, "message"))
        if (const Json *usage = wire::member(*message, "usage"))
          update_usage(*usage);
    } else if (type == "content_block_start") {
      if (const Json *block = wire::member(data, "content_block");
          block && wire::string_member(*block, "type") == "text")
        sink_.text(wire::string_member(*block, "text"));
    } else if (type == "content_block_delta") {
      if (const Json *delta = wire::member(data, "delta");
          delta && wire::string_member(*delta, "type") == "text_delta")
        sink_.text(wire::string_member(*delta, "text"));
    } else if (type == "message_delta") {
      if (const Json *delta = wire::member(data, "delta"))
        if (const Json *reason = wire::member(*delta, "stop_reason"); reason && reason->is_string())
          pending_finish_ = finish_for(reason->get<std::string>());
      if (const Json *usage = wire::member(data, "usage"))
        update_usage(*usage);
    } else if (type == "message_stop") {
      sink_.finish(pending_finish_.value_or(Finish{FinishReason::other, ""}));
    } else if (type == "error") {
      sink_.fail(wire::in_band_error(wire::provider_error(data)));
    }
    // ping, content_block_stop and event types added later carry nothing we need.
  }

  // message_start has the input count; message_delta the running output count (and, in newer
  // API versions, the input count again).
  void update_usage(const Json &usage) {
    if (wire::int_member(usage, "input_tokens"))
      usage_.input_tokens = input_tokens(usage);
    if (auto out = wire::int_member(usage, "output_tokens"))
      usage_.output_tokens = *out;
    sink_.usage(usage_);
  }

  Usage usage_;
};

} // namespace

Result<HttpRequest> build_request(const Endpoint &endpoint, const ChatRequest &request) {
  wire::RequestDraft draft = wire::start_request(endpoint, request);
  const ChatParameters &params = draft.params;
  OrderedJson messages = OrderedJson::array();
  for (size_t t = 0; t < request.turns.size(); ++t)
    messages.push_back({{"role", to_string(request.turns[t].role)},
                        {"content", wire::content_blocks(
                                        request.turns[t], t, draft,
                                        [](const std::string &text) {
                                          return OrderedJson{{"type", "text"}, {"text", text}};
                                        },
                                        [](const wire::EncodedImage &image) {
                                          return OrderedJson{{"type", "image"},
                                                             {"source",
                                                              {{"type", "base64"},
                                                               {"media_type", image.mime},
                                                               {"data", image.base64}}}};
                                        })}});
  OrderedJson body;
  body["model"] = endpoint.model;
  body["max_tokens"] = params.max_tokens.value_or(kDefaultMaxTokens);
  if (!request.system.empty())
    body["system"] = request.system;
  body["messages"] = std::move(messages);
  if (params.temperature)
    body["temperature"] = *params.temperature;
  if (params.top_p)
    body["top_p"] = *params.top_p;
  if (!params.stop.empty())
    body["stop_sequences"] = params.stop;
  if (params.stream)
    body["stream"] = true;

  std::string_view base = endpoint.base_url;
  while (!base.empty() && base.back() == '/')
    base.remove_suffix(1);
  std::string url =
      wire::join_url(base, ascii::ends_with(base, "/v1") ? "/messages" : "/v1/messages");
  auto http =
      wire::finish_request(endpoint, draft, std::move(url), body, "text/event-stream", "x-api-key");
  if (http && !find_header(endpoint.extra_headers, "anthropic-version")) // a config may pin one
    http->headers.insert(http->headers.begin() + 2, {"anthropic-version", kApiVersion});
  return http;
}

std::vector<ChatEvent> decode_response(const HttpResponseHead &head, std::string_view body) {
  return wire::decode_whole_response(head, body, decode_whole);
}

ChatStreamDecoder make_stream_decoder(const HttpResponseHead &head) {
  return ChatStreamDecoder(std::make_unique<Stream>(head));
}

} // namespace imc::anthropic
