#include "imc/providers/bedrock.h"

#include "../text_util.h"
#include "imc/eventstream.h"
#include "provider_common.h"

namespace imc::bedrock {

namespace {

using wire::Json;
using wire::OrderedJson;

Finish finish_for(const std::string &reason) {
  return wire::finish_from(reason, {{"end_turn", FinishReason::stop},
                                    {"stop_sequence", FinishReason::stop},
                                    {"max_tokens", FinishReason::length},
                                    {"model_context_window_exceeded", FinishReason::length},
                                    {"guardrail_intervened", FinishReason::content_filter},
                                    {"content_filtered", FinishReason::content_filter},
                                    {"tool_use", FinishReason::tool_use}});
}

Usage usage_of(const Json &usage) {
  return {wire::sum_ints(usage, {"inputTokens", "cacheReadInputTokens", "cacheWriteInputTokens"}),
          wire::int_member(usage, "outputTokens").value_or(0)};
}

const char *image_format(const char *mime) { return mime + 6; } // "image/jpeg" -> "jpeg"

// "bedrock-runtime.eu-west-1.amazonaws.com" -> "eu-west-1" (also bedrock-runtime-fips.*).
std::string region_of_host(const std::string &base_url) {
  const auto url = split_url(base_url);
  if (!url || !ascii::starts_with(url->host, "bedrock-runtime"))
    return "";
  const size_t first = url->host.find('.');
  const size_t second = url->host.find('.', first + 1);
  if (first == std::string::npos || second == std::string::npos)
    return "";
  return url->host.substr(first + 1, second - first - 1);
}

void decode_whole(const HttpResponseHead &head, std::string_view body, wire::EventSink &sink) {
  const auto json = wire::parse_success_body(head, body, sink);
  if (!json)
    return;
  const Json *output = wire::member(*json, "output");
  const Json *message = output ? wire::member(*output, "message") : nullptr;
  const Json *content = message ? wire::member(*message, "content") : nullptr;
  if (!content || !content->is_array()) {
    sink.fail(wire::protocol_error("response without output.message.content"));
    return;
  }
  for (const auto &block : *content)
    sink.text(wire::string_member(block, "text"));
  if (const Json *usage = wire::member(*json, "usage"))
    sink.usage(usage_of(*usage));
  sink.finish(finish_for(wire::string_member(*json, "stopReason")));
}

class Stream final : public wire::StreamDecoderBase {
public:
  explicit Stream(const HttpResponseHead &head) : StreamDecoderBase(head, decode_whole) {}

private:
  void consume(std::string_view bytes) override {
    messages_.clear();
    const bool ok = frames_.feed(bytes, messages_);
    for (const auto &message : messages_) {
      if (sink_.done())
        return;
      on_message(message);
    }
    if (!ok)
      sink_.fail(wire::protocol_error("eventstream: " + frames_.error()));
  }

  void end_of_stream() override {
    if (!pending_finish_ && frames_.mid_message())
      sink_.fail(wire::protocol_error(std::string(wire::kTruncated) + " (inside a message)"));
    else
      StreamDecoderBase::end_of_stream();
  }

  void on_message(const EventStreamMessage &message) {
    const std::string type = message.string_header(":message-type");
    if (type == "exception") {
      const Json payload = wire::parse_json(message.payload);
      wire::ProviderError error;
      if (!payload.is_discarded())
        error = wire::provider_error(payload);
      error.code = message.string_header(":exception-type");
      sink_.fail(wire::in_band_error(error));
      return;
    }
    if (type == "error") {
      sink_.fail(wire::in_band_error(
          {message.string_header(":error-code"), message.string_header(":error-message"), 0}));
      return;
    }
    if (type != "event")
      return; // nothing else is defined; tolerate what may come
    const std::string event = message.string_header(":event-type");
    const Json payload = wire::parse_json(message.payload);
    if (payload.is_discarded()) {
      sink_.fail(wire::protocol_error("invalid JSON in eventstream event \"" + event + "\""));
      return;
    }
    if (event == "contentBlockDelta") {
      if (const Json *delta = wire::member(payload, "delta"))
        sink_.text(wire::string_member(*delta, "text"));
    } else if (event == "messageStop") {
      pending_finish_ = finish_for(wire::string_member(payload, "stopReason"));
    } else if (event == "metadata") {
      if (const Json *usage = wire::member(payload, "usage"))
        sink_.usage(usage_of(*usage));
      if (pending_finish_)
        sink_.finish(*pending_finish_);
    }
  }

  EventStreamDecoder frames_;
  std::vector<EventStreamMessage> messages_;
};

} // namespace

Result<HttpRequest> build_request(const Endpoint &endpoint, const ChatRequest &request) {
  Endpoint e = endpoint; // with the derivable parts filled in
  if (e.base_url.empty() && !e.auth.region.empty())
    e.base_url = "https://bedrock-runtime." + e.auth.region + ".amazonaws.com";
  if (e.auth.type == AuthType::sigv4 && e.auth.region.empty())
    e.auth.region = region_of_host(e.base_url);
  wire::RequestDraft draft = wire::start_request(e, request);
  const ChatParameters &params = draft.params;
  OrderedJson messages = OrderedJson::array();
  for (size_t t = 0; t < request.turns.size(); ++t)
    messages.push_back({{"role", to_string(request.turns[t].role)},
                        {"content", wire::content_blocks(
                                        request.turns[t], t, draft,
                                        [](const std::string &text) {
                                          return OrderedJson{{"text", text}};
                                        },
                                        [](const wire::EncodedImage &image) {
                                          return OrderedJson{
                                              {"image",
                                               {{"format", image_format(image.mime)},
                                                {"source", {{"bytes", image.base64}}}}}};
                                        })}});
  OrderedJson body;
  body["messages"] = std::move(messages);
  if (!request.system.empty())
    body["system"] = OrderedJson::array({{{"text", request.system}}});
  OrderedJson config = OrderedJson::object();
  if (params.max_tokens)
    config["maxTokens"] = *params.max_tokens;
  if (params.temperature)
    config["temperature"] = *params.temperature;
  if (params.top_p)
    config["topP"] = *params.top_p;
  if (!params.stop.empty())
    config["stopSequences"] = params.stop;
  if (!config.empty())
    body["inferenceConfig"] = std::move(config);

  std::string url =
      wire::join_url(e.base_url, "/model/" + percent_encode(e.model) +
                                     (params.stream ? "/converse-stream" : "/converse"));
  return wire::finish_request(e, draft, std::move(url), body, "application/vnd.amazon.eventstream",
                              "");
}

std::vector<ChatEvent> decode_response(const HttpResponseHead &head, std::string_view body) {
  return wire::decode_whole_response(head, body, decode_whole);
}

ChatStreamDecoder make_stream_decoder(const HttpResponseHead &head) {
  return ChatStreamDecoder(std::make_unique<Stream>(head));
}

} // namespace imc::bedrock
