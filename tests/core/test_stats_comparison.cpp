// imc/stats/comparison.h: the jury against the experts. Published examples first, then
// independent computations on random data.
#include "imc/stats/comparison.h"

#include "imc/stats/random.h"

#include <gtest/gtest.h>

#include <cmath>

namespace imc::stats {
namespace {

// Expands a contingency table (rows = first rater's category 1..k, columns = second's) into
// paired scores.
void expand(const std::vector<std::vector<int>> &table, std::vector<int> &a, std::vector<int> &b) {
  for (size_t i = 0; i < table.size(); ++i)
    for (size_t j = 0; j < table[i].size(); ++j)
      for (int n = 0; n < table[i][j]; ++n) {
        a.push_back(int(i) + 1);
        b.push_back(int(j) + 1);
      }
}

double kappa_of(const std::vector<int> &a, const std::vector<int> &b, KappaWeights w) {
  Result<double> k = cohen_kappa(a, b, w);
  EXPECT_TRUE(k.ok()) << (k.ok() ? "" : format_errors(k.errors()));
  return k.ok() ? *k : NAN;
}

TEST(CohenKappa, MatchesTheWikipediaYesNoExample) {
  // Wikipedia, "Cohen's kappa", simple example: 50 grant proposals, two readers; yes/yes 20,
  // yes/no 5, no/yes 10, no/no 15. p_o = 0.7, p_e = 0.5, κ = 0.4.
  std::vector<int> a, b;
  expand({{20, 5}, {10, 15}}, a, b);
  EXPECT_NEAR(kappa_of(a, b, KappaWeights::unweighted), 0.4, 1e-12);
}

TEST(CohenKappa, MatchesTheSasPrintoutExample) {
  // SAS PROC FREQ AGREE printout for the 3×3 table below, as checked in statsmodels'
  // test_inter_rater.py: simple kappa 0.4842; weighted kappa with SAS's default
  // Cicchetti–Allison (linear) weights 0.4701.
  std::vector<int> a, b;
  expand({{0, 4, 1}, {0, 8, 0}, {0, 1, 5}}, a, b);
  EXPECT_NEAR(kappa_of(a, b, KappaWeights::unweighted), 0.4842, 0.00005);
  EXPECT_NEAR(kappa_of(a, b, KappaWeights::linear), 0.4701, 0.00005);
  // Quadratic, derived by hand (n = 19, rows 5/8/6, columns 0/13/6):
  //   Σ w·observed = 4·1 + 1·4 + 1·1 = 9            → 9/19
  //   Σ w·expected = Σ_ij (i−j)² r_i c_j / n: row 1: 5·(13·1 + 6·4) = 185; row 2: 8·(6·1) = 48;
  //                  row 3: 6·(13·1) = 78; total 311 → 311/361
  //   κ_q = 1 − (9/19)/(311/361) = 1 − 171/311 = 140/311 ≈ 0.4502
  EXPECT_NEAR(kappa_of(a, b, KappaWeights::quadratic), 140.0 / 311.0, 1e-12);
}

TEST(CohenKappa, MatchesTheIrrPackageOnTheAnxietyData) {
  // R package irr, data `anxiety` (20 subjects, raters 2 and 3), kappa2(): unweighted
  // −0.006289308, "equal" (linear) 0.1459075, "squared" (quadratic) 0.2520325 = 31/123.
  // irr weights by factor level; the raters used the levels 1, 2, 3, 4, 6 (5 unused), so 6 is
  // the fifth level and is mapped to 5 here.
  const std::vector<int> rater2 = {3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4};
  const std::vector<int> rater3 = {2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2};
  std::vector<int> a, b;
  for (size_t i = 0; i < rater2.size(); ++i) {
    a.push_back(rater2[i] == 6 ? 5 : rater2[i]);
    b.push_back(rater3[i] == 6 ? 5 : rater3[i]);
  }
  EXPECT_NEAR(kappa_of(a, b, KappaWeights::unweighted), -0.006289308, 5e-10);
  EXPECT_NEAR(kappa_of(a, b, KappaWeights::linear), 0.1459075, 5e-8);
  EXPECT_NEAR(kappa_of(a, b, KappaWeights::quadratic), 31.0 / 123.0, 1e-12);
}

TEST(CohenKappa, QuadraticKappaOfAHandWorkedExample) {
  // jury {1, 2, 3, 4}, expert {1, 3, 3, 5}.
  //   observed:  mean (j − e)² = (0 + 1 + 0 + 1)/4 = 0.5
  //   expected:  mean over all 16 (j_i, e_k) of (j_i − e_k)²
  //              = var(j) + var(e) + (mean j − mean e)² = 1.25 + 2 + 0.25 = 3.5
  //   κ_q = 1 − 0.5/3.5 = 6/7
  EXPECT_NEAR(kappa_of({1, 2, 3, 4}, {1, 3, 3, 5}, KappaWeights::quadratic), 6.0 / 7.0, 1e-15);
}

// Brute force from the definition: observed = mean over items of w(a_i, b_i); expected = mean
// over ALL n² cross pairs (a_i, b_k) of w — the product of the margins, without building them.
double brute_force_kappa(const std::vector<int> &a, const std::vector<int> &b, KappaWeights w) {
  auto weight = [&](int x, int y) {
    const double d = std::abs(x - y);
    return w == KappaWeights::unweighted ? (d == 0 ? 0.0 : 1.0)
           : w == KappaWeights::linear   ? d
                                         : d * d;
  };
  double observed = 0, expected = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    observed += weight(a[i], b[i]);
    for (size_t k = 0; k < b.size(); ++k)
      expected += weight(a[i], b[k]);
  }
  const double n = double(a.size());
  return 1 - (observed / n) / (expected / (n * n));
}

TEST(CohenKappa, AgreesWithBruteForceAndTheQuadraticIdentityOnRandomData) {
  Rng rng(1968);
  for (int trial = 0; trial < 100; ++trial) {
    const size_t n = 2 + rng.below(60);
    std::vector<int> jury(n), expert(n);
    for (size_t i = 0; i < n; ++i) {
      expert[i] = 1 + int(rng.below(5));
      const int noise = int(rng.below(3)) - 1;
      jury[i] = std::clamp(expert[i] + (rng.below(2) ? noise : 0), 1, 5);
    }
    for (KappaWeights w :
         {KappaWeights::unweighted, KappaWeights::linear, KappaWeights::quadratic}) {
      Result<double> k = cohen_kappa(jury, expert, w);
      if (!k.ok())
        continue; // both constant and equal
      EXPECT_NEAR(*k, brute_force_kappa(jury, expert, w), 1e-12) << "trial " << trial;
    }
    // Quadratic kappa = 2 s_je / (s_j² + s_e² + (mean j − mean e)²), moments with 1/n
    // (Fleiss & Cohen 1973).
    Result<double> kq = cohen_kappa(jury, expert, KappaWeights::quadratic);
    if (!kq.ok())
      continue;
    double mj = 0, me = 0;
    for (size_t i = 0; i < n; ++i) {
      mj += jury[i];
      me += expert[i];
    }
    mj /= double(n);
    me /= double(n);
    double sjj = 0, see = 0, sje = 0;
    for (size_t i = 0; i < n; ++i) {
      sjj += (jury[i] - mj) * (jury[i] - mj) / double(n);
      see += (expert[i] - me) * (expert[i] - me) / double(n);
      sje += (jury[i] - mj) * (expert[i] - me) / double(n);
    }
    EXPECT_NEAR(*kq, 2 * sje / (sjj + see + (mj - me) * (mj - me)), 1e-12) << "trial " << trial;
  }
}

TEST(CohenKappa, RejectsScoresOutsideTheScaleAndUndefinedKappa) {
  Result<double> out_of_range = cohen_kappa({1, 6}, {1, 2}, KappaWeights::quadratic);
  ASSERT_FALSE(out_of_range.ok());
  EXPECT_NE(format_errors(out_of_range.errors()).find("index 1"), std::string::npos);
  EXPECT_FALSE(cohen_kappa({3, 3}, {3, 3}, KappaWeights::unweighted).ok());
  EXPECT_FALSE(cohen_kappa({1, 2}, {1}, KappaWeights::unweighted).ok());
  EXPECT_FALSE(cohen_kappa(std::vector<int>{}, std::vector<int>{}, KappaWeights::linear).ok());
}

// Anscombe (1973), "Graphs in statistical analysis": four data sets, each with r = 0.816.
const std::vector<double> kAnscombeX = {10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5};
const std::vector<double> kAnscombeY1 = {8.04, 6.95, 7.58,  8.81, 8.33, 9.96,
                                         7.24, 4.26, 10.84, 4.82, 5.68};
const std::vector<double> kAnscombeY2 = {9.14, 8.14, 8.74, 8.77, 9.26, 8.10,
                                         6.13, 3.10, 9.13, 7.26, 4.74};
const std::vector<double> kAnscombeY3 = {7.46, 6.77, 12.74, 7.11, 7.81, 8.84,
                                         6.08, 5.39, 8.15,  6.42, 5.73};
const std::vector<double> kAnscombeX4 = {8, 8, 8, 8, 8, 8, 8, 19, 8, 8, 8};
const std::vector<double> kAnscombeY4 = {6.58, 5.76,  7.71, 8.84, 8.47, 7.04,
                                         5.25, 12.50, 5.56, 7.91, 6.89};

TEST(StatsCorrelation, PearsonIsPoint816ForEachAnscombeSet) {
  // The quartet's summary table gives r = 0.816 for every set; to four places the sets are
  // 0.8164, 0.8162, 0.8163 and 0.8165 (the y values carry only two decimals).
  EXPECT_NEAR(*pearson(kAnscombeX, kAnscombeY1), 0.8164, 0.00005);
  EXPECT_NEAR(*pearson(kAnscombeX, kAnscombeY2), 0.8162, 0.00005);
  EXPECT_NEAR(*pearson(kAnscombeX, kAnscombeY3), 0.8163, 0.00005);
  EXPECT_NEAR(*pearson(kAnscombeX4, kAnscombeY4), 0.8165, 0.00005);
}

TEST(StatsCorrelation, SpearmanMatchesTheWikipediaIqTelevisionExample) {
  // Wikipedia, "Spearman's rank correlation coefficient", example: IQ against hours of TV a
  // week for ten people; Σd² = 194, ρ = 1 − 6·194/(10·99) = −29/165 ≈ −0.1758.
  const std::vector<double> iq = {106, 100, 86, 101, 99, 103, 97, 113, 112, 110};
  const std::vector<double> tv = {7, 27, 2, 50, 28, 29, 20, 12, 6, 17};
  EXPECT_NEAR(*spearman(iq, tv), -29.0 / 165.0, 1e-12);
}

TEST(StatsCorrelation, SpearmanOnAnscombeSets) {
  // Set 3: the outlier only swaps the ranks of x = 13 and x = 14, so Σd² = 2 and
  // ρ = 1 − 6·2/(11·120) = 109/110.
  EXPECT_NEAR(*spearman(kAnscombeX, kAnscombeY3), 109.0 / 110.0, 1e-12);
  // Set 4: the ten tied x = 8 share the average rank 5.5; x = 19 has rank 11, and so has its y.
  // Centred on the mean rank 6: x deviations −0.5 (×10) and 5, so Σdx² = 27.5; the other y ranks
  // 1..10 deviate by −5 in total, so Σdx·dy = −0.5·(−5) + 5·5 = 27.5; Σdy² = 110.
  // ρ = 27.5 / sqrt(27.5·110) = 0.5.
  EXPECT_NEAR(*spearman(kAnscombeX4, kAnscombeY4), 0.5, 1e-12);
}

TEST(StatsCorrelation, AverageRanksShareTies) {
  EXPECT_EQ(average_ranks({10, 20, 20, 30}), (std::vector<double>{1, 2.5, 2.5, 4}));
  EXPECT_EQ(average_ranks({3, 1, 3, 3}), (std::vector<double>{3, 1, 3, 3}));
  EXPECT_TRUE(average_ranks({}).empty());
}

TEST(StatsCorrelation, SpearmanWithoutTiesAgreesWithTheRankDifferenceFormula) {
  Rng rng(1904);
  for (int trial = 0; trial < 50; ++trial) {
    const size_t n = 3 + rng.below(40);
    std::vector<double> x(n), y(n);
    for (size_t i = 0; i < n; ++i) {
      x[i] = double(i);
      y[i] = double(i);
    }
    shuffle(x, rng);
    shuffle(y, rng);
    double d2 = 0; // ranks are the values + 1, so d = x − y
    for (size_t i = 0; i < n; ++i)
      d2 += (x[i] - y[i]) * (x[i] - y[i]);
    const double nn = double(n);
    EXPECT_NEAR(*spearman(x, y), 1 - 6 * d2 / (nn * (nn * nn - 1)), 1e-12) << "trial " << trial;
  }
}

TEST(StatsCorrelation, RejectsConstantOrShortInput) {
  EXPECT_FALSE(pearson({1, 1, 1}, {1, 2, 3}).ok());
  EXPECT_FALSE(spearman({1, 2, 3}, {4, 4, 4}).ok());
  EXPECT_FALSE(pearson({1}, {2}).ok());
  EXPECT_FALSE(pearson({1, NAN}, {2, 3}).ok());
  EXPECT_FALSE(pearson({1, 2}, {2}).ok());
}

TEST(StatsJuryExpert, ErrorAndBiasAreJuryMinusExpert) {
  EXPECT_DOUBLE_EQ(*mean_absolute_error({3, 4, 5}, {4, 4, 3}), (1 + 0 + 2) / 3.0);
  EXPECT_DOUBLE_EQ(*mean_bias({3, 4, 5}, {4, 4, 3}), (-1 + 0 + 2) / 3.0);
  EXPECT_FALSE(mean_bias({}, {}).ok());
}

TEST(StatsJuryExpert, CompareScoresSummarisesAgreement) {
  const std::vector<int> jury = {5, 4, 3, 2, 1, 5, 3};
  const std::vector<int> expert = {5, 3, 3, 4, 1, 4, 1};
  Result<JuryExpertAgreement> r = compare_scores(jury, expert);
  ASSERT_TRUE(r.ok()) << format_errors(r.errors());
  EXPECT_EQ(r->items, 7u);
  EXPECT_DOUBLE_EQ(r->exact_agreement, 3.0 / 7);      // items 0, 2, 4
  EXPECT_DOUBLE_EQ(r->within_one_agreement, 5.0 / 7); // and items 1, 5
  EXPECT_DOUBLE_EQ(r->mean_absolute_error, (0 + 1 + 0 + 2 + 0 + 1 + 2) / 7.0);
  EXPECT_DOUBLE_EQ(r->mean_bias, (0 + 1 + 0 - 2 + 0 + 1 + 2) / 7.0);
  EXPECT_EQ(r->confusion.at(5, 4), 1u);
  EXPECT_EQ(r->confusion.at(2, 4), 1u);
  EXPECT_EQ(r->confusion.at(5, 5), 1u);
  EXPECT_EQ(r->confusion.total(), 7u);
  ASSERT_TRUE(r->kappa_quadratic && r->pearson && r->spearman);
  EXPECT_NEAR(*r->kappa_quadratic, brute_force_kappa(jury, expert, KappaWeights::quadratic), 1e-12);
  EXPECT_NEAR(*r->kappa_linear, brute_force_kappa(jury, expert, KappaWeights::linear), 1e-12);
}

TEST(StatsJuryExpert, UndefinedStatisticsAreAbsentNotErrors) {
  Result<JuryExpertAgreement> r = compare_scores({4, 4, 4}, {3, 4, 5});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->pearson.has_value()) << "the jury is constant";
  EXPECT_FALSE(r->spearman.has_value());
  ASSERT_TRUE(r->kappa_quadratic.has_value());
  EXPECT_DOUBLE_EQ(*r->kappa_quadratic, 0.0) << "a constant rater agrees only by chance";
  EXPECT_FALSE(compare_scores({0}, {1}).ok());
}

} // namespace
} // namespace imc::stats
