// Transcript documents: parsing, validation messages, canonical serialisation (pretty and JSONL).
#include "imc/transcript.h"

#include "core/format_test_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace imc {
namespace {

using namespace test; // fixtures, JSON edits, error lookups
using ::testing::HasSubstr;

constexpr const char *kSource = "transcripts/demo-melanoma-safe.json";

Result<Transcript> parse_json(const OrderedJson &doc) {
  return parse_transcript(doc.dump(), kSource);
}

TEST(TranscriptEnums, EveryValueRoundTripsThroughItsJsonName) {
  for (auto v : {Role::patient, Role::clinician})
    EXPECT_EQ(parse_role(to_string(v)), v);
  for (auto v : {TranscriptState::complete, TranscriptState::incomplete, TranscriptState::failed})
    EXPECT_EQ(parse_transcript_state(to_string(v)), v);
  for (auto v : {ProvenanceKind::illustration, ProvenanceKind::model_run,
                 ProvenanceKind::human_session, ProvenanceKind::imported})
    EXPECT_EQ(parse_provenance_kind(to_string(v)), v);
  for (auto v : {PatientKind::simulated, PatientKind::human})
    EXPECT_EQ(parse_patient_kind(to_string(v)), v);
  EXPECT_EQ(parse_role("doctor"), std::nullopt);
}

TEST(TranscriptCondition, NamesFollowTheAblations) {
  EXPECT_EQ((Condition{true, true}).name(), "full");
  EXPECT_EQ((Condition{false, true}).name(), "no-image");
  EXPECT_EQ((Condition{true, false}).name(), "no-ehr");
  EXPECT_EQ((Condition{false, false}).name(), "no-image-no-ehr");
  for (const char *name : {"full", "no-image", "no-ehr", "no-image-no-ehr"}) {
    const auto c = Condition::from_name(name);
    ASSERT_TRUE(c.has_value()) << name;
    EXPECT_EQ(c->name(), name);
  }
  EXPECT_EQ(Condition::from_name("no-ehr-no-image"), std::nullopt);
  EXPECT_EQ(Condition::from_name(""), std::nullopt);
}

TEST(TranscriptParsing, ReadsEveryFieldOfTheSimulatedFixture) {
  const auto t = parse_transcript(fixture("valid/transcript-simulated.json"), kSource);
  ASSERT_TRUE(t.ok()) << format_errors(t.errors());
  EXPECT_EQ(t->case_id, "isic-0000002-melanoma");
  EXPECT_EQ(t->provenance.kind, ProvenanceKind::illustration);
  EXPECT_EQ(t->clinician.parameters.temperature, 0.2);
  EXPECT_EQ(t->clinician.parameters.max_tokens, 512);
  EXPECT_EQ(t->clinician.parameters.seed, -7);
  EXPECT_EQ(t->condition.name(), "no-ehr");
  ASSERT_EQ(t->prompt_hashes.size(), 2u);
  EXPECT_EQ(t->prompt_hashes[0].first, "patient_system") << "document order is kept";
  ASSERT_EQ(t->turns.size(), 4u);
  EXPECT_EQ(t->turns[0].images,
            (std::vector<std::string>{"images/isic_ISIC_0000002_melanoma.jpg"}));
  EXPECT_EQ(t->turns[1].latency_ms, 3200);
  EXPECT_EQ(t->turns[1].ttft_ms, 410);
  EXPECT_EQ(t->turns[1].finish_reason, "stop");
  EXPECT_FALSE(t->turns[1].error.has_value());
  ASSERT_TRUE(t->turns[3].error.has_value());
  EXPECT_EQ(t->turns[3].error->kind, "timeout");
  EXPECT_EQ(t->turns[3].tokens_in, std::nullopt);
  EXPECT_EQ(t->status.state, TranscriptState::failed);
}

TEST(TranscriptParsing, ReadsHumanSessionWithNoTurns) {
  const auto t = parse_transcript(fixture("valid/transcript-human.json"), kSource);
  ASSERT_TRUE(t.ok()) << format_errors(t.errors());
  EXPECT_EQ(t->patient.kind, PatientKind::human);
  EXPECT_EQ(t->patient.name, "Dr. A. Example");
  EXPECT_TRUE(t->turns.empty());
  EXPECT_EQ(t->pack_hash, "");
}

TEST(TranscriptParsing, RejectsTurnIndexThatIsNotItsPosition) {
  auto doc = fixture_json("valid/transcript-simulated.json");
  at(doc, "/turns/2/index") = 3;
  const Error e = single_error(parse_json(doc), "/turns/2/index");
  EXPECT_EQ(e.expected, "2 (the turn's position)");
  EXPECT_EQ(e.found, "a number (3)");
}

TEST(TranscriptParsing, RejectsUnknownRole) {
  const auto t = parse_transcript(fixture("invalid/transcript-unknown-role.json"), kSource);
  const Error e = single_error(t, "/turns/1/role");
  EXPECT_EQ(e.message(),
            std::string(kSource) +
                ": /turns/1/role: expected one of patient|clinician, found \"doctor\"");
}

TEST(TranscriptParsing, RejectsNegativeLatency) {
  const auto t = parse_transcript(fixture("invalid/transcript-negative-latency.json"), kSource);
  EXPECT_EQ(single_error(t, "/turns/1/latency_ms").expected, "a non-negative integer");
}

TEST(TranscriptParsing, RejectsTimestampThatIsNotRfc3339) {
  single_error(parse_transcript(fixture("invalid/transcript-bad-timestamp.json"), kSource),
               "/created_at");
  for (const char *bad :
       {"2026-13-01T00:00:00Z", "2026-11-27 10:00:00Z", "2026-11-27T10:00:00",
        "2026-11-27T24:00:00Z", "2026-11-27T10:00:00.Z", "2026-11-27t10:00:00z"}) {
    auto doc = fixture_json("valid/transcript-simulated.json");
    at(doc, "/turns/1/ended_at") = bad;
    single_error(parse_json(doc), "/turns/1/ended_at");
  }
}

TEST(TranscriptParsing, RejectsUnknownErrorKindAndFinishReason) {
  single_error(parse_transcript(fixture("invalid/transcript-unknown-error-kind.json"), kSource),
               "/turns/3/error/kind");
  auto doc = fixture_json("valid/transcript-simulated.json");
  at(doc, "/turns/1/finish_reason") = "done";
  EXPECT_THAT(single_error(parse_json(doc), "/turns/1/finish_reason").expected,
              HasSubstr("end_consultation"));
}

TEST(TranscriptParsing, RejectsHumanPatientWithModel) {
  const auto t =
      parse_transcript(fixture("invalid/transcript-human-patient-with-model.json"), kSource);
  EXPECT_EQ(single_error(t, "/patient/model").expected, "no model for a human patient");
}

TEST(TranscriptParsing, RejectsSimulatedPatientWithoutModel) {
  auto doc = fixture_json("valid/transcript-simulated.json");
  erase(doc, "/patient/model");
  EXPECT_EQ(single_error(parse_json(doc), "/patient/model").found, "missing");
}

TEST(TranscriptParsing, RejectsMalformedHashes) {
  auto doc = fixture_json("valid/transcript-simulated.json");
  at(doc, "/pack_hash") = "sha256:XYZ";
  at(doc, "/prompt_hashes/clinician_system") = "md5:abc";
  const auto t = parse_json(doc);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.errors().size(), 2u) << format_errors(t.errors());
  EXPECT_NE(error_at(t.errors(), "/pack_hash"), nullptr);
  EXPECT_NE(error_at(t.errors(), "/prompt_hashes/clinician_system"), nullptr);
}

TEST(TranscriptParsing, PromptHashNamesAreEscapedInPointers) {
  auto doc = fixture_json("valid/transcript-simulated.json");
  at(doc, "/prompt_hashes")["jury/safety~v2"] = 1;
  EXPECT_EQ(single_error(parse_json(doc), "/prompt_hashes/jury~1safety~0v2").found, "a number (1)");
}

TEST(TranscriptParsing, RejectsParametersOutsideTheirRangesAndUnknownOnes) {
  auto doc = fixture_json("valid/transcript-simulated.json");
  at(doc, "/clinician/parameters/temperature") = 3;
  at(doc, "/clinician/parameters/top_p") = -0.1;
  at(doc, "/clinician/parameters/max_tokens") = 0;
  at(doc, "/clinician/parameters/frequency_penalty") = 0.5;
  const auto t = parse_json(doc);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.errors().size(), 4u) << format_errors(t.errors());
}

TEST(TranscriptParsing, RequiresStatusAndCondition) {
  auto doc = fixture_json("valid/transcript-simulated.json");
  erase(doc, "/status");
  erase(doc, "/condition/ehr");
  const auto t = parse_json(doc);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.errors().size(), 2u) << format_errors(t.errors());
  EXPECT_EQ(error_at(t.errors(), "/condition/ehr")->expected, "true or false");
}

TEST(TranscriptSerialization, RoundTripsPrettyAndCompact) {
  for (const char *name : {"valid/transcript-simulated.json", "valid/transcript-human.json"}) {
    const auto t = parse_transcript(fixture(name), name);
    ASSERT_TRUE(t.ok()) << format_errors(t.errors());
    for (bool pretty : {true, false}) {
      const std::string text = serialize_transcript(*t, pretty);
      const auto again = parse_transcript(text, "serialized");
      ASSERT_TRUE(again.ok()) << format_errors(again.errors()) << text;
      EXPECT_TRUE(*again == *t) << name << (pretty ? " pretty" : " compact");
      EXPECT_EQ(serialize_transcript(*again, pretty), text);
    }
  }
}

TEST(TranscriptSerialization, CompactFormIsOneLineForJsonLines) {
  const auto t = parse_transcript(fixture("valid/transcript-simulated.json"), kSource);
  ASSERT_TRUE(t.ok());
  const std::string line = serialize_transcript(*t, false);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line.rfind("{\"schema_version\":1,\"id\":\"demo-melanoma-safe\",\"case_id\":", 0), 0u);
}

TEST(TranscriptSerialization, KeepsPromptHashOrderAndOmitsEmptyOptionalFields) {
  const auto t = parse_transcript(fixture("valid/transcript-simulated.json"), kSource);
  ASSERT_TRUE(t.ok());
  const std::string text = serialize_transcript(*t);
  EXPECT_LT(text.find("patient_system"), text.find("clinician_system"));
  EXPECT_EQ(text.find("run_id"), std::string::npos) << "written empty in the fixture, omitted here";
  EXPECT_EQ(text.find("\"endpoint\""), std::string::npos);
}

TEST(TranscriptSerialization, EqualityNoticesTurnDifferences) {
  const auto parsed = parse_transcript(fixture("valid/transcript-simulated.json"), kSource);
  ASSERT_TRUE(parsed.ok());
  std::vector<Transcript> changed(5, *parsed);
  changed[0].turns[3].error->message = "other";
  changed[1].turns[1].wire_log_refs.clear();
  changed[2].turns[3].error.reset();
  changed[3].clinician.parameters.seed.reset();
  changed[4].prompt_hashes.pop_back();
  for (size_t i = 0; i < changed.size(); ++i)
    EXPECT_FALSE(changed[i] == *parsed) << i;
}

} // namespace
} // namespace imc
