// The conversation event log: JSON Lines codec and replay.
#include "imc/event_log.h"

#include "chat_json_internal.h"
#include "json_reader.h"
#include "json_writer.h"

#include <limits>

namespace imc {

using detail::Json;
using detail::Need;
using detail::ObjectReader;

namespace {

constexpr int64_t kMinInt64 = std::numeric_limits<int64_t>::min();
constexpr int64_t kMaxInt64 = std::numeric_limits<int64_t>::max();
constexpr const char *kEventTypes =
    "begin|call_started|stream_delta|call_done|call_failed|human_turn|stop";
constexpr const char *kFinishReasons = "stop|length|content_filter|tool_use|other";
constexpr const char *kErrorKinds =
    "config|network|timeout|rate_limited|overloaded|server|bad_request|auth|protocol|unsupported|"
    "cancelled";

FinishReason finish_reason_from(const std::string &s) {
  for (FinishReason r : {FinishReason::stop, FinishReason::length, FinishReason::content_filter,
                         FinishReason::tool_use})
    if (s == to_string(r))
      return r;
  return FinishReason::other;
}

// ------------------------------------------------------------------------------------ writing

Json template_json(const PromptTemplate &t) {
  Json j = Json::object();
  j["name"] = t.name;
  j["version"] = t.version;
  j["text"] = t.text;
  return j;
}

Json config_json(const ConversationConfig &c) {
  Json j = Json::object();
  j["transcript_id"] = c.transcript_id;
  detail::put_if_not_empty(j, "run_id", c.run_id);
  detail::put_if_not_empty(j, "pack_hash", c.pack_hash);
  j["condition"] = Json{{"image", c.condition.image}, {"ehr", c.condition.ehr}};
  Json clinician = Json::object();
  clinician["endpoint"] = c.clinician_endpoint;
  clinician["model"] = c.clinician_model;
  clinician["parameters"] = detail::chat_parameters_json(c.clinician_parameters);
  j["clinician"] = std::move(clinician);
  Json patient = Json::object();
  patient["kind"] = to_string(c.patient_kind);
  if (c.patient_kind == PatientKind::simulated) {
    patient["endpoint"] = c.simulated_patient.endpoint;
    patient["model"] = c.simulated_patient.model;
    patient["parameters"] = detail::chat_parameters_json(c.simulated_patient.parameters);
  } else {
    detail::put_if_not_empty(patient, "name", c.human_name);
  }
  j["patient"] = std::move(patient);
  j["opening"] = c.opening == Opening::persona ? "persona" : "human";
  j["max_clinician_turns"] = c.max_clinician_turns;
  j["call_timeout_ms"] = c.call_timeout_ms;
  j["prompts"] = Json{{"clinician_system", template_json(c.prompts.clinician_system)},
                      {"patient_system", template_json(c.prompts.patient_system)}};
  // The case document as its own codec writes it, nested as an object.
  j["case"] = Json::parse(serialize_case(c.patient_case), nullptr, false);
  return j;
}

Json event_json(const ConversationEvent &event) {
  Json j = Json::object();
  std::visit(
      [&](const auto &e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, Begin>) {
          j["type"] = "begin";
        } else if constexpr (std::is_same_v<E, CallStarted>) {
          j["type"] = "call_started";
          j["call_id"] = e.call_id;
        } else if constexpr (std::is_same_v<E, StreamDelta>) {
          j["type"] = "stream_delta";
          j["call_id"] = e.call_id;
          j["text"] = e.text;
        } else if constexpr (std::is_same_v<E, CallDone>) {
          j["type"] = "call_done";
          j["call_id"] = e.call_id;
          if (e.usage)
            j["usage"] = Json{{"input_tokens", e.usage->input_tokens},
                              {"output_tokens", e.usage->output_tokens}};
          Json finish = Json::object();
          finish["reason"] = to_string(e.finish.reason);
          detail::put_if_not_empty(finish, "raw", e.finish.raw);
          j["finish"] = std::move(finish);
        } else if constexpr (std::is_same_v<E, CallFailed>) {
          j["type"] = "call_failed";
          j["call_id"] = e.call_id;
          Json error = Json::object();
          error["kind"] = to_string(e.error.kind);
          error["message"] = e.error.message;
          detail::put_if_set(error, "retry_after_ms", e.error.retry_after_ms);
          if (e.error.http_status != 0)
            error["http_status"] = e.error.http_status;
          j["error"] = std::move(error);
        } else if constexpr (std::is_same_v<E, HumanTurn>) {
          j["type"] = "human_turn";
          j["text"] = e.text;
          if (e.end_consultation)
            j["end_consultation"] = true;
        } else {
          j["type"] = "stop";
          detail::put_if_not_empty(j, "reason", e.reason);
        }
        j["at_ms"] = e.at_ms;
      },
      event);
  return j;
}

// ------------------------------------------------------------------------------------ reading

void read_template(ObjectReader &o, const char *key, PromptTemplate &t) {
  read_object(o, key, Need::required, [&](ObjectReader &p) {
    read_string(p, "name", Need::required, detail::kNonEmptyText, t.name);
    read_int(p, "version", Need::required, 0, std::numeric_limits<int>::max(), t.version);
    read_string(p, "text", Need::required, detail::kAnyText, t.text);
  });
}

void read_case(ObjectReader &o, Case &out) {
  const Json *value = o.take("case", Need::required, "a case document (an object)");
  if (!value)
    return;
  if (!value->is_object()) {
    o.doc().report(o.pointer_to("case"), "a case document (an object)", o.doc().describe(value));
    return;
  }
  auto parsed = parse_case(value->dump(), o.doc().source());
  if (!parsed) {
    for (const auto &e : parsed.errors())
      o.doc().report(o.pointer_to("case") + e.pointer, e.expected, e.found);
    return;
  }
  out = std::move(parsed.value());
}

void read_config(ObjectReader &o, ConversationConfig &c) {
  read_string(o, "transcript_id", Need::required, detail::kIdentifierText, c.transcript_id);
  read_string(o, "run_id", Need::optional, detail::kAnyText, c.run_id);
  read_string(o, "pack_hash", Need::optional, detail::kPrefixedSha256Text, c.pack_hash);
  read_object(o, "condition", Need::required, [&](ObjectReader &k) {
    read_bool(k, "image", Need::required, c.condition.image);
    read_bool(k, "ehr", Need::required, c.condition.ehr);
  });
  read_object(o, "clinician", Need::required, [&](ObjectReader &k) {
    read_string(k, "endpoint", Need::required, detail::kEndpointNameText, c.clinician_endpoint);
    read_string(k, "model", Need::required, detail::kNonEmptyText, c.clinician_model);
    read_object(k, "parameters", Need::optional,
                [&](ObjectReader &p) { detail::read_chat_parameters(p, c.clinician_parameters); });
  });
  read_object(o, "patient", Need::required, [&](ObjectReader &k) {
    std::string kind;
    read_choice(k, "kind", Need::required, "simulated|human", false, kind);
    c.patient_kind = kind == "human" ? PatientKind::human : PatientKind::simulated;
    if (kind == "simulated") {
      SimulatedPatientConfig &s = c.simulated_patient;
      read_string(k, "endpoint", Need::required, detail::kEndpointNameText, s.endpoint);
      read_string(k, "model", Need::required, detail::kNonEmptyText, s.model);
      read_object(k, "parameters", Need::optional,
                  [&](ObjectReader &p) { detail::read_chat_parameters(p, s.parameters); });
    } else if (kind == "human") {
      read_string(k, "name", Need::optional, detail::kAnyText, c.human_name);
    }
  });
  std::string opening = "persona";
  read_choice(o, "opening", Need::optional, "persona|human", false, opening);
  c.opening = opening == "human" ? Opening::human : Opening::persona;
  read_int(o, "max_clinician_turns", Need::required, 1, std::numeric_limits<int>::max(),
           c.max_clinician_turns);
  read_int64(o, "call_timeout_ms", Need::optional, 0, kMaxInt64, c.call_timeout_ms);
  read_object(o, "prompts", Need::required, [&](ObjectReader &p) {
    read_template(p, "clinician_system", c.prompts.clinician_system);
    read_template(p, "patient_system", c.prompts.patient_system);
  });
  read_case(o, c.patient_case);
}

void read_event(ObjectReader &o, ConversationEvent &out) {
  std::string type;
  read_choice(o, "type", Need::required, kEventTypes, false, type);
  int64_t at_ms = 0;
  read_int64(o, "at_ms", Need::required, kMinInt64, kMaxInt64, at_ms);
  std::string call_id;
  const auto read_call_id = [&] {
    read_string(o, "call_id", Need::required, detail::kNonEmptyText, call_id);
  };
  if (type == "begin") {
    out = Begin{at_ms};
  } else if (type == "call_started") {
    read_call_id();
    out = CallStarted{call_id, at_ms};
  } else if (type == "stream_delta") {
    read_call_id();
    std::string text;
    read_string(o, "text", Need::required, detail::kAnyText, text);
    out = StreamDelta{call_id, std::move(text), at_ms};
  } else if (type == "call_done") {
    read_call_id();
    CallDone done{call_id, std::nullopt, {}, at_ms};
    read_object(o, "usage", Need::optional, [&](ObjectReader &u) {
      Usage usage;
      read_int64(u, "input_tokens", Need::required, 0, kMaxInt64, usage.input_tokens);
      read_int64(u, "output_tokens", Need::required, 0, kMaxInt64, usage.output_tokens);
      done.usage = usage;
    });
    read_object(o, "finish", Need::required, [&](ObjectReader &f) {
      std::string reason;
      read_choice(f, "reason", Need::required, kFinishReasons, false, reason);
      done.finish.reason = finish_reason_from(reason);
      read_string(f, "raw", Need::optional, detail::kAnyText, done.finish.raw);
    });
    out = std::move(done);
  } else if (type == "call_failed") {
    read_call_id();
    CallFailed failed{call_id, {}, at_ms};
    read_object(o, "error", Need::required, [&](ObjectReader &e) {
      std::string kind;
      read_choice(e, "kind", Need::required, kErrorKinds, false, kind);
      failed.error.kind = parse_error_kind(kind).value_or(ErrorKind::protocol);
      read_string(e, "message", Need::required, detail::kAnyText, failed.error.message);
      read_optional_int64(e, "retry_after_ms", 0, kMaxInt64, failed.error.retry_after_ms);
      read_int(e, "http_status", Need::optional, 0, 999, failed.error.http_status);
    });
    out = std::move(failed);
  } else if (type == "human_turn") {
    HumanTurn turn{"", at_ms, false};
    read_string(o, "text", Need::required, detail::kAnyText, turn.text);
    read_bool(o, "end_consultation", Need::optional, turn.end_consultation);
    out = std::move(turn);
  } else if (type == "stop") {
    Stop stop{at_ms, ""};
    read_string(o, "reason", Need::optional, detail::kAnyText, stop.reason);
    out = std::move(stop);
  }
}

std::string line_source(std::string_view source, size_t line) {
  return std::string(source) + ":" + std::to_string(line);
}

} // namespace

EventLog event_log_of(const ConversationEngine &engine) {
  return {engine.config(), engine.events()};
}

std::string serialize_event_log_header(const ConversationConfig &config) {
  Json j = Json::object();
  j["schema_version"] = kEventLogSchemaVersion;
  j["config"] = config_json(config);
  return detail::dump_json(j, false);
}

std::string serialize_event(const ConversationEvent &event) {
  return detail::dump_json(event_json(event), false);
}

std::string serialize_event_log(const EventLog &log) {
  std::string out = serialize_event_log_header(log.config) + "\n";
  for (const auto &event : log.events)
    out += serialize_event(event) + "\n";
  return out;
}

Result<ConversationEvent> parse_event(std::string_view json, std::string_view source) {
  return detail::parse_value<ConversationEvent>(json, source, true, read_event);
}

Result<EventLog> parse_event_log(std::string_view jsonl, std::string_view source) {
  Errors errors;
  EventLog log;
  bool have_header = false;
  size_t line_number = 0;
  size_t start = 0;
  while (start < jsonl.size()) {
    size_t end = jsonl.find('\n', start);
    if (end == std::string_view::npos)
      end = jsonl.size();
    std::string_view line = jsonl.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos)
      continue;
    const std::string where = line_source(source, line_number);
    if (!have_header) {
      have_header = true;
      log.config = detail::read_value<ConversationConfig>(
          line, where, errors, true, [](ObjectReader &o, ConversationConfig &c) {
            int version = kEventLogSchemaVersion;
            read_schema_version(o, kEventLogSchemaVersion, version);
            read_object(o, "config", Need::required, [&](ObjectReader &k) { read_config(k, c); });
          });
      continue;
    }
    log.events.push_back(
        detail::read_value<ConversationEvent>(line, where, errors, true, read_event));
  }
  if (!have_header)
    errors.push_back({std::string(source), "line 1",
                      "a header line {\"schema_version\":1,\"config\":{...}}", "an empty log"});
  if (!errors.empty())
    return errors;
  return log;
}

Result<Transcript> replay_event_log(std::string_view jsonl, std::string_view source) {
  auto log = parse_event_log(jsonl, source);
  if (!log)
    return log.errors();
  return replay(log->config, log->events);
}

} // namespace imc
