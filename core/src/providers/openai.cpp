#include "imc/providers/openai.h"

#include "provider_common.h"

#include "imc/json_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#ifdef IMC_HAVE_SIMDJSON
#include <simdjson.h>
#endif

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

// A turn of a single text part goes as a plain string, which every compatible server reads (an
// assistant turn's text parts joined).
bool plain_turn(const ChatTurn &turn) {
  return turn.role == ChatRole::assistant ||
         (turn.content.size() == 1 && std::holds_alternative<TextPart>(turn.content[0]));
}

OrderedJson message_content(const ChatTurn &turn, size_t t, wire::RequestDraft &draft) {
  if (plain_turn(turn)) {
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
  explicit Stream(const HttpResponseHead &head) : SseStreamDecoder(head, decode_whole) {}

private:
  void on_event(const SseEvent &event) override {
    if (event.data == "[DONE]") {
      sink_.finish(pending_finish_.value_or(Finish{FinishReason::other, ""}));
      return;
    }
    if (auto common = read_common_chunk(event.data)) {
      if (common->has_delta)
        sink_.text(common->text);
      if (common->finish_reason)
        pending_finish_ = finish_for(*common->finish_reason);
      if (common->usage)
        sink_.usage(*common->usage);
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

std::optional<CommonChunk> read_common_chunk(std::string_view data) {
#ifdef IMC_HAVE_SIMDJSON
  // Anything but the common shapes, read the way the document path reads them, gives nullopt:
  // invalid JSON (simdjson's error, or nlohmann's message, is the document path's job), an
  // "error", a "usage" neither null nor an object, "choices" not an array or starting with a
  // non-object, a delta that is not an object, a repeated key that matters (nlohmann keeps the
  // last one).
  using namespace simdjson;
  thread_local dom::parser parser;
  dom::element root;
  if (parser.parse(data.data(), data.size(), true).get(root) != SUCCESS)
    return std::nullopt;
  dom::object top;
  if (root.get_object().get(top) != SUCCESS)
    return std::nullopt;
  dom::element choices, usage;
  int seen_choices = 0, seen_usage = 0;
  for (const auto field : top) {
    if (field.key == "error")
      return std::nullopt;
    if (field.key == "usage") {
      usage = field.value;
      ++seen_usage;
    } else if (field.key == "choices") {
      choices = field.value;
      ++seen_choices;
    }
  }
  if (seen_choices > 1 || seen_usage > 1)
    return std::nullopt;
  CommonChunk chunk;
  if (seen_usage == 1 && !usage.is_null()) {
    dom::object counts;
    if (usage.get_object().get(counts) != SUCCESS)
      return std::nullopt;
    // As wire::int_member reads a count: integers (clamped to int64), integral doubles below
    // 9e15; anything else is 0. A repeated count is left to the document.
    Usage u;
    int seen_input = 0, seen_output = 0;
    for (const auto member : counts) {
      int64_t *target = member.key == "prompt_tokens"       ? &u.input_tokens
                        : member.key == "completion_tokens" ? &u.output_tokens
                                                            : nullptr;
      if (!target)
        continue;
      ++(target == &u.input_tokens ? seen_input : seen_output);
      int64_t i = 0;
      uint64_t n = 0;
      double d = 0;
      if (member.value.get_int64().get(i) == SUCCESS)
        *target = i;
      else if (member.value.get_uint64().get(n) == SUCCESS)
        *target = std::numeric_limits<int64_t>::max();
      else if (member.value.get_double().get(d) == SUCCESS && std::isfinite(d) &&
               std::fabs(d) < 9e15)
        *target = static_cast<int64_t>(d);
      else
        *target = 0;
    }
    if (seen_input > 1 || seen_output > 1)
      return std::nullopt;
    chunk.usage = u;
  }
  if (seen_choices == 0)
    return chunk;
  dom::array list;
  if (choices.get_array().get(list) != SUCCESS)
    return std::nullopt;
  if (list.size() == 0)
    return chunk;
  dom::object choice;
  if (list.at(0).get_object().get(choice) != SUCCESS)
    return std::nullopt;
  int seen_delta = 0, seen_reason = 0;
  for (const auto field : choice) {
    if (field.key == "delta") {
      ++seen_delta;
      dom::object delta;
      if (field.value.get_object().get(delta) != SUCCESS)
        return std::nullopt;
      chunk.has_delta = true;
      int seen_content = 0;
      for (const auto member : delta) {
        if (member.key != "content")
          continue;
        ++seen_content;
        std::string_view text;
        if (member.value.get_string().get(text) == SUCCESS)
          chunk.text.assign(text);
      }
      if (seen_content > 1)
        return std::nullopt;
    } else if (field.key == "finish_reason") {
      ++seen_reason;
      std::string_view reason;
      if (field.value.get_string().get(reason) == SUCCESS)
        chunk.finish_reason.emplace(reason);
    }
  }
  if (seen_delta > 1 || seen_reason > 1)
    return std::nullopt;
  return chunk;
#else
  (void)data;
  return std::nullopt;
#endif
}

namespace {

std::string_view max_tokens_key(const wire::RequestDraft &draft) {
  return draft.base_url && draft.base_url->host == "api.openai.com" ? "max_completion_tokens"
                                                                     : "max_tokens";
}

// The body as a document: every kind of turn.
OrderedJson document_body(const Endpoint &endpoint, const ChatRequest &request,
                          wire::RequestDraft &draft) {
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
  if (params.max_tokens)
    body[std::string(max_tokens_key(draft))] = *params.max_tokens;
  if (!params.stop.empty())
    body["stop"] = params.stop;
  if (params.stream) {
    body["stream"] = true;
    body["stream_options"] = {{"include_usage", true}};
  }
  return body;
}

// The same bytes written straight out when every turn is plain text, as every turn of a relayed
// chat and of a conversation run is: building and dumping the document was a sixth of the
// proxy's instructions per stream. tests/core/test_provider_openai.cpp compares the two.
std::string written_body(const Endpoint &endpoint, const ChatRequest &request,
                         const wire::RequestDraft &draft) {
  const ChatParameters &params = draft.params;
  std::string out;
  size_t size = endpoint.model.size() + request.system.size() + 128;
  for (const auto &turn : request.turns)
    for (const auto &part : turn.content)
      if (const auto *p = std::get_if<TextPart>(&part))
        size += p->text.size() + 32;
  out.reserve(size);
  out += "{\"model\":";
  append_json_string(out, endpoint.model);
  out += ",\"messages\":[";
  bool first = true;
  const auto message = [&](std::string_view role, std::string_view content) {
    out += first ? "{\"role\":" : ",{\"role\":";
    first = false;
    append_json_string(out, role);
    out += ",\"content\":";
    append_json_string(out, content);
    out += '}';
  };
  if (!request.system.empty())
    message("system", request.system);
  std::string joined;
  for (const auto &turn : request.turns) {
    if (turn.content.size() == 1 && std::holds_alternative<TextPart>(turn.content[0])) {
      message(to_string(turn.role), std::get<TextPart>(turn.content[0]).text);
      continue;
    }
    joined.clear(); // an assistant turn's text parts, joined (images are not sent back)
    for (const auto &part : turn.content)
      if (const auto *p = std::get_if<TextPart>(&part))
        joined += p->text;
    message(to_string(turn.role), joined);
  }
  out += ']';
  // Numbers as nlohmann writes them (the shortest text that reads back the same double).
  const auto number = [&](std::string_view key, const OrderedJson &value) {
    out += ",\"";
    out += key;
    out += "\":";
    out += value.dump();
  };
  if (params.temperature)
    number("temperature", *params.temperature);
  if (params.top_p)
    number("top_p", *params.top_p);
  if (params.max_tokens) { // an integer: its digits (the same as nlohmann's, without a document)
    out += ",\"";
    out += max_tokens_key(draft);
    out += "\":";
    char digits[16];
    const auto end = std::to_chars(digits, digits + sizeof digits, *params.max_tokens).ptr;
    out.append(digits, end);
  }
  if (!params.stop.empty()) {
    out += ",\"stop\":[";
    for (size_t i = 0; i < params.stop.size(); ++i) {
      if (i > 0)
        out += ',';
      append_json_string(out, params.stop[i]);
    }
    out += ']';
  }
  if (params.stream)
    out += ",\"stream\":true,\"stream_options\":{\"include_usage\":true}";
  out += '}';
  return out;
}

} // namespace

Result<HttpRequest> build_request(const Endpoint &endpoint, const ChatRequest &request) {
  wire::RequestDraft draft = wire::start_request(endpoint, request);
  std::string body = std::all_of(request.turns.begin(), request.turns.end(), plain_turn)
                         ? written_body(endpoint, request, draft)
                         : wire::to_json_text(document_body(endpoint, request, draft));
  return wire::finish_request(endpoint, draft,
                              wire::join_url(endpoint.base_url, "/chat/completions"),
                              std::move(body), "text/event-stream", "");
}

std::vector<ChatEvent> decode_response(const HttpResponseHead &head, std::string_view body) {
  return wire::decode_whole_response(head, body, decode_whole);
}

ChatStreamDecoder make_stream_decoder(const HttpResponseHead &head) {
  return ChatStreamDecoder(std::make_unique<Stream>(head));
}

} // namespace imc::openai
