// Juror verdicts and expert annotations: enum names, codecs, equality.
#include "imc/verdict.h"

#include "enum_table.h"
#include "json_reader.h"
#include "json_writer.h"

#include <tuple>

namespace imc {

using detail::Json;
using detail::Need;
using detail::ObjectReader;

namespace {

constexpr detail::EnumTable<Dimension, 3> kDimensionNames{{
    {Dimension::safety, "safety"},
    {Dimension::accuracy, "accuracy"},
    {Dimension::uncertainty, "uncertainty"},
}};
constexpr detail::EnumTable<VerdictStatus, 3> kVerdictStatusNames{{
    {VerdictStatus::ok, "ok"},
    {VerdictStatus::unparseable, "unparseable"},
    {VerdictStatus::error, "error"},
}};

constexpr int kMinScore = 1;
constexpr int kMaxScore = 5;

Json score_json(const std::optional<int> &score) { return score ? Json(*score) : Json(nullptr); }

} // namespace

const char *to_string(Dimension v) { return detail::enum_to_string(kDimensionNames, v); }
const char *to_string(VerdictStatus v) { return detail::enum_to_string(kVerdictStatusNames, v); }
std::optional<Dimension> parse_dimension(std::string_view s) {
  return detail::enum_from_string(kDimensionNames, s);
}
std::optional<VerdictStatus> parse_verdict_status(std::string_view s) {
  return detail::enum_from_string(kVerdictStatusNames, s);
}

Result<JurorVerdict> parse_verdict(std::string_view json, std::string_view source) {
  return detail::parse_value<JurorVerdict>(
      json, source, true, [](ObjectReader &o, JurorVerdict &v) {
        detail::DocumentReader &doc = o.doc();
        read_schema_version(o, 1, v.schema_version);
        read_string(o, "id", Need::required, detail::kIdentifierText, v.id);
        read_string(o, "transcript_id", Need::required, detail::kIdentifierText, v.transcript_id);
        read_string(o, "juror_endpoint", Need::required, detail::kEndpointNameText,
                    v.juror_endpoint);
        read_string(o, "juror_model", Need::required, detail::kNonEmptyText, v.juror_model);
        read_enum(o, "dimension", Need::required, kDimensionNames, v.dimension);
        const size_t errors_before = doc.error_count();
        read_optional_int(o, "score", kMinScore, kMaxScore, v.score, true);
        const bool score_valid = doc.error_count() == errors_before;
        read_enum(o, "status", Need::required, kVerdictStatusNames, v.status);
        const bool status_valid = doc.error_count() == errors_before;
        read_string(o, "rationale", Need::optional, detail::kAnyText, v.rationale);
        read_string(o, "raw_output", Need::optional, detail::kAnyText, v.raw_output);
        read_int(o, "attempts", Need::optional, 1, std::numeric_limits<int>::max(), v.attempts);
        read_string(o, "rubric_hash", Need::optional, detail::kPrefixedSha256Text, v.rubric_hash);
        read_string(o, "created_at", Need::required, detail::kTimestampText, v.created_at);

        // FORMATS.md: a score exactly when the juror gave a valid verdict.
        if (score_valid && status_valid) {
          const std::string status = to_string(v.status);
          if (v.status == VerdictStatus::ok && !v.score)
            doc.report(o.pointer_to("score"), "an integer in 1..5 (status is ok)",
                       o.has("score") ? "null" : "missing");
          else if (v.status != VerdictStatus::ok && v.score)
            doc.report(o.pointer_to("score"), "null (status is " + status + ")",
                       "a number (" + std::to_string(*v.score) + ")");
        }
      });
}

Result<ExpertAnnotation> parse_annotation(std::string_view json, std::string_view source) {
  return detail::parse_value<ExpertAnnotation>(
      json, source, true, [](ObjectReader &o, ExpertAnnotation &a) {
        read_schema_version(o, 1, a.schema_version);
        read_string(o, "id", Need::required, detail::kIdentifierText, a.id);
        read_string(o, "transcript_id", Need::required, detail::kIdentifierText, a.transcript_id);
        read_string(o, "annotator", Need::required, detail::kNonEmptyText, a.annotator);
        read_object(o, "scores", Need::required, [&](ObjectReader &s) {
          for (const Dimension d : kDimensions)
            read_optional_int(s, to_string(d), kMinScore, kMaxScore, a.scores[size_t(d)], true);
        });
        read_string(o, "note", Need::optional, detail::kAnyText, a.note);
        read_string(o, "created_at", Need::required, detail::kTimestampText, a.created_at);
      });
}

std::string serialize_verdict(const JurorVerdict &v, bool pretty) {
  Json j = Json::object();
  j["schema_version"] = v.schema_version;
  j["id"] = v.id;
  j["transcript_id"] = v.transcript_id;
  j["juror_endpoint"] = v.juror_endpoint;
  j["juror_model"] = v.juror_model;
  j["dimension"] = to_string(v.dimension);
  j["score"] = score_json(v.score); // always present: null says "no valid verdict"
  j["status"] = to_string(v.status);
  detail::put_if_not_empty(j, "rationale", v.rationale);
  detail::put_if_not_empty(j, "raw_output", v.raw_output);
  j["attempts"] = v.attempts;
  detail::put_if_not_empty(j, "rubric_hash", v.rubric_hash);
  j["created_at"] = v.created_at;
  return detail::dump_json(j, pretty);
}

std::string serialize_annotation(const ExpertAnnotation &a, bool pretty) {
  Json j = Json::object();
  j["schema_version"] = a.schema_version;
  j["id"] = a.id;
  j["transcript_id"] = a.transcript_id;
  j["annotator"] = a.annotator;
  Json scores = Json::object();
  for (const Dimension d : kDimensions)
    scores[to_string(d)] = score_json(a.scores[size_t(d)]);
  j["scores"] = std::move(scores);
  detail::put_if_not_empty(j, "note", a.note);
  j["created_at"] = a.created_at;
  return detail::dump_json(j, pretty);
}

bool operator==(const JurorVerdict &a, const JurorVerdict &b) {
  return std::tie(a.schema_version, a.id, a.transcript_id, a.juror_endpoint, a.juror_model,
                  a.dimension, a.score, a.status, a.rationale, a.raw_output, a.attempts,
                  a.rubric_hash, a.created_at) ==
         std::tie(b.schema_version, b.id, b.transcript_id, b.juror_endpoint, b.juror_model,
                  b.dimension, b.score, b.status, b.rationale, b.raw_output, b.attempts,
                  b.rubric_hash, b.created_at);
}

bool operator==(const ExpertAnnotation &a, const ExpertAnnotation &b) {
  return std::tie(a.schema_version, a.id, a.transcript_id, a.annotator, a.scores, a.note,
                  a.created_at) == std::tie(b.schema_version, b.id, b.transcript_id, b.annotator,
                                            b.scores, b.note, b.created_at);
}

} // namespace imc
