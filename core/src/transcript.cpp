// Transcript documents: enum names, condition names, codec, equality.
#include "imc/transcript.h"

#include "compare.h"
#include "enum_table.h"
#include "json_reader.h"
#include "json_writer.h"

#include <tuple>

namespace imc {

using detail::Json;
using detail::Need;
using detail::ObjectReader;

namespace {

constexpr detail::EnumTable<Role, 2> kRoleNames{
    {{Role::patient, "patient"}, {Role::clinician, "clinician"}}};
constexpr detail::EnumTable<TranscriptState, 3> kStateNames{{
    {TranscriptState::complete, "complete"},
    {TranscriptState::incomplete, "incomplete"},
    {TranscriptState::failed, "failed"},
}};
constexpr detail::EnumTable<ProvenanceKind, 4> kProvenanceNames{{
    {ProvenanceKind::illustration, "illustration"},
    {ProvenanceKind::model_run, "model_run"},
    {ProvenanceKind::human_session, "human_session"},
    {ProvenanceKind::imported, "imported"},
}};
constexpr detail::EnumTable<PatientKind, 2> kPatientKindNames{{
    {PatientKind::simulated, "simulated"},
    {PatientKind::human, "human"},
}};

constexpr const char *kFinishReasons =
    "stop|length|content_filter|error|cancelled|end_consultation";
// FORMATS.md, "Normalised errors".
constexpr const char *kErrorKinds =
    "config|network|timeout|rate_limited|overloaded|server|bad_request|auth|protocol|unsupported|"
    "cancelled";
constexpr int64_t kMaxInt64 = std::numeric_limits<int64_t>::max();

void read_parameters(ObjectReader &o, ModelParameters &p) {
  read_optional_number(o, "temperature", 0, 2, p.temperature);
  read_optional_int(o, "max_tokens", 1, std::numeric_limits<int>::max(), p.max_tokens);
  read_optional_number(o, "top_p", 0, 1, p.top_p);
  std::optional<int64_t> seed;
  read_optional_int64(o, "seed", std::numeric_limits<int64_t>::min(), kMaxInt64, seed);
  p.seed = seed;
}

void read_patient(ObjectReader &o, PatientInfo &p) {
  const size_t errors_before = o.doc().error_count();
  read_enum(o, "kind", Need::required, kPatientKindNames, p.kind);
  const bool kind_known = o.doc().error_count() == errors_before;
  read_string(o, "endpoint", Need::optional, detail::kEndpointNameText, p.endpoint);
  read_string(o, "model", Need::optional, detail::kAnyText, p.model);
  read_string(o, "name", Need::optional, detail::kAnyText, p.name);
  if (!kind_known)
    return;
  // FORMATS.md: simulated patients name their endpoint and model; human ones only a name.
  if (p.kind == PatientKind::simulated) {
    if (p.model.empty())
      o.doc().report(o.pointer_to("model"), "the model id of the simulated patient",
                     o.has("model") ? "an empty string" : "missing");
    if (!p.name.empty())
      o.doc().report(o.pointer_to("name"), "no name for a simulated patient",
                     o.doc().quote(p.name));
  } else {
    if (!p.endpoint.empty())
      o.doc().report(o.pointer_to("endpoint"), "no endpoint for a human patient",
                     o.doc().quote(p.endpoint));
    if (!p.model.empty())
      o.doc().report(o.pointer_to("model"), "no model for a human patient", o.doc().quote(p.model));
  }
}

void read_turn(ObjectReader &o, Turn &t, size_t position) {
  int index = -1;
  read_int(o, "index", Need::required, 0, std::numeric_limits<int>::max(), index);
  if (index >= 0 && size_t(index) != position)
    o.doc().report(o.pointer_to("index"), std::to_string(position) + " (the turn's position)",
                   "a number (" + std::to_string(index) + ")");
  t.index = index;
  read_enum(o, "role", Need::required, kRoleNames, t.role);
  read_string(o, "text", Need::required, detail::kAnyText, t.text);
  read_string_list(o, "images", Need::optional, detail::kRelativePathText, 0, t.images);
  read_string(o, "started_at", Need::optional, detail::kTimestampText, t.started_at);
  read_string(o, "ended_at", Need::optional, detail::kTimestampText, t.ended_at);
  read_optional_int64(o, "latency_ms", 0, kMaxInt64, t.latency_ms);
  read_optional_int64(o, "ttft_ms", 0, kMaxInt64, t.ttft_ms);
  read_optional_int64(o, "tokens_in", 0, kMaxInt64, t.tokens_in);
  read_optional_int64(o, "tokens_out", 0, kMaxInt64, t.tokens_out);
  read_choice(o, "finish_reason", Need::optional, kFinishReasons, true, t.finish_reason);
  read_object(o, "error", Need::optional, [&](ObjectReader &e) {
    TurnError error;
    read_choice(e, "kind", Need::required, kErrorKinds, false, error.kind);
    read_string(e, "message", Need::required, detail::kAnyText, error.message);
    t.error = std::move(error);
  });
  read_string_list(o, "wire_log_refs", Need::optional, detail::kNonEmptyText, 0, t.wire_log_refs);
}

Json parameters_json(const ModelParameters &p) {
  Json j = Json::object();
  detail::put_if_set(j, "temperature", p.temperature);
  detail::put_if_set(j, "max_tokens", p.max_tokens);
  detail::put_if_set(j, "top_p", p.top_p);
  detail::put_if_set(j, "seed", p.seed);
  return j;
}

Json turn_json(const Turn &t) {
  Json j = Json::object();
  j["index"] = t.index;
  j["role"] = to_string(t.role);
  j["text"] = t.text;
  detail::put_if_not_empty(j, "images", t.images);
  detail::put_if_not_empty(j, "started_at", t.started_at);
  detail::put_if_not_empty(j, "ended_at", t.ended_at);
  detail::put_if_set(j, "latency_ms", t.latency_ms);
  detail::put_if_set(j, "ttft_ms", t.ttft_ms);
  detail::put_if_set(j, "tokens_in", t.tokens_in);
  detail::put_if_set(j, "tokens_out", t.tokens_out);
  detail::put_if_not_empty(j, "finish_reason", t.finish_reason);
  if (t.error)
    j["error"] = Json{{"kind", t.error->kind}, {"message", t.error->message}};
  detail::put_if_not_empty(j, "wire_log_refs", t.wire_log_refs);
  return j;
}

bool same(const Turn &a, const Turn &b) {
  const bool same_error =
      a.error.has_value() == b.error.has_value() &&
      (!a.error || (a.error->kind == b.error->kind && a.error->message == b.error->message));
  return same_error &&
         std::tie(a.index, a.role, a.text, a.images, a.started_at, a.ended_at, a.latency_ms,
                  a.ttft_ms, a.tokens_in, a.tokens_out, a.finish_reason, a.wire_log_refs) ==
             std::tie(b.index, b.role, b.text, b.images, b.started_at, b.ended_at, b.latency_ms,
                      b.ttft_ms, b.tokens_in, b.tokens_out, b.finish_reason, b.wire_log_refs);
}

} // namespace

const char *to_string(Role v) { return detail::enum_to_string(kRoleNames, v); }
const char *to_string(TranscriptState v) { return detail::enum_to_string(kStateNames, v); }
const char *to_string(ProvenanceKind v) { return detail::enum_to_string(kProvenanceNames, v); }
const char *to_string(PatientKind v) { return detail::enum_to_string(kPatientKindNames, v); }
std::optional<Role> parse_role(std::string_view s) {
  return detail::enum_from_string(kRoleNames, s);
}
std::optional<TranscriptState> parse_transcript_state(std::string_view s) {
  return detail::enum_from_string(kStateNames, s);
}
std::optional<ProvenanceKind> parse_provenance_kind(std::string_view s) {
  return detail::enum_from_string(kProvenanceNames, s);
}
std::optional<PatientKind> parse_patient_kind(std::string_view s) {
  return detail::enum_from_string(kPatientKindNames, s);
}

std::string Condition::name() const {
  if (image && ehr)
    return "full";
  if (ehr)
    return "no-image";
  if (image)
    return "no-ehr";
  return "no-image-no-ehr";
}

std::optional<Condition> Condition::from_name(std::string_view name) {
  for (const Condition c : {Condition{true, true}, Condition{false, true}, Condition{true, false},
                            Condition{false, false}})
    if (c.name() == name)
      return c;
  return std::nullopt;
}

Result<Transcript> parse_transcript(std::string_view json, std::string_view source) {
  return detail::parse_value<Transcript>(json, source, true, [](ObjectReader &o, Transcript &t) {
    read_schema_version(o, kTranscriptSchemaVersion, t.schema_version);
    read_string(o, "id", Need::required, detail::kIdentifierText, t.id);
    read_string(o, "case_id", Need::required, detail::kIdentifierText, t.case_id);
    read_string(o, "pack_hash", Need::optional, detail::kPrefixedSha256Text, t.pack_hash);
    read_string(o, "run_id", Need::optional, detail::kAnyText, t.run_id);
    read_string(o, "created_at", Need::required, detail::kTimestampText, t.created_at);
    read_string(o, "title", Need::optional, detail::kAnyText, t.title);
    read_object(o, "provenance", Need::required, [&](ObjectReader &p) {
      read_enum(p, "kind", Need::required, kProvenanceNames, t.provenance.kind);
      read_string(p, "note", Need::optional, detail::kAnyText, t.provenance.note);
    });
    read_object(o, "clinician", Need::required, [&](ObjectReader &c) {
      read_string(c, "endpoint", Need::optional, detail::kEndpointNameText, t.clinician.endpoint);
      read_string(c, "model", Need::required, detail::kNonEmptyText, t.clinician.model);
      read_object(c, "parameters", Need::optional,
                  [&](ObjectReader &p) { read_parameters(p, t.clinician.parameters); });
    });
    read_object(o, "patient", Need::required, [&](ObjectReader &p) { read_patient(p, t.patient); });
    read_object(o, "condition", Need::required, [&](ObjectReader &c) {
      read_bool(c, "image", Need::required, t.condition.image);
      read_bool(c, "ehr", Need::required, t.condition.ehr);
    });
    read_string_map(o, "prompt_hashes", Need::optional, detail::kNonEmptyText,
                    detail::kPrefixedSha256Text, t.prompt_hashes);
    read_object_list(o, "turns", Need::required, 0, t.turns, read_turn);
    read_object(o, "status", Need::required, [&](ObjectReader &s) {
      read_enum(s, "state", Need::required, kStateNames, t.status.state);
      read_string(s, "reason", Need::optional, detail::kAnyText, t.status.reason);
    });
  });
}

std::string serialize_transcript(const Transcript &t, bool pretty) {
  Json j = Json::object();
  j["schema_version"] = t.schema_version;
  j["id"] = t.id;
  j["case_id"] = t.case_id;
  detail::put_if_not_empty(j, "pack_hash", t.pack_hash);
  detail::put_if_not_empty(j, "run_id", t.run_id);
  j["created_at"] = t.created_at;
  detail::put_if_not_empty(j, "title", t.title);

  Json provenance = Json::object();
  provenance["kind"] = to_string(t.provenance.kind);
  detail::put_if_not_empty(provenance, "note", t.provenance.note);
  j["provenance"] = std::move(provenance);

  Json clinician = Json::object();
  detail::put_if_not_empty(clinician, "endpoint", t.clinician.endpoint);
  clinician["model"] = t.clinician.model;
  if (Json parameters = parameters_json(t.clinician.parameters); !parameters.empty())
    clinician["parameters"] = std::move(parameters);
  j["clinician"] = std::move(clinician);

  Json patient = Json::object();
  patient["kind"] = to_string(t.patient.kind);
  detail::put_if_not_empty(patient, "endpoint", t.patient.endpoint);
  detail::put_if_not_empty(patient, "model", t.patient.model);
  detail::put_if_not_empty(patient, "name", t.patient.name);
  j["patient"] = std::move(patient);

  j["condition"] = Json{{"image", t.condition.image}, {"ehr", t.condition.ehr}};
  if (!t.prompt_hashes.empty()) {
    Json hashes = Json::object();
    for (const auto &[name, hash] : t.prompt_hashes)
      hashes[name] = hash;
    j["prompt_hashes"] = std::move(hashes);
  }
  j["turns"] = detail::list_json(t.turns, turn_json);

  Json status = Json::object();
  status["state"] = to_string(t.status.state);
  detail::put_if_not_empty(status, "reason", t.status.reason);
  j["status"] = std::move(status);
  return detail::dump_json(j, pretty);
}

bool operator==(const Transcript &a, const Transcript &b) {
  const ModelParameters &pa = a.clinician.parameters, &pb = b.clinician.parameters;
  return std::tie(a.schema_version, a.id, a.case_id, a.pack_hash, a.run_id, a.created_at,
                  a.title) == std::tie(b.schema_version, b.id, b.case_id, b.pack_hash, b.run_id,
                                       b.created_at, b.title) &&
         std::tie(a.provenance.kind, a.provenance.note) ==
             std::tie(b.provenance.kind, b.provenance.note) &&
         std::tie(a.clinician.endpoint, a.clinician.model, pa.temperature, pa.max_tokens, pa.top_p,
                  pa.seed) == std::tie(b.clinician.endpoint, b.clinician.model, pb.temperature,
                                       pb.max_tokens, pb.top_p, pb.seed) &&
         std::tie(a.patient.kind, a.patient.endpoint, a.patient.model, a.patient.name) ==
             std::tie(b.patient.kind, b.patient.endpoint, b.patient.model, b.patient.name) &&
         a.condition == b.condition && a.prompt_hashes == b.prompt_hashes &&
         detail::same_list(a.turns, b.turns,
                           [](const Turn &x, const Turn &y) { return same(x, y); }) &&
         std::tie(a.status.state, a.status.reason) == std::tie(b.status.state, b.status.reason);
}

} // namespace imc
