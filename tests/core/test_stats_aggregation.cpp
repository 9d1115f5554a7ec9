// imc/stats/aggregation.h: one score per (transcript, dimension) from a jury panel.
#include "imc/stats/aggregation.h"

#include <gtest/gtest.h>

namespace imc::stats {
namespace {

constexpr std::nullopt_t _ = std::nullopt;

TEST(StatsJuryAggregation, UnparseableVerdictsHaveNoScore) {
  JurorVerdict v;
  v.score = 4;
  EXPECT_EQ(usable_score(v), 4);
  v.status = VerdictStatus::unparseable;
  EXPECT_EQ(usable_score(v), std::nullopt);
  v.status = VerdictStatus::error;
  EXPECT_EQ(usable_score(v), std::nullopt);
  v.status = VerdictStatus::ok;
  v.score = 6;
  EXPECT_EQ(usable_score(v), std::nullopt) << "outside the rubric's 1..5";
  v.score = std::nullopt;
  EXPECT_EQ(usable_score(v), std::nullopt);
}

TEST(StatsJuryAggregation, MeanSkipsMissingScores) {
  EXPECT_DOUBLE_EQ(*panel_mean({4, _, 2, 3}), 3.0);
  EXPECT_EQ(panel_mean({_, _}), std::nullopt);
  EXPECT_EQ(panel_mean({}), std::nullopt);
}

TEST(StatsJuryAggregation, MedianOfOddPanelIsTheMiddleScore) {
  EXPECT_DOUBLE_EQ(*panel_median({5, 1, 3}), 3.0);
  EXPECT_DOUBLE_EQ(*panel_median({5, _, 1, 3}), 3.0) << "the missing juror makes it odd";
}

TEST(StatsJuryAggregation, MedianOfEvenPanelAveragesTheMiddlesByDefault) {
  EXPECT_DOUBLE_EQ(*panel_median({2, 5, 3, 4}), 3.5);
}

TEST(StatsJuryAggregation, MedianOfEvenPanelTakesLowerMiddle) {
  EXPECT_DOUBLE_EQ(*panel_median({2, 5, 3, 4}, EvenPanelMedian::lower_middle), 3.0);
  EXPECT_DOUBLE_EQ(*panel_median({4, 5}, EvenPanelMedian::lower_middle), 4.0);
  EXPECT_EQ(panel_median({_}, EvenPanelMedian::lower_middle), std::nullopt);
}

TEST(StatsJuryAggregation, MajorityVoteTakesTheMostFrequentScore) {
  const MajorityVote v = *majority_vote({4, 2, 4, _, 5});
  EXPECT_EQ(v.score, 4);
  EXPECT_EQ(v.votes, 2u);
  EXPECT_EQ(v.voters, 4u);
  EXPECT_FALSE(v.tie_broken);
}

TEST(StatsJuryAggregation, MajorityTieGoesToTheScoreClosestToTheMedian) {
  // 1 and 3 have two votes each; the median of {1, 1, 3, 3, 4} is 3.
  const MajorityVote v = *majority_vote({1, 3, 1, 3, 4});
  EXPECT_EQ(v.score, 3);
  EXPECT_TRUE(v.tie_broken);
  // 5 and 2 tie; median of {2, 2, 4, 5, 5} is 4: 5 is closer.
  EXPECT_EQ(majority_vote({5, 2, 4, 2, 5})->score, 5);
}

TEST(StatsJuryAggregation, MajorityTieEquallyCloseToTheMedianGoesToTheLowerScore) {
  // {2, 2, 4, 4}: median 3, both modes 1 away: the lower (more conservative) score wins.
  EXPECT_EQ(majority_vote({4, 2, 4, 2})->score, 2);
  // Every score once: median 3 of {1, 2, 3, 4, 5} → 3 itself; for {1, 2, 4, 5} → 2.
  EXPECT_EQ(majority_vote({5, 4, 3, 2, 1})->score, 3);
  EXPECT_EQ(majority_vote({5, 4, 2, 1})->score, 2);
  EXPECT_EQ(majority_vote({_, _}), std::nullopt);
}

TEST(StatsJuryAggregation, JurorBiasIsTheMeanDifferenceFromTheOtherJurors) {
  // Juror 2 is always one point above the other two, who agree with each other.
  const RatingMatrix scores = {{3, 3, 4}, {2, 2, 3}, {4, 4, 5}};
  const auto bias = juror_bias(scores);
  ASSERT_EQ(bias.size(), 3u);
  ASSERT_TRUE(bias[0] && bias[1] && bias[2]);
  EXPECT_DOUBLE_EQ(bias[2]->mean_difference, 1.0);
  EXPECT_DOUBLE_EQ(bias[2]->mean_absolute_difference, 1.0);
  // Jurors 0 and 1: score − mean(the other two) = x − (x + x + 1)/2 = −0.5 on every item.
  EXPECT_DOUBLE_EQ(bias[0]->mean_difference, -0.5);
  EXPECT_EQ(bias[0]->items, 3u);
}

TEST(StatsJuryAggregation, JurorBiasSkipsItemsTheJurorOrEveryoneElseMissed) {
  const RatingMatrix scores = {{5, 3, _}, {_, 2, 4}, {1, _, _}, {4}};
  const auto bias = juror_bias(scores);
  ASSERT_EQ(bias.size(), 3u);
  ASSERT_TRUE(bias[0].has_value());
  EXPECT_EQ(bias[0]->items, 1u) << "only item 0 pairs juror 0 with someone";
  EXPECT_DOUBLE_EQ(bias[0]->mean_difference, 2.0);
  EXPECT_EQ(bias[1]->items, 2u);
  EXPECT_DOUBLE_EQ(bias[1]->mean_difference, (-2.0 + -2.0) / 2);
  EXPECT_DOUBLE_EQ(bias[2]->mean_difference, 2.0);
  EXPECT_FALSE(juror_bias({{3, _}, {_, 4}})[0].has_value()) << "never scored alongside another";
}

} // namespace
} // namespace imc::stats
