#include "imc/providers/gemini.h"

#include "../text_util.h"
#include "provider_common.h"

namespace imc::gemini {

namespace {

using wire::Json;
using wire::OrderedJson;

Finish finish_for(const std::string &reason) {
  return wire::finish_from(reason, {{"STOP", FinishReason::stop},
                                    {"MAX_TOKENS", FinishReason::length},
                                    {"SAFETY", FinishReason::content_filter},
                                    {"RECITATION", FinishReason::content_filter},
                                    {"BLOCKLIST", FinishReason::content_filter},
                                    {"PROHIBITED_CONTENT", FinishReason::content_filter},
                                    {"SPII", FinishReason::content_filter},
                                    {"IMAGE_SAFETY", FinishReason::content_filter}});
}

// One GenerateContentResponse: a streamed chunk or the whole reply. Sets `finish` when the
// chunk says how the reply ended.
void read_chunk(const Json &chunk, wire::EventSink &sink, std::optional<Finish> &finish) {
  if (const Json *candidate = wire::first_object(chunk, "candidates")) {
    if (const Json *content = wire::member(*candidate, "content"))
      if (const Json *parts = wire::member(*content, "parts"); parts && parts->is_array())
        for (const auto &part : *parts) {
          const Json *thought = wire::member(part, "thought");
          if (!(thought && thought->is_boolean() && thought->get<bool>()))
            sink.text(wire::string_member(part, "text"));
        }
    if (std::string reason = wire::string_member(*candidate, "finishReason"); !reason.empty())
      finish = finish_for(reason);
  }
  if (const Json *feedback = wire::member(chunk, "promptFeedback"))
    if (std::string blocked = wire::string_member(*feedback, "blockReason"); !blocked.empty())
      finish = Finish{FinishReason::content_filter, blocked};
  if (const Json *usage = wire::member(chunk, "usageMetadata"))
    sink.usage({wire::int_member(*usage, "promptTokenCount").value_or(0),
                wire::int_member(*usage, "candidatesTokenCount").value_or(0) +
                    wire::int_member(*usage, "thoughtsTokenCount").value_or(0)});
}

void decode_whole(const HttpResponseHead &head, std::string_view body, wire::EventSink &sink) {
  const auto json = wire::parse_success_body(head, body, sink);
  if (!json)
    return;
  std::optional<Finish> finish;
  if (json->is_array()) // streamGenerateContent without alt=sse answers with a JSON array
    for (const auto &chunk : *json)
      read_chunk(chunk, sink, finish);
  else
    read_chunk(*json, sink, finish);
  if (!finish && !wire::first_object(*json, "candidates") && !json->is_array()) {
    sink.fail(wire::protocol_error("response without candidates"));
    return;
  }
  sink.finish(finish.value_or(Finish{FinishReason::other, ""}));
}

class Stream final : public wire::SseStreamDecoder {
public:
  explicit Stream(const HttpResponseHead &head) : SseStreamDecoder(head, decode_whole) {}

private:
  void on_event(const SseEvent &event) override {
    if (event.data == "[DONE]")
      return; // not Gemini's, but some proxies add it
    const Json chunk = parse_event_json(event);
    if (chunk.is_discarded())
      return;
    if (const Json *error = wire::member(chunk, "error"); error && !error->is_null()) {
      sink_.fail(wire::in_band_error(wire::provider_error(chunk)));
      return;
    }
    read_chunk(chunk, sink_, pending_finish_);
  }
};

std::string versioned_base(std::string_view base) {
  while (!base.empty() && base.back() == '/')
    base.remove_suffix(1);
  for (const char *version : {"/v1beta", "/v1", "/v1alpha"})
    if (ascii::ends_with(base, version))
      return std::string(base);
  return std::string(base) + "/v1beta";
}

} // namespace

Result<HttpRequest> build_request(const Endpoint &endpoint, const ChatRequest &request) {
  wire::RequestDraft draft = wire::start_request(endpoint, request);
  const ChatParameters &params = draft.params;
  OrderedJson body;
  if (!request.system.empty())
    body["systemInstruction"] = {{"parts", OrderedJson::array({{{"text", request.system}}})}};
  OrderedJson contents = OrderedJson::array();
  for (size_t t = 0; t < request.turns.size(); ++t)
    contents.push_back(
        {{"role", request.turns[t].role == ChatRole::user ? "user" : "model"},
         {"parts", wire::content_blocks(
                       request.turns[t], t, draft,
                       [](const std::string &text) {
                         return OrderedJson{{"text", text}};
                       },
                       [](const wire::EncodedImage &image) {
                         return OrderedJson{
                             {"inline_data", {{"mime_type", image.mime}, {"data", image.base64}}}};
                       })}});
  body["contents"] = std::move(contents);
  OrderedJson config = OrderedJson::object();
  if (params.temperature)
    config["temperature"] = *params.temperature;
  if (params.max_tokens)
    config["maxOutputTokens"] = *params.max_tokens;
  if (params.top_p)
    config["topP"] = *params.top_p;
  if (!params.stop.empty())
    config["stopSequences"] = params.stop;
  if (!config.empty())
    body["generationConfig"] = std::move(config);

  std::string_view model = endpoint.model;
  if (ascii::starts_with(model, "models/"))
    model.remove_prefix(7);
  std::string url = versioned_base(endpoint.base_url) + "/models/" + percent_encode(model) +
                    (params.stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
  return wire::finish_request(endpoint, draft, std::move(url), body, "text/event-stream",
                              "x-goog-api-key");
}

std::vector<ChatEvent> decode_response(const HttpResponseHead &head, std::string_view body) {
  return wire::decode_whole_response(head, body, decode_whole);
}

ChatStreamDecoder make_stream_decoder(const HttpResponseHead &head) {
  return ChatStreamDecoder(std::make_unique<Stream>(head));
}

} // namespace imc::gemini
