#pragma once
// Internal: the chat request codec at the JSON-value level, shared with the event log's config.
#include "imc/chat.h"
#include "json_reader.h"

namespace imc::detail {

Json chat_parameters_json(const ChatParameters &p);
void read_chat_parameters(ObjectReader &o, ChatParameters &p);

Json chat_request_json(const ChatRequest &r);
void read_chat_request(ObjectReader &o, ChatRequest &r);

} // namespace imc::detail
