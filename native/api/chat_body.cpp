#include "chat_body.h"

#include <simdjson.h>

#include <limits>

namespace imc::api {

namespace {

using simdjson::SUCCESS;
using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

// Each key of an object at most once: `seen` holds a bit per known key.
bool first_time(unsigned &seen, unsigned bit) {
  if (seen & bit)
    return false;
  seen |= bit;
  return true;
}

bool read_text(element e, std::string &out) {
  std::string_view s;
  if (e.get_string().get(s) != SUCCESS)
    return false;
  out.assign(s);
  return true;
}

// A JSON number as the general reader takes it for a double (integers included).
bool read_number(element e, double min, double max, std::optional<double> &out) {
  const element_type type = e.type();
  if (type != element_type::DOUBLE && type != element_type::INT64 &&
      type != element_type::UINT64)
    return false;
  double d = 0;
  if (e.get_double().get(d) != SUCCESS || !(d >= min && d <= max))
    return false;
  out = d;
  return true;
}

bool read_parameters(object o, ChatParameters &p) {
  unsigned seen = 0;
  for (const auto field : o) {
    const std::string_view key = field.key;
    if (key == "temperature") {
      if (!first_time(seen, 1) || !read_number(field.value, 0, 2, p.temperature))
        return false;
    } else if (key == "max_tokens") {
      int64_t n = 0;
      if (!first_time(seen, 2) || field.value.type() != element_type::INT64 ||
          field.value.get_int64().get(n) != SUCCESS || n < 1 ||
          n > std::numeric_limits<int>::max())
        return false; // (an integral double, say, is the general reader's to judge)
      p.max_tokens = static_cast<int>(n);
    } else if (key == "top_p") {
      if (!first_time(seen, 4) || !read_number(field.value, 0, 1, p.top_p))
        return false;
    } else if (key == "stop") {
      array list;
      if (!first_time(seen, 8) || field.value.get_array().get(list) != SUCCESS)
        return false;
      for (const element item : list) {
        std::string text;
        if (!read_text(item, text) || text.empty())
          return false;
        p.stop.push_back(std::move(text));
      }
    } else if (key == "stream") {
      bool b = false;
      if (!first_time(seen, 16) || field.value.get_bool().get(b) != SUCCESS)
        return false;
      p.stream = b;
    } else {
      return false;
    }
  }
  return true;
}

bool read_part(element e, ChatTurn &turn) {
  object o;
  if (e.get_object().get(o) != SUCCESS)
    return false;
  unsigned seen = 0;
  std::string_view type;
  TextPart part;
  for (const auto field : o) {
    if (field.key == "type") {
      if (!first_time(seen, 1) || field.value.get_string().get(type) != SUCCESS)
        return false;
    } else if (field.key == "text") {
      if (!first_time(seen, 2) || !read_text(field.value, part.text))
        return false;
    } else {
      return false;
    }
  }
  if (seen != 3 || type != "text")
    return false; // images, and parts without their type or text, go the general way
  turn.content.emplace_back(std::move(part));
  return true;
}

bool read_turn(element e, ChatTurn &turn) {
  object o;
  if (e.get_object().get(o) != SUCCESS)
    return false;
  unsigned seen = 0;
  for (const auto field : o) {
    if (field.key == "role") {
      std::string_view role;
      if (!first_time(seen, 1) || field.value.get_string().get(role) != SUCCESS)
        return false;
      if (role == "user")
        turn.role = ChatRole::user;
      else if (role == "assistant")
        turn.role = ChatRole::assistant;
      else
        return false;
    } else if (field.key == "content") {
      array parts;
      if (!first_time(seen, 2) || field.value.get_array().get(parts) != SUCCESS)
        return false;
      for (const element part : parts)
        if (!read_part(part, turn))
          return false;
    } else {
      return false;
    }
  }
  return seen == 3;
}

bool read_request(element e, ChatRequest &r) {
  object o;
  if (e.get_object().get(o) != SUCCESS)
    return false;
  unsigned seen = 0;
  for (const auto field : o) {
    if (field.key == "system") {
      if (!first_time(seen, 1) || !read_text(field.value, r.system))
        return false;
    } else if (field.key == "turns") {
      array turns;
      if (!first_time(seen, 2) || field.value.get_array().get(turns) != SUCCESS)
        return false;
      for (const element t : turns) {
        ChatTurn turn;
        if (!read_turn(t, turn))
          return false;
        r.turns.push_back(std::move(turn));
      }
    } else if (field.key == "parameters") {
      object parameters;
      if (!first_time(seen, 4) || field.value.get_object().get(parameters) != SUCCESS ||
          !read_parameters(parameters, r.parameters))
        return false;
    } else {
      return false;
    }
  }
  return (seen & 2) != 0; // the turns are required
}

} // namespace

std::optional<PlainChatBody> read_plain_chat_body(std::string_view body) {
  // One parser per thread, its buffers kept from body to body; the body is copied into its
  // padded buffer (simdjson reads past the end).
  thread_local simdjson::dom::parser parser;
  element root;
  if (parser.parse(body.data(), body.size(), true).get(root) != SUCCESS)
    return std::nullopt;
  object top;
  if (root.get_object().get(top) != SUCCESS)
    return std::nullopt;
  PlainChatBody out;
  unsigned seen = 0;
  for (const auto field : top) {
    if (field.key == "endpoint") {
      if (!first_time(seen, 1) || !read_text(field.value, out.endpoint))
        return std::nullopt;
    } else if (field.key == "request") {
      if (!first_time(seen, 2) || !read_request(field.value, out.request))
        return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  if (seen != 3)
    return std::nullopt;
  return out;
}

} // namespace imc::api
