#pragma once
// The body of `POST /api/chat` in its plain form, read with simdjson straight into the chat
// request: no nlohmann document, no second pass for location keys, no reader objects. Every
// relayed stream starts with one, and building the document was a connection thread's largest
// piece of work per stream (docs/PERFORMANCE.md, "The chat lane").
//
// The plain form: {"endpoint": STRING, "request": {"system"?: STRING, "turns": [{"role":
// "user"|"assistant", "content": [{"type": "text", "text": STRING}, ...]}, ...], "parameters"?:
// {"temperature"?: 0..2, "max_tokens"?: integer 1..INT_MAX, "top_p"?: 0..1, "stop"?: [non-empty
// STRING, ...], "stream"?: BOOL}}}, each key once, no other key anywhere. Anything else — images,
// an unknown or repeated key, a value of another type or out of range, a body that is not valid
// JSON — gives nullopt, and the service reads the body the general way (nlohmann, the
// location-key walk, the chat request's reader), which accepts it or says what is wrong. Since
// none of the keys above names a network location, a body read here has none.
//
// What is read here is what the general way reads from the same body (tests/native/
// test_chat_body.cpp compares the two on valid bodies and on thousands of mutated ones).
#include "imc/chat.h"

#include <optional>
#include <string>
#include <string_view>

namespace imc::api {

struct PlainChatBody {
  std::string endpoint;
  ChatRequest request;
};

std::optional<PlainChatBody> read_plain_chat_body(std::string_view body);

} // namespace imc::api
