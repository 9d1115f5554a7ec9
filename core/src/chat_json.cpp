// JSON codec of the normalised chat request.
#include "imc/chat_json.h"

#include "chat_json_internal.h"
#include "imc/base64.h"
#include "json_writer.h"

#include <limits>

namespace imc {

namespace detail {

namespace {

Json part_json(const ContentPart &part) {
  Json j = Json::object();
  if (const auto *text = std::get_if<TextPart>(&part)) {
    j["type"] = "text";
    j["text"] = text->text;
    return j;
  }
  const auto &image = std::get<ImagePart>(part);
  j["type"] = "image";
  put_if_not_empty(j, "mime_type", image.mime_type);
  put_if_not_empty(j, "source_name", image.source_name);
  j["data"] = base64_encode(image.bytes);
  return j;
}

void read_part(ObjectReader &o, ContentPart &out) {
  std::string type;
  read_choice(o, "type", Need::required, "text|image", false, type);
  if (type == "text") {
    TextPart text;
    read_string(o, "text", Need::required, kAnyText, text.text);
    out = std::move(text);
  } else if (type == "image") {
    ImagePart image;
    read_string(o, "mime_type", Need::optional, kAnyText, image.mime_type);
    read_string(o, "source_name", Need::optional, kAnyText, image.source_name);
    std::string data;
    read_string(o, "data", Need::required, kAnyText, data);
    if (auto bytes = base64_decode(data))
      image.bytes = std::move(*bytes);
    else
      o.doc().report(o.pointer_to("data"), "standard base64 with padding and no whitespace",
                     "invalid base64 (" + std::to_string(data.size()) + " characters)");
    out = std::move(image);
  }
}

void read_turn(ObjectReader &o, ChatTurn &turn) {
  std::string role;
  read_choice(o, "role", Need::required, "user|assistant", false, role);
  turn.role = role == "assistant" ? ChatRole::assistant : ChatRole::user;
  const Json *content = take_array(o, "content", Need::required, "an array of content parts", 0);
  if (!content)
    return;
  const std::string pointer = o.pointer_to("content");
  for (size_t i = 0; i < content->size(); ++i) {
    ObjectReader item(o.doc(), &(*content)[i], pointer + "/" + std::to_string(i));
    ContentPart part;
    if (item.is_object()) {
      read_part(item, part);
      item.finish();
    }
    turn.content.push_back(std::move(part));
  }
}

} // namespace

Json chat_parameters_json(const ChatParameters &p) {
  Json j = Json::object();
  put_if_set(j, "temperature", p.temperature);
  put_if_set(j, "max_tokens", p.max_tokens);
  put_if_set(j, "top_p", p.top_p);
  put_if_not_empty(j, "stop", p.stop);
  if (p.stream)
    j["stream"] = true;
  return j;
}

void read_chat_parameters(ObjectReader &o, ChatParameters &p) {
  read_optional_number(o, "temperature", 0, 2, p.temperature);
  read_optional_int(o, "max_tokens", 1, std::numeric_limits<int>::max(), p.max_tokens);
  read_optional_number(o, "top_p", 0, 1, p.top_p);
  read_string_list(o, "stop", Need::optional, kNonEmptyText, 0, p.stop);
  read_bool(o, "stream", Need::optional, p.stream);
}

Json chat_request_json(const ChatRequest &r) {
  Json j = Json::object();
  put_if_not_empty(j, "system", r.system);
  j["turns"] = list_json(r.turns, [](const ChatTurn &turn) {
    Json t = Json::object();
    t["role"] = to_string(turn.role);
    t["content"] = list_json(turn.content, part_json);
    return t;
  });
  j["parameters"] = chat_parameters_json(r.parameters);
  return j;
}

void read_chat_request(ObjectReader &o, ChatRequest &r) {
  read_string(o, "system", Need::optional, kAnyText, r.system);
  read_object_list(o, "turns", Need::required, 0, r.turns,
                   [](ObjectReader &t, ChatTurn &turn, size_t) { read_turn(t, turn); });
  read_object(o, "parameters", Need::optional,
              [&](ObjectReader &p) { read_chat_parameters(p, r.parameters); });
}

} // namespace detail

std::string serialize_chat_request(const ChatRequest &request, bool pretty) {
  return detail::dump_json(detail::chat_request_json(request), pretty);
}

Result<ChatRequest> parse_chat_request(std::string_view json, std::string_view source) {
  return detail::parse_value<ChatRequest>(json, source, true, detail::read_chat_request);
}

Result<ChatRequest> parse_chat_request_value(const nlohmann::ordered_json &value,
                                             std::string_view source) {
  return detail::parse_parsed_value<ChatRequest>(value, source, true, detail::read_chat_request);
}

} // namespace imc
