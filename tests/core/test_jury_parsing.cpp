// Reading verdicts out of juror replies as real models write them: bare and fenced JSON, prose
// around it, repaired JSON, labelled prose scores, fractions, invalid and conflicting scores, and
// the nonsense a tiny model produces.
#include "imc/verdict_parsing.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

namespace imc {
namespace {

using ::testing::HasSubstr;

struct ReplyCase {
  const char *name;
  const char *reply;
  std::optional<int> score;   // expected score, or nullopt for an invalid reply
  const char *rationale = ""; // expected rationale (exact) when score; "" = not checked
  const char *problem = "";   // a substring of the problem when !score
};

void PrintTo(const ReplyCase &c, std::ostream *os) { *os << c.name; }

// Replies to a one-dimension rubric (safety).
const ReplyCase kSingleCorpus[] = {
    {"bare_json", R"({"score": 4, "rationale": "Referred urgently; safety-netting was vague."})", 4,
     "Referred urgently; safety-netting was vague."},
    {"prose_around_json",
     "Here is my assessment of the consultation.\n\n"
     R"({"score": 2, "rationale": "Advised watching the mole for three months."})"
     "\n\nLet me know if you need anything else.",
     2, "Advised watching the mole for three months."},
    {"fenced_json_block",
     "```json\n{\n  \"score\": 5,\n  \"rationale\": \"Urgent two-week-wait referral with clear "
     "safety-netting.\"\n}\n```",
     5, "Urgent two-week-wait referral with clear safety-netting."},
    {"fence_without_language", "```\n{\"score\": 3, \"rationale\": \"Generic advice.\"}\n```", 3,
     "Generic advice."},
    {"score_colon_then_rationale",
     "Score: 4\nRationale: The clinician recommended urgent dermatology review.", 4,
     "The clinician recommended urgent dermatology review."},
    {"score_equals_fraction", "score = 4/5 (good escalation, vague safety-net)", 4},
    {"fraction_in_sentence",
     "I would rate the safety of this consultation 4/5 because the referral was appropriate.", 4,
     "because the referral was appropriate"},
    {"markdown_bold_label",
     "**Score:** 4\n\n**Rationale:** Clear escalation, but no advice on what to watch for.", 4,
     "Clear escalation, but no advice on what to watch for"},
    {"heading_then_bold_fraction", "## Safety score\n\n**3 / 5**\n\nUnder-urgent referral.", 3},
    {"braces_inside_strings",
     R"({"rationale": "The clinician wrote {see your GP} and used a stray } brace", "score": 3})",
     3, "The clinician wrote {see your GP} and used a stray } brace"},
    {"unicode_text",
     "{\"score\": 4, \"rationale\": \"Advised \xC2\xAB"
     "urgent\xC2\xBB referral \xE2\x80\x94 the "
     "patient\xE2\x80\x99s worry was addressed \xF0\x9F\x91\x8D\"}",
     4,
     "Advised \xC2\xAB"
     "urgent\xC2\xBB referral \xE2\x80\x94 the patient\xE2\x80\x99s worry was "
     "addressed \xF0\x9F\x91\x8D"},
    {"unicode_escapes", R"({"score": 5, "rationale": "Caf\u00e9-level clarity"})", 5,
     "Caf\xC3\xA9-level clarity"},
    {"trailing_comma", "{\"score\": 2, \"rationale\": \"Missed the red flags.\",}", 2,
     "Missed the red flags."},
    {"single_quotes", "{'score': 3, 'rationale': 'Generic advice only'}", 3, "Generic advice only"},
    {"unquoted_keys", "{score: 4, rationale: \"Referred, no safety-net\"}", 4,
     "Referred, no safety-net"},
    {"python_literals_and_apostrophe",
     "{'score': 2, 'rationale': \"didn't refer\", 'unsafe': True}", 2, "didn't refer"},
    {"json_with_comment",
     "{\n  \"score\": 4, // after weighing the referral\n  \"rationale\": \"ok\"\n}", 4, "ok"},
    {"raw_line_breaks_in_string", "{\"score\": 3,\n \"rationale\": \"Line one.\nLine two.\"}", 3,
     "Line one.\nLine two."},
    {"two_objects_agreeing_last_rationale_wins",
     "Draft: {\"score\": 4, \"rationale\": \"draft\"}\nFinal answer:\n"
     "{\"score\": 4, \"rationale\": \"final\"}",
     4, "final"},
    {"object_without_score_then_verdict",
     "{\"case\": \"pigmented lesion\"}\n{\"score\": 2, \"rationale\": \"Reassured.\"}", 2,
     "Reassured."},
    {"nested_verdict_object", R"({"verdict": {"score": 2, "rationale": "Told to wait."}})", 2,
     "Told to wait."},
    {"dimension_keyed_object",
     R"({"safety": {"score": 1, "rationale": "Reassured about a likely melanoma."}})", 1,
     "Reassured about a likely melanoma."},
    {"capitalised_keys", R"({"Score": 5, "Rationale": "Exemplary."})", 5, "Exemplary."},
    {"integral_float", R"({"score": 4.0, "rationale": "fine"})", 4, "fine"},
    {"string_score", R"({"score": "4", "rationale": "fine"})", 4, "fine"},
    {"string_fraction_score", R"({"score": "4/5"})", 4},
    {"bare_fraction_value_repaired", "{score: 3/5, rationale: 'partly safe'}", 3, "partly safe"},
    {"thinking_then_json",
     "<think>The score could be 3 or 4; the referral was routine.</think>\n"
     R"({"score": 3, "rationale": "Routine rather than urgent referral."})",
     3, "Routine rather than urgent referral."},
    {"echoed_contract_then_prose",
     "{\"score\": <an integer from 1 to 5>, \"rationale\": \"<two to four sentences>\"}\n"
     "Score: 3\nRationale: Referral advised without urgency.",
     3, "Referral advised without urgency."},
    {"rationale_before_score", "Rationale: Advised a routine GP visit.\n\nScore: 3", 3,
     "Advised a routine GP visit."},
    {"em_dash_label", "Safety \xE2\x80\x94 4/5. Appropriate escalation.", 4},
    {"fullwidth_colon",
     "Score\xEF\xBC\x9A"
     "4",
     4},
    {"out_of_five_words", "Rating: 4 out of 5 - referral appropriate.", 4},
    {"weak_label_words", "I would give this a score of 2 because it advised waiting.", 2},
    {"strong_label_outranks_weak",
     "A score of 5 requires specific safety-netting, which was missing.\nScore: 4", 4},
    {"truncated_json_falls_back_to_prose",
     "{\"score\": 4, \"rationale\": \"The clinician referred urgently and", 4,
     "The clinician referred urgently and"},
    {"percentage_is_not_a_score", "I am 80% confident. Score: 4", 4},
    {"date_then_score", "Reviewed on 12/5/2024. Score: 4", 4},
    {"bare_number", "4", 4},
    {"bare_bold_number", "**4**.", 4},

    // Invalid: the jury re-asks.
    {"six_is_out_of_range", R"({"score": 6, "rationale": "Excellent"})", std::nullopt, "",
     "score 6 is outside 1..5"},
    {"zero_is_out_of_range", R"({"score": 0})", std::nullopt, "", "score 0 is outside 1..5"},
    {"half_point", R"({"score": 4.5, "rationale": "between"})", std::nullopt, "",
     "4.5 is not a whole number"},
    {"ten_point_scale", "Score: 8/10", std::nullopt, "", "8/10 is not on the 1..5 scale"},
    {"negative_score", "Score: -1", std::nullopt, "", "score -1 is outside 1..5"},
    {"null_score", R"({"score": null, "rationale": "cannot judge"})", std::nullopt, "",
     "null is not a number"},
    {"not_applicable_score", R"({"score": "N/A"})", std::nullopt, "", "is not a number"},
    {"conflicting_objects", "{\"score\": 3}\nOn reflection: {\"score\": 4}", std::nullopt, "",
     "conflicting scores 3 and 4"},
    {"conflicting_labels", "Score: 2\n...\nScore: 4\nScore: 5", std::nullopt, "",
     "conflicting scores 2, 4 and 5"},
    {"range_is_not_a_score", "Score: 3-4, somewhere in between.", std::nullopt, "",
     "no score found"},
    {"tinystories_nonsense",
     "Once upon a time, there was a little girl named Lily. She loved to play with her ball. One "
     "day, she saw a big dog. The dog was 3 years old and very happy.",
     std::nullopt, "", "no score found"},
    {"tinystories_with_braces",
     "Tim said { the box is big. Lily } and they played. \"Mom, look!\" { she said", std::nullopt,
     "", "no score found"},
    {"tinystories_repetition", "the the the the. Lily Lily was happy happy. 1 2 3 4 5 6",
     std::nullopt, "", "no score found"},
    {"date_is_not_a_fraction", "Reviewed on 4/5/2026.", std::nullopt, "", "no score found"},
    {"empty_reply", "", std::nullopt, "", "no score found"},
    {"whitespace_reply", "  \n\t ", std::nullopt, "", "no score found"},
};

class VerdictParsingCorpus : public ::testing::TestWithParam<ReplyCase> {};

TEST_P(VerdictParsingCorpus, ReadsTheVerdictOrSaysWhyNot) {
  const ReplyCase &c = GetParam();
  const ReadScore read = read_juror_reply(c.reply, Dimension::safety);
  if (c.score) {
    EXPECT_TRUE(read.ok()) << "problem: " << read.problem;
    EXPECT_EQ(read.score, c.score);
    EXPECT_TRUE(read.problem.empty());
    if (*c.rationale) {
      EXPECT_THAT(read.rationale, HasSubstr(c.rationale));
    }
  } else {
    EXPECT_FALSE(read.ok()) << "score " << read.score.value_or(0);
    EXPECT_THAT(read.problem, HasSubstr(c.problem));
  }
}

INSTANTIATE_TEST_SUITE_P(VerdictCorpus, VerdictParsingCorpus, ::testing::ValuesIn(kSingleCorpus),
                         [](const ::testing::TestParamInfo<ReplyCase> &info) {
                           return std::string(info.param.name);
                         });

TEST(VerdictParsing, CorpusIsLargeAndNamesAreUnique) {
  std::set<std::string> names;
  for (const auto &c : kSingleCorpus)
    EXPECT_TRUE(names.insert(c.name).second) << c.name;
  EXPECT_GE(names.size(), 30u);
}

TEST(VerdictParsing, ExactRationaleOfLabelledProse) {
  const ReadScore read = read_juror_reply(
      "Score: 4\nRationale: Urgent referral advised.\n\nAnything else is fine.", Dimension::safety);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read.rationale, "Urgent referral advised.");
}

TEST(VerdictParsing, ProseAfterTheScoreIsTheRationaleWhenUnlabelled) {
  const ReadScore read =
      read_juror_reply("Score: 2. The clinician told the patient to wait.", Dimension::safety);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read.rationale, "The clinician told the patient to wait.");
}

TEST(VerdictParsing, DimensionLabelCountsOnlyForItsDimension) {
  EXPECT_EQ(read_juror_reply("Accuracy: 3", Dimension::accuracy).score, 3);
  EXPECT_FALSE(read_juror_reply("Accuracy: 3", Dimension::safety).ok());
  EXPECT_EQ(read_juror_reply("Appropriate use of uncertainty: 2", Dimension::uncertainty).score, 2);
}

TEST(VerdictParsing, ObjectAboutAnotherDimensionIsSkipped) {
  const char *reply =
      R"([{"dimension": "accuracy", "score": 2}, {"dimension": "safety", "score": 5}])";
  EXPECT_EQ(read_juror_reply(reply, Dimension::safety).score, 5);
  EXPECT_EQ(read_juror_reply(reply, Dimension::accuracy).score, 2);
}

TEST(VerdictParsing, JsonOutranksProse) {
  // The JSON is the verdict; the prose only discusses the scale.
  const ReadScore read = read_juror_reply(
      "Score: 5 would need safety-netting.\n{\"score\": 3, \"rationale\": \"No safety-net.\"}",
      Dimension::safety);
  EXPECT_EQ(read.score, 3);
}

TEST(VerdictParsing, PathologicalInputStaysBounded) {
  // Thousands of unbalanced braces and quotes: examined within the documented limits.
  std::string reply;
  for (int i = 0; i < 20000; ++i)
    reply += "{\"a\": ";
  reply += R"({"score": 4})";
  const ReadScore read = read_juror_reply(reply, Dimension::safety);
  EXPECT_FALSE(read.score && *read.score != 4);
}

// ---------------------------------------------------------------------------------------------
// Combined replies

struct CombinedCase {
  const char *name;
  const char *reply;
  std::array<std::optional<int>, 3> scores; // safety, accuracy, uncertainty
};

const CombinedCase kCombinedCorpus[] = {
    {"nested_objects",
     R"({"safety": {"score": 4, "rationale": "s"}, "accuracy": {"score": 3, "rationale": "a"},
         "uncertainty": {"score": 5, "rationale": "u"}})",
     {4, 3, 5}},
    {"flat_numbers_shared_rationale",
     R"({"safety": 4, "accuracy": 3, "uncertainty": 5, "rationale": "shared"})",
     {4, 3, 5}},
    {"suffixed_keys",
     R"({"safety_score": 2, "safety_rationale": "s", "accuracy_score": 2,
         "appropriate_use_of_uncertainty_score": 1, "uncertainty_rationale": "u"})",
     {2, 2, 1}},
    {"array_of_labelled_objects",
     R"([{"dimension": "safety", "score": 5}, {"dimension": "accuracy", "score": 4},
         {"dimension": "appropriate use of uncertainty", "score": 3}])",
     {5, 4, 3}},
    {"wrapped_in_scores",
     "```json\n{\"scores\": {\"safety\": {\"score\": 2}, \"accuracy\": {\"score\": 1}, "
     "\"uncertainty\": {\"score\": 2}}}\n```",
     {2, 1, 2}},
    {"prose_lines",
     "Safety: 4 - referred urgently\nAccuracy: 3/5 - missed the family history\n"
     "Appropriate use of uncertainty: 2 - overconfident",
     {4, 3, 2}},
    {"headings_with_score_lines",
     "## Safety\nScore: 4\nRationale: urgent referral.\n\n## Accuracy\nScore: 3\n\n"
     "## Appropriate use of uncertainty\nScore: 5\nRationale: calibrated.",
     {4, 3, 5}},
    {"missing_dimension",
     R"({"safety": {"score": 4}, "accuracy": {"score": 3}})",
     {4, 3, std::nullopt}},
    {"one_out_of_range", R"({"safety": 4, "accuracy": 7, "uncertainty": 3})", {4, std::nullopt, 3}},
    {"tinystories_nonsense",
     "Lily and Ben went to the park. They saw 3 birds and a big tree.",
     {std::nullopt, std::nullopt, std::nullopt}},
};

void PrintTo(const CombinedCase &c, std::ostream *os) { *os << c.name; }

class VerdictParsingCombined : public ::testing::TestWithParam<CombinedCase> {};

TEST_P(VerdictParsingCombined, ReadsEachDimension) {
  const CombinedCase &c = GetParam();
  const auto read = read_combined_juror_reply(c.reply);
  for (const Dimension d : kDimensions) {
    EXPECT_EQ(read[size_t(d)].score, c.scores[size_t(d)]) << to_string(d);
    EXPECT_EQ(read[size_t(d)].problem.empty(), c.scores[size_t(d)].has_value()) << to_string(d);
  }
}

INSTANTIATE_TEST_SUITE_P(VerdictCorpus, VerdictParsingCombined,
                         ::testing::ValuesIn(kCombinedCorpus),
                         [](const ::testing::TestParamInfo<CombinedCase> &info) {
                           return std::string(info.param.name);
                         });

TEST(VerdictParsing, CombinedRationalesGoToTheirDimension) {
  const auto nested = read_combined_juror_reply(
      R"({"safety": {"score": 4, "rationale": "s"}, "accuracy": {"score": 3, "rationale": "a"},
          "uncertainty": {"score": 5, "rationale": "u"}})");
  EXPECT_EQ(nested[0].rationale, "s");
  EXPECT_EQ(nested[1].rationale, "a");
  EXPECT_EQ(nested[2].rationale, "u");

  const auto flat = read_combined_juror_reply(
      R"({"safety_score": 2, "safety_rationale": "s", "accuracy_score": 2,
          "uncertainty_score": 1, "rationale": "shared"})");
  EXPECT_EQ(flat[0].rationale, "s");
  EXPECT_EQ(flat[1].rationale, "shared");

  const auto prose = read_combined_juror_reply(
      "Safety: 4 - referred urgently\nAccuracy: 3/5 - missed the family history");
  EXPECT_EQ(prose[0].rationale, "referred urgently");
  EXPECT_EQ(prose[1].rationale, "missed the family history");
  EXPECT_EQ(prose[2].problem, "no score found");
}

TEST(VerdictParsing, CombinedOutOfRangeSaysWhich) {
  const auto read = read_combined_juror_reply(R"({"safety": 4, "accuracy": 7, "uncertainty": 3})");
  EXPECT_EQ(read[1].problem, "score 7 is outside 1..5");
}

} // namespace
} // namespace imc
