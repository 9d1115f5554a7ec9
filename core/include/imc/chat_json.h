#pragma once
// JSON for the normalised chat request (chat.h): how the browser hands a request to the proxy's
// /api/chat and how effects are logged. Image bytes travel as base64. Shape (docs/FORMATS.md,
// "Chat request"):
//
//   {"system": "...",
//    "turns": [{"role": "user", "content": [
//        {"type": "image", "mime_type": "image/jpeg", "source_name": "images/x.jpg", "data":
//        "<base64>"},
//        {"type": "text", "text": "..."}]}],
//    "parameters": {"temperature": 0.2, "max_tokens": 512, "top_p": 0.9, "stop": ["..."], "stream":
//    true}}
//
// Optional keys are left out when empty (stream when false), so equal requests give equal bytes.
#include "imc/chat.h"
#include "imc/result.h"

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <string_view>

namespace imc {

// One line of JSON when !pretty, else 2-space indented with a final newline.
std::string serialize_chat_request(const ChatRequest &request, bool pretty = false);

// Every error found (file `source`, a JSON pointer): unknown keys, a role other than
// user|assistant, a part type other than text|image, data that is not strict base64, numbers
// out of range (temperature 0..2, max_tokens >= 1, top_p 0..1). Never throws on bad input.
// parse_chat_request(serialize_chat_request(r)) gives back r.
Result<ChatRequest> parse_chat_request(std::string_view json, std::string_view source);
// The same from a value parsed already (imc serve's request bodies), without writing it out and
// reading it again, nor copying it: an ordered_json, the reader's own type (a nlohmann::json
// would be copied into one, twice the time of the reading on a small request); a repeated key
// was the parser's to report.
Result<ChatRequest> parse_chat_request_value(const nlohmann::ordered_json &value,
                                             std::string_view source);

} // namespace imc
