// Juror verdicts and expert annotations: parsing, the score/status rule, serialisation.
#include "imc/verdict.h"

#include "core/format_test_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace imc {
namespace {

using namespace test; // fixtures, JSON edits, error lookups
using ::testing::HasSubstr;

constexpr const char *kSource = "verdicts.jsonl";

TEST(VerdictEnums, EveryValueRoundTripsThroughItsJsonName) {
  for (Dimension d : kDimensions)
    EXPECT_EQ(parse_dimension(to_string(d)), d);
  for (auto s : {VerdictStatus::ok, VerdictStatus::unparseable, VerdictStatus::error})
    EXPECT_EQ(parse_verdict_status(to_string(s)), s);
  EXPECT_STREQ(to_string(Dimension::uncertainty), "uncertainty");
  EXPECT_EQ(parse_dimension("clarity"), std::nullopt);
}

TEST(VerdictParsing, ReadsScoredVerdict) {
  const auto v = parse_verdict(fixture("valid/verdict-ok.json"), kSource);
  ASSERT_TRUE(v.ok()) << format_errors(v.errors());
  EXPECT_EQ(v->dimension, Dimension::safety);
  EXPECT_EQ(v->score, 4);
  EXPECT_EQ(v->status, VerdictStatus::ok);
  EXPECT_EQ(v->attempts, 1);
}

TEST(VerdictParsing, ReadsUnparseableVerdictWithNullScore) {
  const auto v = parse_verdict(fixture("valid/verdict-unparseable.json"), kSource);
  ASSERT_TRUE(v.ok()) << format_errors(v.errors());
  EXPECT_EQ(v->score, std::nullopt);
  EXPECT_EQ(v->status, VerdictStatus::unparseable);
  EXPECT_EQ(v->attempts, 2);
  EXPECT_THAT(v->raw_output, HasSubstr("quite good"));
}

TEST(VerdictParsing, RejectsScoreOutsideOneToFive) {
  const Error e =
      single_error(parse_verdict(fixture("invalid/verdict-score-6.json"), kSource), "/score");
  EXPECT_EQ(e.message(), std::string(kSource) +
                             ": /score: expected an integer in 1..5 or null, found a number (6)");
}

TEST(VerdictParsing, RejectsOkVerdictWithoutScore) {
  const Error e = single_error(
      parse_verdict(fixture("invalid/verdict-ok-without-score.json"), kSource), "/score");
  EXPECT_EQ(e.expected, "an integer in 1..5 (status is ok)");
  EXPECT_EQ(e.found, "null");
  auto doc = fixture_json("valid/verdict-ok.json");
  erase(doc, "/score");
  EXPECT_EQ(single_error(parse_verdict(doc.dump(), kSource), "/score").found, "missing");
}

TEST(VerdictParsing, RejectsScoreWhenTheCallFailed) {
  const Error e = single_error(
      parse_verdict(fixture("invalid/verdict-error-with-score.json"), kSource), "/score");
  EXPECT_EQ(e.expected, "null (status is error)");
}

TEST(VerdictParsing, AbsentScoreReadsAsNullForFailedCalls) {
  auto doc = fixture_json("valid/verdict-unparseable.json");
  erase(doc, "/score");
  const auto v = parse_verdict(doc.dump(), kSource);
  ASSERT_TRUE(v.ok()) << format_errors(v.errors());
  EXPECT_EQ(v->score, std::nullopt);
}

TEST(VerdictParsing, ReportsEveryError) {
  auto doc = fixture_json("valid/verdict-ok.json");
  at(doc, "/dimension") = "clarity";
  at(doc, "/attempts") = 0;
  at(doc, "/rubric_hash") = "abc";
  erase(doc, "/created_at");
  const auto v = parse_verdict(doc.dump(), kSource);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.errors().size(), 4u) << format_errors(v.errors());
}

TEST(VerdictSerialization, RoundTripsAndAlwaysWritesScore) {
  for (const char *name : {"valid/verdict-ok.json", "valid/verdict-unparseable.json"}) {
    const auto v = parse_verdict(fixture(name), name);
    ASSERT_TRUE(v.ok());
    for (bool pretty : {true, false}) {
      const std::string text = serialize_verdict(*v, pretty);
      const auto again = parse_verdict(text, "serialized");
      ASSERT_TRUE(again.ok()) << format_errors(again.errors()) << text;
      EXPECT_TRUE(*again == *v) << name;
      EXPECT_THAT(text, HasSubstr("\"score\":"));
    }
  }
  const auto v = parse_verdict(fixture("valid/verdict-unparseable.json"), kSource);
  EXPECT_THAT(serialize_verdict(*v, false), HasSubstr("\"score\":null"));
  EXPECT_EQ(serialize_verdict(*v, false).find('\n'), std::string::npos);
}

TEST(AnnotationParsing, ReadsScoresWithNullAsNotScored) {
  const auto a = parse_annotation(fixture("valid/annotation.json"), "annotations.jsonl");
  ASSERT_TRUE(a.ok()) << format_errors(a.errors());
  EXPECT_EQ(a->scores[size_t(Dimension::safety)], 4);
  EXPECT_EQ(a->scores[size_t(Dimension::accuracy)], 5);
  EXPECT_EQ(a->scores[size_t(Dimension::uncertainty)], std::nullopt);
  EXPECT_EQ(a->annotator, "Dr. A. Example");
}

TEST(AnnotationParsing, AbsentScoreKeysReadAsNotScored) {
  auto doc = fixture_json("valid/annotation.json");
  at(doc, "/scores") = OrderedJson::object();
  const auto a = parse_annotation(doc.dump(), kSource);
  ASSERT_TRUE(a.ok()) << format_errors(a.errors());
  for (const auto &s : a->scores)
    EXPECT_EQ(s, std::nullopt);
}

TEST(AnnotationParsing, RejectsScoreZero) {
  const Error e = single_error(
      parse_annotation(fixture("invalid/annotation-score-0.json"), kSource), "/scores/safety");
  EXPECT_EQ(e.found, "a number (0)");
}

TEST(AnnotationParsing, RejectsUnknownDimension) {
  const Error e =
      single_error(parse_annotation(fixture("invalid/annotation-unknown-dimension.json"), kSource),
                   "/scores/clarity");
  EXPECT_EQ(e.expected, "one of the keys safety|accuracy|uncertainty");
}

TEST(AnnotationParsing, RequiresAnnotatorName) {
  auto doc = fixture_json("valid/annotation.json");
  at(doc, "/annotator") = "";
  single_error(parse_annotation(doc.dump(), kSource), "/annotator");
}

TEST(AnnotationSerialization, RoundTripsAndWritesEveryDimension) {
  const auto a = parse_annotation(fixture("valid/annotation.json"), kSource);
  ASSERT_TRUE(a.ok());
  for (bool pretty : {true, false}) {
    const std::string text = serialize_annotation(*a, pretty);
    const auto again = parse_annotation(text, "serialized");
    ASSERT_TRUE(again.ok()) << format_errors(again.errors());
    EXPECT_TRUE(*again == *a);
  }
  EXPECT_THAT(serialize_annotation(*a, false),
              HasSubstr("\"scores\":{\"safety\":4,\"accuracy\":5,\"uncertainty\":null}"));
  ExpertAnnotation changed = *a;
  changed.scores[size_t(Dimension::uncertainty)] = 1;
  EXPECT_FALSE(changed == *a);
}

} // namespace
} // namespace imc
