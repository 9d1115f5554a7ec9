#include "imc/providers/openai.h"

#include "provider_common.h"

namespace imc::openai {

namespace {

using wire::Json;
using wire::OrderedJson;

Finish finish_for(const std::string &reason) {
  return wire::finish_from(reason, {{"stop", FinishReason::stop},
                                    {"length", FinishReason::length},
                                    {"content_filter", FinishReason::content_filter},
                                    {"tool_calls", FinishReason::tool_use},
                                    {"function_call", FinishReason::tool_use}});
}

void read_usage(const Json &chunk, wire::EventSink &sink) {
  const Json *usage = wire::member(chunk, "usage");
  if (!usage || !usage->is_object())
    return;
  sink.usage({wire::int_member(*usage, "prompt_tokens").value_or(0),
              wire::int_member(*usage, "completion_tokens").value_or(0)});
}

// A turn of a single text part goes as a plain string, which every compatible server reads.
OrderedJson message_content(const ChatTurn &turn, size_t t, wire::RequestDraft &draft) {
  const bool plain =
      turn.role == ChatRole::assistant ||
      (turn.content.size() == 1 && std::holds_alternative<TextPart>(turn.content[0]));
  if (plain) {
    std::string text;
    for (const auto &part : turn.content)
      if (const auto *p = std::get_if<TextPart>(&part))
        text += p->text;
    return text;
  }
  return wire::content_blocks(
      turn, t, draft,
      [](const std::string &text) {
        return OrderedJson{{"type", "text"}, {"text", text}};
      },
      [](const wire::EncodedImage &image) {
        const std::string url = std::string("data:") + image.mime + ";base64," + image.base64;
        return OrderedJson{{"type", "image_url"}, {"image_url", {{"url", url}}}};
      });
}

void decode_whole(const HttpResponseHead &head, std::string_view body, wire::EventSink &sink) {
  const auto json = wire::parse_success_body(head, body, sink);
  if (!json)
    return;
  const Json *choice = wire::first_object(*json, "choices");
  if (!choice) {
    sink.fail(wire::protocol_error("response without choices"));
    return;
  }
  if (const Json *message = wire::member(*choice, "message"))
    sink.text(wire::string_member(*message, "content"));
  read_usage(*json, sink);
  sink.finish(finish_for(wire::string_member(*choice, "finish_reason")));
}

class Stream final : public wire::SseStreamDecoder {
public:
  explicit Stream(HttpResponseHead head) : SseStreamDecoder(std::move(head), decode_whole) {}

private:
  void on_event(const SseEvent &event) override {
    if (event.data == "[DONE]") {
      sink_.finish(pending_finish_.value_or(Finish{FinishReason::other, ""}));
      return;
    }
    const Json chunk = parse_event_json(event);
    if (chunk.is_discarded())
      return;
    if (const Json *error = wire::member(chunk, "error"); error && !error->is_null()) {
      sink_.fail(wire::in_band_error(wire::provider_error(chunk)));
      return;
    }
    // The usage chunk has "choices": [] and no finish_reason.
    if (const Json *choice = wire::first_object(chunk, "choices")) {
      if (const Json *delta = wire::member(*choice, "delta"))
        sink_.text(wire::string_member(*delta, "content"));
      if (const Json *reason = wire::member(*choice, "finish_reason");
          reason && reason->is_string())
        pending_finish_ = finish_for(reason->get<std::string>());
    }
    read_usage(chunk, sink_);
  }
};

} // namespace

Result<HttpRequest> build_request(const Endpoint &endpoint, const ChatRequest &request) {
  wire::RequestDraft draft = wire::start_request(endpoint, request);
  const ChatParameters &params = draft.params;
  OrderedJson messages = OrderedJson::array();
  if (!request.system.empty())
    messages.push_back({{"role", "system"}, {"content", request.system}});
  for (size_t t = 0; t < request.turns.size(); ++t)
    messages.push_back({{"role", to_string(request.turns[t].role)},
                        {"content", message_content(request.turns[t], t, draft)}});
  OrderedJson body;
  body["model"] = endpoint.model;
  body["messages"] = std::move(messages);
  if (params.temperature)
    body["temperature"] = *params.temperature;
  if (params.top_p)
    body["top_p"] = *params.top_p;
  if (params.max_tokens) {
    const auto url = split_url(endpoint.base_url);
    const bool official = url && url->host == "api.openai.com";
    body[official ? "max_completion_tokens" : "max_tokens"] = *params.max_tokens;
  }
  if (!params.stop.empty())
    body["stop"] = params.stop;
  if (params.stream) {
    body["stream"] = true;
    body["stream_options"] = {{"include_usage", true}};
  }
  return wire::finish_request(endpoint, draft,
                              wire::join_url(endpoint.base_url, "/chat/completions"), body,
                              "text/event-stream", "");
}

std::vector<ChatEvent> decode_response(const HttpResponseHead &head, std::string_view body) {
  return wire::decode_whole_response(head, body, decode_whole);
}

ChatStreamDecoder make_stream_decoder(HttpResponseHead head) {
  return ChatStreamDecoder(std::make_unique<Stream>(std::move(head)));
}

} // namespace imc::openai
