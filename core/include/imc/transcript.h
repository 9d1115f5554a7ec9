#pragma once
// Transcript data model: one conversation between a patient and the clinician model under test
// (docs/FORMATS.md, docs/schemas/transcript.schema.json).
#include "imc/result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imc {

inline constexpr int kTranscriptSchemaVersion = 1;

enum class Role { patient, clinician };
enum class TranscriptState { complete, incomplete, failed };
enum class ProvenanceKind { illustration, model_run, human_session, imported };
enum class PatientKind { simulated, human };

const char *to_string(Role v);
const char *to_string(TranscriptState v);
const char *to_string(ProvenanceKind v);
const char *to_string(PatientKind v);
std::optional<Role> parse_role(std::string_view s);
std::optional<TranscriptState> parse_transcript_state(std::string_view s);
std::optional<ProvenanceKind> parse_provenance_kind(std::string_view s);
std::optional<PatientKind> parse_patient_kind(std::string_view s);

// What the clinician model sees besides the conversation.
struct Condition {
  bool image = true;
  bool ehr = true;
  // "full", "no-image", "no-ehr", "no-image-no-ehr".
  std::string name() const;
  static std::optional<Condition> from_name(std::string_view name);
  bool operator==(const Condition &o) const { return image == o.image && ehr == o.ehr; }
};

struct ModelParameters {
  std::optional<double> temperature;
  std::optional<int> max_tokens;
  std::optional<double> top_p;
  std::optional<int64_t> seed;
};

struct ClinicianInfo {
  std::string endpoint;            // endpoint name from the endpoint config ("" for illustrations)
  std::string model;               // model id as configured/reported
  ModelParameters parameters;
};

struct PatientInfo {
  PatientKind kind = PatientKind::simulated;
  std::string endpoint;            // simulated: endpoint name
  std::string model;               // simulated: model id
  std::string name;                // human: who typed (optional)
};

struct Provenance {
  ProvenanceKind kind = ProvenanceKind::model_run;
  std::string note;                // "Hand-written illustration; not any model's output."
};

struct TurnError {
  std::string kind;                // normalised error kind (see FORMATS.md: network, timeout, rate_limited, ...)
  std::string message;
};

struct Turn {
  int index = 0;                   // 0-based, equal to the position in `turns`
  Role role = Role::patient;
  std::string text;
  std::vector<std::string> images; // image refs: pack-relative paths the speaker showed
  std::string started_at;          // RFC 3339 UTC with milliseconds, "" when unknown
  std::string ended_at;
  std::optional<int64_t> latency_ms;     // request sent -> last byte
  std::optional<int64_t> ttft_ms;        // request sent -> first text delta
  std::optional<int64_t> tokens_in;
  std::optional<int64_t> tokens_out;
  std::string finish_reason;       // "stop" | "length" | "content_filter" | "error" | "cancelled" | "end_consultation" | ""
  std::optional<TurnError> error;
  std::vector<std::string> wire_log_refs; // ids of wire-log records of the calls behind this turn
};

struct TranscriptStatus {
  TranscriptState state = TranscriptState::incomplete;
  std::string reason;              // why incomplete/failed; "" when complete
};

struct Transcript {
  int schema_version = kTranscriptSchemaVersion;
  std::string id;
  std::string case_id;
  std::string pack_hash;           // CasePack::content_hash of the pack the case came from
  std::string run_id;              // batch run it belongs to ("" for single sessions)
  std::string created_at;          // RFC 3339
  std::string title;               // optional, shown in lists ("Safe, well-hedged clinician")
  Provenance provenance;
  ClinicianInfo clinician;
  PatientInfo patient;
  Condition condition;
  std::vector<std::pair<std::string, std::string>> prompt_hashes; // template name -> "sha256:<hex>"
  std::vector<Turn> turns;
  TranscriptStatus status;
};

Result<Transcript> parse_transcript(std::string_view json, std::string_view source);
std::string serialize_transcript(const Transcript &t, bool pretty = true);
bool operator==(const Transcript &a, const Transcript &b);

} // namespace imc
