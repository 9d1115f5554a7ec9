// imc/stats/agreement.h: Krippendorff's alpha and Fleiss' kappa against published worked
// examples, and against independent brute-force computations on random data.
#include "imc/stats/agreement.h"

#include "imc/stats/random.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace imc::stats {
namespace {

constexpr std::nullopt_t _ = std::nullopt;

// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C (any metric,
// missing data): observers A–D (rows in the paper) × units 1–12 (columns). Here transposed to
// units × raters. Unit 12 has a single value and is not pairable.
RatingMatrix krippendorff_2011_example() {
  const std::vector<std::vector<std::optional<double>>> by_observer = {
      {1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _}, // A
      {1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3}, // B
      {_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _}, // C
      {1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _}, // D
  };
  RatingMatrix units(12, std::vector<std::optional<double>>(4));
  for (size_t r = 0; r < 4; ++r)
    for (size_t u = 0; u < 12; ++u)
      units[u][r] = by_observer[r][u];
  return units;
}

double alpha_of(const RatingMatrix &m, Metric metric) {
  Result<KrippendorffAlpha> a = krippendorff_alpha(m, metric);
  EXPECT_TRUE(a.ok()) << (a.ok() ? "" : format_errors(a.errors()));
  return a.ok() ? a->alpha : NAN;
}

TEST(KrippendorffAlpha, MatchesThePublishedExampleForEveryMetric) {
  const RatingMatrix m = krippendorff_2011_example();
  // Published to three decimals (Krippendorff 2011, p. 8–9): nominal .743, ordinal .815,
  // interval .849, ratio .797.
  EXPECT_NEAR(alpha_of(m, Metric::nominal), 0.743, 0.0005);
  EXPECT_NEAR(alpha_of(m, Metric::ordinal), 0.815, 0.0005);
  EXPECT_NEAR(alpha_of(m, Metric::interval), 0.849, 0.0005);
  EXPECT_NEAR(alpha_of(m, Metric::ratio), 0.797, 0.0005);
  // Full precision, in exact rational arithmetic from the paper's coincidence matrix
  // (n = 40; n_c = 9, 13, 10, 5, 3 for values 1..5; off-diagonal coincidences sum to 8):
  // nominal α = 1 − (n − 1)·8 / (n² − Σ n_c²) = 1 − 39·8/1216 = 113/152; interval α = 951/1120.
  EXPECT_NEAR(alpha_of(m, Metric::nominal), 113.0 / 152.0, 1e-13);
  EXPECT_NEAR(alpha_of(m, Metric::interval), 951.0 / 1120.0, 1e-13);
}

TEST(KrippendorffAlpha, CountsOnlyPairableValues) {
  Result<KrippendorffAlpha> a = krippendorff_alpha(krippendorff_2011_example(), Metric::nominal);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->pairable_values, 40u); // the paper's n.. = 40
  EXPECT_EQ(a->units_used, 11u);      // unit 12 holds one value
  // Nominal: D_o = 8/40 and D_e = 1216/(40·39), as the paper derives them.
  EXPECT_NEAR(a->observed_disagreement, 8.0 / 40.0, 1e-15);
  EXPECT_NEAR(a->expected_disagreement, 1216.0 / (40.0 * 39.0), 1e-15);
  EXPECT_NEAR(a->alpha, 1 - a->observed_disagreement / a->expected_disagreement, 1e-15);
}

TEST(KrippendorffAlpha, UnitsWithOneValueAndMissingRatersChangeNothing) {
  RatingMatrix m = krippendorff_2011_example();
  const double before = alpha_of(m, Metric::ordinal);
  m.push_back({_, 5, _, _}); // a unit only one rater scored
  m.push_back({});           // a unit nobody scored
  for (auto &row : m)
    row.push_back(std::nullopt); // a fifth rater who never scored
  EXPECT_DOUBLE_EQ(alpha_of(m, Metric::ordinal), before);
}

TEST(KrippendorffAlpha, PerfectAgreementIsOne) {
  const RatingMatrix m = {{1, 1, _}, {3, 3, 3}, {_, 5, 5}, {2, 2, 2}};
  for (Metric metric : {Metric::nominal, Metric::ordinal, Metric::interval, Metric::ratio})
    EXPECT_DOUBLE_EQ(alpha_of(m, metric), 1.0);
}

TEST(KrippendorffAlpha, RejectsDataWhereAlphaIsUndefined) {
  EXPECT_FALSE(krippendorff_alpha({{3, 3}, {3, 3, _}}, Metric::interval).ok()) << "no variation";
  EXPECT_FALSE(krippendorff_alpha({{3, _}, {_, 2}}, Metric::interval).ok()) << "nothing pairable";
  EXPECT_FALSE(krippendorff_alpha({}, Metric::nominal).ok());
  EXPECT_FALSE(krippendorff_alpha({{1, NAN}, {2, 3}}, Metric::nominal).ok());
  Result<KrippendorffAlpha> negative = krippendorff_alpha({{-1, 2}, {2, 3}}, Metric::ratio);
  ASSERT_FALSE(negative.ok());
  EXPECT_NE(format_errors(negative.errors()).find("non-negative"), std::string::npos);
}

// Independent computation: alpha = 1 − (n − 1) · Σ_u (1/(m_u − 1)) Σ_{i≠j in u} δ²(v_i, v_j)
//                                             / Σ_{i≠j over all pairable values} δ²(v_i, v_j),
// every value pair enumerated directly (O(n²)), ordinal δ from counts of the pooled values.
double brute_force_alpha(const RatingMatrix &m, Metric metric) {
  std::vector<std::vector<double>> units;
  std::vector<double> pooled;
  for (const auto &row : m) {
    std::vector<double> present;
    for (const auto &v : row)
      if (v)
        present.push_back(*v);
    if (present.size() >= 2) {
      units.push_back(present);
      pooled.insert(pooled.end(), present.begin(), present.end());
    }
  }
  auto delta2 = [&](double c, double k) -> double {
    switch (metric) {
    case Metric::nominal:
      return c == k ? 0 : 1;
    case Metric::interval:
      return (c - k) * (c - k);
    case Metric::ratio:
      return c + k == 0 ? 0 : ((c - k) / (c + k)) * ((c - k) / (c + k));
    case Metric::ordinal: {
      if (c == k)
        return 0;
      const double lo = std::min(c, k), hi = std::max(c, k);
      double between = 0, n_lo = 0, n_hi = 0;
      for (double v : pooled) {
        between += (v >= lo && v <= hi);
        n_lo += v == lo;
        n_hi += v == hi;
      }
      const double d = between - (n_lo + n_hi) / 2;
      return d * d;
    }
    }
    return 0;
  };
  double within = 0;
  for (const auto &u : units) {
    double s = 0;
    for (size_t i = 0; i < u.size(); ++i)
      for (size_t j = 0; j < u.size(); ++j)
        if (i != j)
          s += delta2(u[i], u[j]);
    within += s / double(u.size() - 1);
  }
  double across = 0;
  for (size_t i = 0; i < pooled.size(); ++i)
    for (size_t j = 0; j < pooled.size(); ++j)
      if (i != j)
        across += delta2(pooled[i], pooled[j]);
  return 1 - double(pooled.size() - 1) * within / across;
}

TEST(KrippendorffAlpha, AgreesWithBruteForcePairwiseFormulaOnRandomData) {
  Rng rng(2011);
  for (int trial = 0; trial < 60; ++trial) {
    const size_t units = 3 + rng.below(25), raters = 2 + rng.below(5);
    const bool continuous = trial % 4 == 3; // some trials with many distinct values
    RatingMatrix m(units, std::vector<std::optional<double>>(raters));
    for (auto &row : m)
      for (auto &v : row)
        if (rng.below(4) != 0) // a quarter missing
          v = continuous ? std::round(rng.uniform01() * 1000) / 100 : 1.0 + rng.below(5);
    for (Metric metric : {Metric::nominal, Metric::ordinal, Metric::interval, Metric::ratio}) {
      Result<KrippendorffAlpha> a = krippendorff_alpha(m, metric);
      if (!a.ok())
        continue; // degenerate draw (nothing pairable or no variation)
      EXPECT_NEAR(a->alpha, brute_force_alpha(m, metric), 1e-10)
          << "trial " << trial << " metric " << int(metric);
    }
  }
}

// Fleiss (1971) as reproduced on Wikipedia ("Fleiss' kappa", worked example): 10 subjects,
// 14 raters, 5 categories; P̄ = 0.378, P̄_e = 0.213, κ = 0.210.
const std::vector<std::vector<size_t>> kFleissWikipedia = {
    {0, 0, 0, 0, 14}, {0, 2, 6, 4, 2}, {0, 0, 3, 5, 6}, {0, 3, 9, 2, 0}, {2, 2, 8, 1, 1},
    {7, 7, 0, 0, 0},  {3, 2, 6, 3, 0}, {2, 5, 3, 2, 2}, {6, 5, 2, 1, 0}, {0, 2, 2, 3, 7}};

TEST(FleissKappa, MatchesTheWikipediaWorkedExample) {
  Result<FleissKappa> k = fleiss_kappa_from_counts(kFleissWikipedia);
  ASSERT_TRUE(k.ok()) << format_errors(k.errors());
  EXPECT_NEAR(k->kappa, 0.210, 0.0005);
  EXPECT_NEAR(k->observed_agreement, 0.378, 0.0005);
  EXPECT_NEAR(k->expected_agreement, 0.213, 0.0005);
  EXPECT_EQ(k->raters, 14u);
  EXPECT_EQ(k->items_used, 10u);
}

// Fleiss (1971), Table 1: 30 patients × 6 psychiatrists, 5 diagnoses (the `diagnoses` data of
// R's irr package); irr::kappam.fleiss reports κ = 0.430 (0.4302445).
RatingMatrix fleiss_1971_diagnoses() {
  const int rows[30][6] = {
      {4, 4, 4, 4, 4, 4}, {2, 2, 2, 5, 5, 5}, {2, 3, 3, 3, 3, 5}, {5, 5, 5, 5, 5, 5},
      {2, 2, 2, 4, 4, 4}, {1, 1, 3, 3, 3, 3}, {3, 3, 3, 3, 5, 5}, {1, 1, 3, 3, 3, 4},
      {1, 1, 4, 4, 4, 4}, {5, 5, 5, 5, 5, 5}, {1, 4, 4, 4, 4, 4}, {1, 2, 4, 4, 4, 4},
      {2, 2, 2, 3, 3, 3}, {1, 4, 4, 4, 4, 4}, {2, 2, 4, 4, 4, 5}, {3, 3, 3, 3, 3, 5},
      {1, 1, 1, 4, 5, 5}, {1, 1, 1, 1, 1, 2}, {2, 2, 4, 4, 4, 4}, {1, 3, 3, 5, 5, 5},
      {5, 5, 5, 5, 5, 5}, {2, 4, 4, 4, 4, 4}, {2, 2, 4, 5, 5, 5}, {1, 1, 4, 4, 4, 4},
      {1, 4, 4, 4, 4, 5}, {2, 2, 2, 2, 2, 4}, {1, 1, 1, 1, 5, 5}, {2, 2, 4, 4, 4, 4},
      {1, 3, 3, 3, 3, 3}, {5, 5, 5, 5, 5, 5}};
  RatingMatrix m;
  for (const auto &row : rows)
    m.emplace_back(std::begin(row), std::end(row));
  return m;
}

TEST(FleissKappa, MatchesFleiss1971DiagnosesFromARatingMatrix) {
  Result<FleissKappa> k = fleiss_kappa(fleiss_1971_diagnoses());
  ASSERT_TRUE(k.ok()) << format_errors(k.errors());
  EXPECT_NEAR(k->kappa, 0.4302445, 5e-8);
  EXPECT_EQ(k->raters, 6u);
  EXPECT_EQ(k->items_skipped, 0u);
}

TEST(FleissKappa, SkipsItemsWithAMissingRating) {
  RatingMatrix m = fleiss_1971_diagnoses();
  const double complete = fleiss_kappa(m)->kappa;
  m.push_back({1, 2, 3, _, 5, 5}); // a failed verdict
  m.push_back({1, 1, 1});          // a short row: three raters missing
  Result<FleissKappa> k = fleiss_kappa(m);
  ASSERT_TRUE(k.ok());
  EXPECT_DOUBLE_EQ(k->kappa, complete);
  EXPECT_EQ(k->items_used, 30u);
  EXPECT_EQ(k->items_skipped, 2u);
}

// Independent computation from the definition: P_i = agreeing ordered rater pairs / all ordered
// pairs, enumerated pair by pair; p_j from the raw ratings.
double brute_force_fleiss(const std::vector<std::vector<int>> &ratings, int categories) {
  double p_bar = 0;
  std::vector<double> share(categories, 0);
  double total = 0;
  for (const auto &item : ratings) {
    double agree = 0, pairs = 0;
    for (size_t a = 0; a < item.size(); ++a) {
      share[item[a]] += 1;
      total += 1;
      for (size_t b = 0; b < item.size(); ++b)
        if (a != b) {
          pairs += 1;
          agree += item[a] == item[b];
        }
    }
    p_bar += agree / pairs;
  }
  p_bar /= double(ratings.size());
  double p_e = 0;
  for (double s : share)
    p_e += (s / total) * (s / total);
  return (p_bar - p_e) / (1 - p_e);
}

TEST(FleissKappa, AgreesWithBruteForceDefinitionOnRandomData) {
  Rng rng(1971);
  for (int trial = 0; trial < 50; ++trial) {
    const size_t items = 2 + rng.below(30), raters = 2 + rng.below(8);
    const int categories = 2 + int(rng.below(4));
    std::vector<std::vector<int>> ratings(items, std::vector<int>(raters));
    RatingMatrix m(items, std::vector<std::optional<double>>(raters));
    for (size_t i = 0; i < items; ++i)
      for (size_t r = 0; r < raters; ++r) {
        // Correlated within an item, so kappa is away from zero.
        ratings[i][r] = rng.below(3) == 0 ? int(rng.below(categories)) : int(i % categories);
        m[i][r] = ratings[i][r];
      }
    Result<FleissKappa> k = fleiss_kappa(m);
    if (!k.ok())
      continue;
    EXPECT_NEAR(k->kappa, brute_force_fleiss(ratings, categories), 1e-12) << "trial " << trial;
  }
}

TEST(FleissKappa, OnCompleteDataDiffersFromNominalAlphaOnlyBySmallSampleCorrection) {
  // With every rater on every item, D_o = 1 − P̄ and D_e = n/(n − 1)·(1 − P̄_e) for n ratings in
  // all, so α_nominal = 1 − (n − 1)/n · (1 − κ). Two independent code paths, one identity.
  const RatingMatrix m = fleiss_1971_diagnoses();
  const double kappa = fleiss_kappa(m)->kappa;
  const double n = 30 * 6;
  EXPECT_NEAR(alpha_of(m, Metric::nominal), 1 - (n - 1) / n * (1 - kappa), 1e-12);
}

TEST(FleissKappa, RejectsMalformedTables) {
  EXPECT_FALSE(fleiss_kappa_from_counts({}).ok());
  EXPECT_FALSE(fleiss_kappa_from_counts({{2, 1}, {1, 1}}).ok()) << "row sums differ";
  EXPECT_FALSE(fleiss_kappa_from_counts({{1, 0}, {0, 1}}).ok()) << "one rating per item";
  EXPECT_FALSE(fleiss_kappa_from_counts({{3, 0}, {3, 0}}).ok()) << "one category only";
  EXPECT_FALSE(fleiss_kappa({{1, _}, {_, 2}}).ok()) << "no complete item";
  EXPECT_FALSE(fleiss_kappa({{1}, {2}}).ok()) << "one rater";
}

} // namespace
} // namespace imc::stats
