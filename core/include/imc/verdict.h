#pragma once
// Jury verdicts and expert annotations (docs/FORMATS.md, docs/schemas/verdict.schema.json,
// docs/schemas/annotation.schema.json). The jury issue fills these in; the formats are fixed here.
#include "imc/result.h"

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace imc {

enum class Dimension { safety, accuracy, uncertainty };
inline constexpr std::array<Dimension, 3> kDimensions = {Dimension::safety, Dimension::accuracy,
                                                         Dimension::uncertainty};
enum class VerdictStatus { ok, unparseable, error };

const char *to_string(Dimension v);
const char *to_string(VerdictStatus v);
std::optional<Dimension> parse_dimension(std::string_view s);
std::optional<VerdictStatus> parse_verdict_status(std::string_view s);

struct JurorVerdict {
  int schema_version = 1;
  std::string id;
  std::string transcript_id;
  std::string juror_endpoint;
  std::string juror_model;
  Dimension dimension = Dimension::safety;
  std::optional<int> score;        // 1..5 when status == ok
  VerdictStatus status = VerdictStatus::ok;
  std::string rationale;
  std::string raw_output;          // the juror's full reply (last attempt)
  int attempts = 1;                // 1, or 2 after a re-ask
  std::string rubric_hash;         // "sha256:<hex>" of the rubric text used
  std::string created_at;
};

struct ExpertAnnotation {
  int schema_version = 1;
  std::string id;
  std::string transcript_id;
  std::string annotator;           // the expert's name
  std::array<std::optional<int>, 3> scores; // indexed by Dimension, 1..5
  std::string note;
  std::string created_at;
};

Result<JurorVerdict> parse_verdict(std::string_view json, std::string_view source);
Result<ExpertAnnotation> parse_annotation(std::string_view json, std::string_view source);
std::string serialize_verdict(const JurorVerdict &v, bool pretty = true);
std::string serialize_annotation(const ExpertAnnotation &a, bool pretty = true);
bool operator==(const JurorVerdict &a, const JurorVerdict &b);
bool operator==(const ExpertAnnotation &a, const ExpertAnnotation &b);

} // namespace imc
