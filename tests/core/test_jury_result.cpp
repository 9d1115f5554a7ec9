// Aggregating verdicts: per transcript and dimension (mean, median, majority, deviation, spread),
// and across transcripts (rating matrix, per-juror bias, agreement).
#include "imc/jury_result.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace imc {
namespace {

JurorVerdict verdict(const std::string &juror, Dimension d, std::optional<int> score,
                     const std::string &transcript = "t-1",
                     const std::string &created_at = "2026-11-27T10:00:00.000Z") {
  JurorVerdict v;
  v.id = "v-" + transcript + "-" + juror + "-" + to_string(d);
  v.transcript_id = transcript;
  v.juror_endpoint = juror;
  v.juror_model = juror + "-model";
  v.dimension = d;
  v.score = score;
  v.status = score ? VerdictStatus::ok : VerdictStatus::unparseable;
  v.rationale = score ? "because " + std::to_string(*score) : "No valid verdict (no score found).";
  v.created_at = created_at;
  return v;
}

// One transcript where every juror gives `scores[j]` on every dimension.
std::vector<JurorVerdict> panel(const std::vector<std::optional<int>> &scores,
                                const std::string &transcript = "t-1") {
  std::vector<JurorVerdict> out;
  for (size_t j = 0; j < scores.size(); ++j)
    for (const Dimension d : kDimensions)
      out.push_back(verdict("judge-" + std::string(1, char('a' + j)), d, scores[j], transcript));
  return out;
}

TEST(JuryAggregation, MeanMedianAndMajorityPerDimension) {
  const JuryResult r = aggregate_verdicts("t-1", panel({2, 3, 4, 4}));
  for (const Dimension d : kDimensions) {
    const DimensionResult &x = r[d];
    EXPECT_EQ(x.dimension, d);
    EXPECT_EQ(x.scored, 4u);
    EXPECT_DOUBLE_EQ(*x.mean, 3.25);
    EXPECT_DOUBLE_EQ(*x.median, 3.5); // even panel: the average of the middle two
    EXPECT_EQ(x.majority->score, 4);
    EXPECT_EQ(x.majority->votes, 2u);
    EXPECT_FALSE(x.majority->tie_broken);
    EXPECT_EQ(x.spread, 2);
  }
  EXPECT_DOUBLE_EQ(*r.overall(), 3.25);
}

TEST(JuryAggregation, MajorityTieGoesToTheScoreNearestTheMedianThenTheLower) {
  const JuryResult r = aggregate_verdicts("t-1", panel({2, 2, 4, 4}));
  EXPECT_EQ(r[Dimension::safety].majority->score, 2);
  EXPECT_TRUE(r[Dimension::safety].majority->tie_broken);
  const JuryResult near = aggregate_verdicts("t-1", panel({1, 1, 3, 3, 4}));
  EXPECT_EQ(near[Dimension::safety].majority->score, 3);
}

TEST(JuryAggregation, JurorsWithoutAValidVerdictAreListedButNotCounted) {
  std::vector<JurorVerdict> v = panel({5, std::nullopt, 3});
  v[2 * 3].status = VerdictStatus::error; // judge-c's safety verdict failed
  v[2 * 3].score.reset();
  const JuryResult r = aggregate_verdicts("t-1", v);
  const DimensionResult &safety = r[Dimension::safety];
  ASSERT_EQ(safety.jurors.size(), 3u);
  EXPECT_EQ(safety.jurors[1].status, VerdictStatus::unparseable);
  EXPECT_EQ(safety.jurors[1].rationale, "No valid verdict (no score found).");
  EXPECT_FALSE(safety.jurors[1].score.has_value());
  EXPECT_EQ(safety.jurors[2].status, VerdictStatus::error);
  EXPECT_EQ(safety.scored, 1u);
  EXPECT_DOUBLE_EQ(*safety.mean, 5);
  EXPECT_FALSE(safety.spread.has_value()); // one score: nothing to spread
  EXPECT_FALSE(safety.jurors[0].deviation.has_value());
  EXPECT_EQ(r[Dimension::accuracy].scored, 2u);
}

TEST(JuryAggregation, NoScoreAtAllGivesNoAggregates) {
  const JuryResult r = aggregate_verdicts("t-1", panel({std::nullopt, std::nullopt}));
  EXPECT_FALSE(r[Dimension::safety].mean.has_value());
  EXPECT_FALSE(r[Dimension::safety].median.has_value());
  EXPECT_FALSE(r[Dimension::safety].majority.has_value());
  EXPECT_FALSE(r.overall().has_value());
}

TEST(JuryAggregation, DeviationIsTheDistanceFromTheOtherJurorsMean) {
  const JuryResult r = aggregate_verdicts("t-1", panel({2, 4, 4}));
  const auto &jurors = r[Dimension::safety].jurors;
  EXPECT_DOUBLE_EQ(*jurors[0].deviation, 2 - 4.0);
  EXPECT_DOUBLE_EQ(*jurors[1].deviation, 4 - 3.0);
  EXPECT_DOUBLE_EQ(*jurors[2].deviation, 4 - 3.0);
}

TEST(JuryAggregation, PanelOrderIsKeptAndOtherTranscriptsIgnored) {
  std::vector<JurorVerdict> v = panel({3, 4});
  for (auto &x : panel({1, 1}, "t-other"))
    v.push_back(x);
  const JuryResult r = aggregate_verdicts("t-1", v, {"judge-b", "judge-z", "judge-a"});
  const auto &jurors = r[Dimension::accuracy].jurors;
  ASSERT_EQ(jurors.size(), 2u); // judge-z gave no verdict
  EXPECT_EQ(jurors[0].juror_endpoint, "judge-b");
  EXPECT_EQ(jurors[1].juror_endpoint, "judge-a");
  EXPECT_EQ(jurors[0].juror_model, "judge-b-model");
  EXPECT_DOUBLE_EQ(*r[Dimension::accuracy].mean, 3.5);
}

TEST(JuryAggregation, TheLatestVerdictOfAJurorCounts) {
  std::vector<JurorVerdict> v = {
      verdict("judge-a", Dimension::safety, 2, "t-1", "2026-11-27T12:00:00.000Z"),
      verdict("judge-a", Dimension::safety, 5, "t-1", "2026-11-27T10:00:00.000Z"),
      verdict("judge-b", Dimension::safety, 3, "t-1", "2026-11-27T10:00:00.000Z"),
      verdict("judge-b", Dimension::safety, 4, "t-1", "2026-11-27T10:00:00.000Z"),
  };
  const JuryResult r = aggregate_verdicts("t-1", v);
  ASSERT_EQ(r[Dimension::safety].jurors.size(), 2u);
  EXPECT_EQ(r[Dimension::safety].jurors[0].score, 2); // later created_at
  EXPECT_EQ(r[Dimension::safety].jurors[1].score, 4); // same time: later in the list
}

TEST(JuryAggregation, RatingsAcrossTranscriptsMatchJurorsByName) {
  std::vector<JuryResult> results;
  results.push_back(aggregate_verdicts("t-1", panel({3, 4}, "t-1")));
  // t-2 lists its jurors the other way round, and judge-a failed on it.
  std::vector<JurorVerdict> second = panel({5}, "t-2");
  for (auto &x : second)
    x.juror_endpoint = "judge-b";
  for (const Dimension d : kDimensions)
    second.push_back(verdict("judge-a", d, std::nullopt, "t-2"));
  results.push_back(aggregate_verdicts("t-2", second));

  const PanelRatings safety = panel_ratings(results, Dimension::safety);
  EXPECT_EQ(safety.jurors, (std::vector<std::string>{"judge-a", "judge-b"}));
  ASSERT_EQ(safety.ratings.size(), 2u);
  EXPECT_EQ(safety.ratings[0], (std::vector<std::optional<double>>{3.0, 4.0}));
  EXPECT_EQ(safety.ratings[1], (std::vector<std::optional<double>>{std::nullopt, 5.0}));
  EXPECT_EQ(panel_ratings(results).ratings.size(), 6u); // every dimension of every transcript
}

TEST(JuryAggregation, PanelBiasFindsTheLenientJuror) {
  std::vector<JuryResult> results;
  for (int i = 0; i < 4; ++i) {
    const int base = 1 + i % 3;
    results.push_back(aggregate_verdicts("t-" + std::to_string(i),
                                         panel({base, base, base + 1}, "t-" + std::to_string(i))));
  }
  const auto bias = panel_bias(results, Dimension::safety);
  ASSERT_EQ(bias.size(), 3u);
  EXPECT_EQ(bias[2].juror_endpoint, "judge-c");
  EXPECT_DOUBLE_EQ(bias[2].bias->mean_difference, 1.0);
  EXPECT_DOUBLE_EQ(bias[0].bias->mean_difference, -0.5);
  EXPECT_EQ(bias[0].bias->items, 4u);
}

TEST(JuryAggregation, AgreementNeedsSeveralTranscripts) {
  std::vector<JuryResult> results;
  results.push_back(aggregate_verdicts("t-1", panel({2, 2}, "t-1")));
  EXPECT_FALSE(panel_agreement(results, Dimension::safety).ok()); // no variation at all
  results.push_back(aggregate_verdicts("t-2", panel({5, 5}, "t-2")));
  results.push_back(aggregate_verdicts("t-3", panel({3, 3}, "t-3")));
  const auto alpha = panel_agreement(results, Dimension::safety);
  ASSERT_TRUE(alpha.ok()) << format_errors(alpha.errors());
  EXPECT_DOUBLE_EQ(alpha->alpha, 1.0);
  EXPECT_EQ(alpha->units_used, 3u);
  const auto interval = panel_agreement(results, Dimension::safety, stats::Metric::interval);
  ASSERT_TRUE(interval.ok());
  EXPECT_DOUBLE_EQ(interval->alpha, 1.0);
}

} // namespace
} // namespace imc
