#pragma once
// The event log of a conversation: its config and every event the engine handled, as JSON Lines
// (docs/FORMATS.md, "Event log"). The engine is a pure function of (config, image bytes, events)
// and a transcript never depends on image bytes, so the log alone rebuilds the transcript:
// replay(log.config, log.events), byte for byte.
//
//   {"schema_version":1,"config":{...}}                          first line
//   {"type":"begin","at_ms":1795773600000}                       then one event per line
//   {"type":"stream_delta","call_id":"call-1","text":"Hel","at_ms":1795773600410}
#include "imc/conversation.h"
#include "imc/result.h"

#include <string>
#include <string_view>
#include <vector>

namespace imc {

inline constexpr int kEventLogSchemaVersion = 1;

struct EventLog {
  ConversationConfig config;
  std::vector<ConversationEvent> events;
};

// The log of what `engine` has handled so far.
EventLog event_log_of(const ConversationEngine &engine);

// One line per record, each ending in "\n"; equal logs give equal bytes.
std::string serialize_event_log(const EventLog &log);
// The first line alone, and one event line (without the "\n"), for drivers that append as
// they go: serialize_event_log(log) == header + "\n" + each event + "\n".
std::string serialize_event_log_header(const ConversationConfig &config);
std::string serialize_event(const ConversationEvent &event);

// Every error found, each naming `source`:LINE and a JSON pointer in that line: bad JSON, unknown
// keys or event types, values out of range, an invalid case document inside the config
// (pointers under /config/case). Blank lines are skipped; a missing or misplaced header is an
// error. parse_event_log(serialize_event_log(x)) gives back x, except the fields
// of the patient kind not in use (simulated_patient for a human, human_name for a simulated one).
Result<EventLog> parse_event_log(std::string_view jsonl, std::string_view source);
Result<ConversationEvent> parse_event(std::string_view json, std::string_view source);

// Replays a serialized log: parse_event_log, then replay().
Result<Transcript> replay_event_log(std::string_view jsonl, std::string_view source);

} // namespace imc
