// imc/stats/calibration.h: mapping jury scores onto the experts' scale.
#include "imc/stats/calibration.h"

#include "imc/stats/random.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace imc::stats {
namespace {

TEST(IsotonicRegression, PoolsAdjacentViolatorsOfAHandCheckedExample) {
  // y = 1 3 2 4 3 5: the pairs (3, 2) and (4, 3) violate the order and are replaced by their
  // means 2.5 and 3.5; the result is nondecreasing and nothing else moves.
  EXPECT_EQ(pool_adjacent_violators({1, 3, 2, 4, 3, 5}, {1, 1, 1, 1, 1, 1}),
            (std::vector<double>{1, 2.5, 2.5, 3.5, 3.5, 5}));
}

TEST(IsotonicRegression, PoolingCascadesBackwards) {
  // 4 3 2 1 → everything pools into the mean 2.5; 5 1 1 1 → 2.
  EXPECT_EQ(pool_adjacent_violators({4, 3, 2, 1}, {1, 1, 1, 1}),
            (std::vector<double>{2.5, 2.5, 2.5, 2.5}));
  EXPECT_EQ(pool_adjacent_violators({5, 1, 1, 1}, {1, 1, 1, 1}), (std::vector<double>{2, 2, 2, 2}));
  // 1 4 5 2: 5 > 2 pools to 3.5, then 4 > 3.5 pools (4 + 5 + 2)/3 = 11/3.
  const auto f = pool_adjacent_violators({1, 4, 5, 2}, {1, 1, 1, 1});
  EXPECT_DOUBLE_EQ(f[1], 11.0 / 3);
  EXPECT_DOUBLE_EQ(f[3], 11.0 / 3);
}

TEST(IsotonicRegression, PoolsWithWeights) {
  // (3, w 1) and (2, w 3) pool to (3·1 + 2·3)/4 = 2.25.
  EXPECT_EQ(pool_adjacent_violators({1, 3, 2}, {1, 1, 3}), (std::vector<double>{1, 2.25, 2.25}));
}

// Independent computation: the min–max formula of isotonic regression (Barlow et al. 1972,
// "Statistical Inference under Order Restrictions", thm 1.4.4):
//   f_i = max_{j <= i} min_{k >= i} (weighted mean of y_j..y_k).
std::vector<double> min_max_isotonic(const std::vector<double> &y, const std::vector<double> &w) {
  const size_t n = y.size();
  std::vector<double> f(n);
  for (size_t i = 0; i < n; ++i) {
    double best = -INFINITY;
    for (size_t j = 0; j <= i; ++j) {
      double lowest = INFINITY;
      for (size_t k = i; k < n; ++k) {
        double sw = 0, swy = 0;
        for (size_t t = j; t <= k; ++t) {
          sw += w[t];
          swy += w[t] * y[t];
        }
        lowest = std::min(lowest, swy / sw);
      }
      best = std::max(best, lowest);
    }
    f[i] = best;
  }
  return f;
}

TEST(IsotonicRegression, AgreesWithTheMinMaxFormulaOnRandomData) {
  Rng rng(1972);
  for (int trial = 0; trial < 40; ++trial) {
    const size_t n = 1 + rng.below(25);
    std::vector<double> y(n), w(n);
    for (size_t i = 0; i < n; ++i) {
      y[i] = 1 + rng.below(5) + 0.3 * double(i) / double(n); // noisy, mildly increasing
      w[i] = 0.5 + rng.below(4);
    }
    const auto pava = pool_adjacent_violators(y, w);
    const auto reference = min_max_isotonic(y, w);
    for (size_t i = 0; i < n; ++i)
      EXPECT_NEAR(pava[i], reference[i], 1e-12) << "trial " << trial << " i " << i;
  }
}

TEST(IsotonicCalibration, TiedJuryScoresArePooledIntoOneKnot) {
  CalibrationData d;
  d.jury = {2, 1, 1, 3};
  d.expert = {2, 3, 1, 4};
  Result<CalibrationMap> map = fit_isotonic(d);
  ASSERT_TRUE(map.ok()) << format_errors(map.errors());
  EXPECT_EQ(map->knot_jury, (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(map->knot_expert, (std::vector<double>{2, 2, 4})) << "x = 1 pools 3 and 1 into 2";
}

TEST(IsotonicCalibration, InterpolatesBetweenKnotsAndClampsBeyondThem) {
  CalibrationMap map;
  map.method = CalibrationMethod::isotonic;
  map.knot_jury = {2, 3, 4};
  map.knot_expert = {1.5, 2.5, 4.5};
  EXPECT_DOUBLE_EQ(map.apply(2.5), 2.0);
  EXPECT_DOUBLE_EQ(map.apply(3.25), 3.0);
  EXPECT_DOUBLE_EQ(map.apply(3), 2.5);
  EXPECT_DOUBLE_EQ(map.apply(1), 1.5) << "below the first knot: its value";
  EXPECT_DOUBLE_EQ(map.apply(5), 4.5) << "above the last knot: its value";
  EXPECT_TRUE(std::isnan(map.apply(NAN)));
}

TEST(LinearCalibration, RecoversAnExactLineAndClampsToTheScale) {
  CalibrationData d;
  d.jury = {1, 2, 3, 4, 5};
  for (double x : d.jury)
    d.expert.push_back(-1 + 1.25 * x);
  Result<CalibrationMap> map = fit_linear(d);
  ASSERT_TRUE(map.ok());
  EXPECT_NEAR(map->intercept, -1, 1e-12);
  EXPECT_NEAR(map->slope, 1.25, 1e-12);
  EXPECT_DOUBLE_EQ(map->apply(3), 2.75);
  EXPECT_DOUBLE_EQ(map->apply(1), 1.0) << "0.25 clamps to 1";
  EXPECT_DOUBLE_EQ(map->apply(5), 5.0);
}

TEST(LinearCalibration, WeightsCountAsRepeatedItems) {
  CalibrationData weighted, repeated;
  weighted.jury = {1, 2, 4};
  weighted.expert = {2, 2, 5};
  weighted.weight = {1, 3, 2};
  repeated.jury = {1, 2, 2, 2, 4, 4};
  repeated.expert = {2, 2, 2, 2, 5, 5};
  const CalibrationMap a = *fit_linear(weighted), b = *fit_linear(repeated);
  EXPECT_NEAR(a.slope, b.slope, 1e-12);
  EXPECT_NEAR(a.intercept, b.intercept, 1e-12);
}

TEST(LinearCalibration, RejectsConstantJuryScores) {
  CalibrationData d;
  d.jury = {3, 3, 3};
  d.expert = {2, 3, 4};
  EXPECT_FALSE(fit_linear(d).ok());
  EXPECT_TRUE(fit_isotonic(d).ok()) << "isotonic is defined: one knot at the mean";
  // A constant that is not exactly representable, with weights: the weighted mean can be off by
  // an ulp, which must not turn into a slope.
  d.jury = {10.0 / 3, 10.0 / 3, 10.0 / 3};
  d.weight = {0.1, 0.7, 0.3};
  EXPECT_FALSE(fit_linear(d).ok());
}

TEST(CalibrationData, RejectsMalformedInput) {
  CalibrationData d;
  d.jury = {1, 2};
  d.expert = {1};
  EXPECT_FALSE(fit_isotonic(d).ok());
  d.expert = {1, NAN};
  EXPECT_FALSE(fit_isotonic(d).ok());
  d.expert = {1, 2};
  d.weight = {1, 0};
  EXPECT_FALSE(fit_linear(d).ok());
  EXPECT_FALSE(fit_isotonic(CalibrationData{}).ok());
}

TEST(Calibration, KeepsRawNextToCalibrated) {
  CalibrationMap map;
  map.method = CalibrationMethod::linear;
  map.intercept = 0.5;
  map.slope = 1;
  const auto scores = apply_calibration(map, {2.0, 4.75});
  ASSERT_EQ(scores.size(), 2u);
  EXPECT_DOUBLE_EQ(scores[0].raw, 2.0);
  EXPECT_DOUBLE_EQ(scores[0].calibrated, 2.5);
  EXPECT_DOUBLE_EQ(scores[1].raw, 4.75);
  EXPECT_DOUBLE_EQ(scores[1].calibrated, 5.0);
}

// A lenient jury: experts score one point lower, plus noise.
CalibrationData lenient_jury(size_t n, uint64_t seed) {
  Rng rng(seed);
  CalibrationData d;
  for (size_t i = 0; i < n; ++i) {
    const double expert = 1 + rng.below(4);
    d.expert.push_back(expert);
    d.jury.push_back(std::min(5.0, expert + 1 + (rng.below(3) == 0 ? 0.34 : 0.0)));
  }
  return d;
}

TEST(CalibrationCrossValidation, CalibrationBeatsRawScoresOfALenientJury) {
  const CalibrationData d = lenient_jury(200, 9);
  const auto raw = cross_validate(d, CalibrationMethod::identity, 5, 1);
  const auto linear = cross_validate(d, CalibrationMethod::linear, 5, 1);
  const auto isotonic = cross_validate(d, CalibrationMethod::isotonic, 5, 1);
  ASSERT_TRUE(raw.ok() && linear.ok() && isotonic.ok());
  EXPECT_GT(raw->mae, 1.0) << "raw jury scores are a point too high";
  EXPECT_LT(linear->mae, 0.3);
  EXPECT_LT(isotonic->mae, 0.3);
  EXPECT_GE(isotonic->rmse, isotonic->mae);
  EXPECT_EQ(isotonic->prediction.size(), 200u);
}

TEST(CalibrationCrossValidation, FoldsAreDeterministicGivenTheSeed) {
  // Noisy data, so that which items train which fold shows in the predictions.
  Rng rng(4);
  CalibrationData d;
  for (int i = 0; i < 60; ++i) {
    d.jury.push_back(1 + rng.below(17) * 0.25);
    d.expert.push_back(1 + rng.below(5));
  }
  const auto a = cross_validate(d, CalibrationMethod::isotonic, 4, 77);
  const auto b = cross_validate(d, CalibrationMethod::isotonic, 4, 77);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->prediction, b->prediction);
  EXPECT_EQ(a->mae, b->mae);
  bool some_seed_differs = false;
  for (uint64_t seed = 1; seed < 6 && !some_seed_differs; ++seed)
    some_seed_differs =
        cross_validate(d, CalibrationMethod::isotonic, 4, seed)->prediction != a->prediction;
  EXPECT_TRUE(some_seed_differs);
}

TEST(CalibrationCrossValidation, ItemsOfOneClusterShareAFold) {
  // Three clusters of two identical items; with three folds each fold is one whole cluster, so
  // no item is ever predicted from its twin:
  //   cluster 1 (jury 1 → 1) predicted from knots (3,3),(5,5): 3, error 2 each;
  //   cluster 5 (jury 5 → 5) predicted from knots (1,1),(3,3): 3, error 2 each;
  //   cluster 3 (jury 3 → 3) interpolated between (1,1) and (5,5): 3, error 0.
  CalibrationData d;
  d.jury = {1, 5, 3, 1, 5, 3};
  d.expert = {1, 5, 3, 1, 5, 3};
  d.cluster = {10, 50, 30, 10, 50, 30};
  const auto cv = cross_validate(d, CalibrationMethod::isotonic, 3, 123);
  ASSERT_TRUE(cv.ok()) << format_errors(cv.errors());
  EXPECT_DOUBLE_EQ(cv->mae, 8.0 / 6.0);
  EXPECT_EQ(cv->prediction, (std::vector<double>{3, 3, 3, 3, 3, 3}));
  EXPECT_FALSE(cross_validate(d, CalibrationMethod::isotonic, 4, 1).ok()) << "only 3 clusters";
}

TEST(CalibrationCrossValidation, NamesTheFoldWhoseTrainingSetCannotBeFitted) {
  CalibrationData d;
  d.jury = {3, 3, 3, 4};
  d.expert = {3, 2, 4, 4};
  // With 4 folds, the training set without the item at jury 4 is constant: no line.
  const auto cv = cross_validate(d, CalibrationMethod::linear, 4, 1);
  ASSERT_FALSE(cv.ok());
  EXPECT_NE(format_errors(cv.errors()).find("training set without fold"), std::string::npos);
  EXPECT_FALSE(cross_validate(d, CalibrationMethod::linear, 1, 1).ok()) << "one fold";
}

} // namespace
} // namespace imc::stats
