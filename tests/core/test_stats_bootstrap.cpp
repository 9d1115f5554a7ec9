// imc/stats/bootstrap.h: the paired cluster bootstrap. Checked against a naive re-implementation
// (one draw at a time, dense data), by coverage on synthetic data with a known mean, and on the
// properties the report relies on: pairing, matching, determinism.
#include "imc/stats/bootstrap.h"

#include "imc/stats/normal.h"
#include "imc/stats/random.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace imc::stats {
namespace {

CaseGroupTable dense_table(size_t cases, size_t groups, const std::vector<double> &values) {
  Result<CaseGroupTable> t = CaseGroupTable::from_dense(cases, groups, values);
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : format_errors(t.errors()));
  return std::move(t).value();
}

BootstrapResult run(const CaseGroupTable &t, const std::vector<GroupContrast> &contrasts,
                    BootstrapOptions options) {
  Result<BootstrapResult> r = bootstrap_means(t, contrasts, options);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : format_errors(r.errors()));
  return r.ok() ? std::move(r).value() : BootstrapResult{};
}

TEST(BootstrapTable, BuilderSumsTheObservationsOfOneCell) {
  CaseGroupTableBuilder builder(3, 2);
  builder.add(0, 1, 2.0);
  builder.add(2, 1, 3.0, 2.0); // weight 2
  builder.add(0, 1, 4.0);
  builder.add(0, 0, 5.0);
  Result<CaseGroupTable> t = builder.build();
  ASSERT_TRUE(t.ok()) << format_errors(t.errors());
  EXPECT_EQ(t->cases(), 3u);
  EXPECT_EQ(t->cells(), 3u);
  EXPECT_EQ(t->row_begin(), (std::vector<uint32_t>{0, 2, 2, 3}));
  EXPECT_EQ(t->cell_group(), (std::vector<uint32_t>{0, 1, 1}));
  EXPECT_EQ(t->cell_sums(), (std::vector<double>{5, 1, 6, 2, 6, 2}));
  EXPECT_DOUBLE_EQ(t->mean(1), 12.0 / 4.0);
  EXPECT_EQ(t->cases_with(1), 2u);
}

TEST(BootstrapTable, FromDenseTreatsNaNAsAbsent) {
  const CaseGroupTable t = dense_table(2, 2, {1.0, NAN, 3.0, 4.0});
  EXPECT_EQ(t.cells(), 3u);
  EXPECT_DOUBLE_EQ(t.mean(0), 2.0);
  EXPECT_DOUBLE_EQ(t.mean(1), 4.0);
  EXPECT_FALSE(CaseGroupTable::from_dense(2, 2, {1.0, 2.0, 3.0}).ok());
  EXPECT_FALSE(CaseGroupTable::from_dense(1, 1, {INFINITY}).ok());
  EXPECT_FALSE(CaseGroupTable::from_dense(0, 1, {}).ok());
}

TEST(BootstrapTable, BuilderNamesBadObservations) {
  CaseGroupTableBuilder builder(2, 2);
  builder.add(0, 0, 1.0);
  builder.add(2, 0, 1.0);
  builder.add(0, 2, 1.0);
  builder.add(1, 1, NAN);
  builder.add(1, 1, 1.0, 0.0);
  Result<CaseGroupTable> t = builder.build();
  ASSERT_FALSE(t.ok());
  ASSERT_EQ(t.errors().size(), 4u);
  EXPECT_EQ(t.errors()[0].pointer, "observation 1");
  EXPECT_NE(t.errors()[0].expected.find("case index below 2"), std::string::npos);
  EXPECT_NE(t.errors()[1].expected.find("group index"), std::string::npos);
  EXPECT_NE(t.errors()[3].expected.find("weight"), std::string::npos);
}

// --- An independent, naive implementation ------------------------------------------------------
// Dense values[c * groups + g] (NaN = absent, weight 1); each replicate draws `cases` indices
// one after the other from Rng(seed), exactly the documented stream, and averages the drawn
// cases' values directly. Quantiles: linear interpolation between order statistics.

double naive_quantile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const double h = (double(v.size()) - 1) * p;
  const size_t lo = size_t(h);
  return lo + 1 < v.size() ? v[lo] + (h - double(lo)) * (v[lo + 1] - v[lo]) : v[lo];
}

struct NaiveInterval {
  double estimate, lower, upper;
};

// Mean of group g over the cases in `pick` (with repetition); NaN when none has it.
double naive_mean(const std::vector<double> &values, size_t groups, size_t g,
                  const std::vector<size_t> &pick) {
  double sum = 0, n = 0;
  for (size_t c : pick)
    if (!std::isnan(values[c * groups + g])) {
      sum += values[c * groups + g];
      n += 1;
    }
  return n > 0 ? sum / n : NAN;
}

// statistic(pick) for every replicate, then the interval (BCa: z0 from the share below the
// estimate, acceleration from leaving each case out in turn).
template <class Statistic>
NaiveInterval naive_interval(size_t cases, size_t replicates, uint64_t seed, bool bca,
                             Statistic statistic) {
  std::vector<size_t> all(cases);
  for (size_t c = 0; c < cases; ++c)
    all[c] = c;
  const double estimate = statistic(all);
  Rng rng(seed);
  std::vector<double> series;
  std::vector<size_t> pick(cases);
  for (size_t b = 0; b < replicates; ++b) {
    for (size_t i = 0; i < cases; ++i)
      pick[i] = rng.below(uint32_t(cases));
    const double v = statistic(pick);
    if (!std::isnan(v))
      series.push_back(v);
  }
  double p_lo = 0.025, p_hi = 0.975;
  if (bca) {
    double below = 0;
    for (double v : series)
      below += v < estimate ? 1.0 : v == estimate ? 0.5 : 0.0;
    const double z0 = normal_quantile(below / double(series.size()));
    std::vector<double> jack;
    for (size_t leave = 0; leave < cases; ++leave) {
      std::vector<size_t> rest;
      for (size_t c = 0; c < cases; ++c)
        if (c != leave)
          rest.push_back(c);
      jack.push_back(statistic(rest));
    }
    double mean = 0;
    for (double j : jack)
      mean += j / double(cases);
    double s2 = 0, s3 = 0;
    for (double j : jack) {
      s2 += (mean - j) * (mean - j);
      s3 += (mean - j) * (mean - j) * (mean - j);
    }
    const double a = s2 > 0 ? s3 / (6 * std::pow(s2, 1.5)) : 0;
    auto adjust = [&](double p) {
      const double t = z0 + normal_quantile(p);
      return normal_cdf(z0 + t / (1 - a * t));
    };
    p_lo = adjust(0.025);
    p_hi = adjust(0.975);
  }
  return {estimate, naive_quantile(series, p_lo), naive_quantile(series, p_hi)};
}

void expect_matches_naive(const IntervalMethod method) {
  constexpr size_t kCases = 40, kGroups = 3, kReplicates = 37; // 37: a partial block of lanes
  Rng data(99);
  std::vector<double> values(kCases * kGroups);
  for (size_t c = 0; c < kCases; ++c) {
    const double effect = data.below(3);
    values[c * kGroups + 0] = 1 + effect + data.below(3);
    values[c * kGroups + 1] = 2 + effect + data.below(2) * 0.5;
    values[c * kGroups + 2] = data.below(4) == 0 ? 5.0 - effect : NAN; // a sparse stratum
  }
  const CaseGroupTable table = dense_table(kCases, kGroups, values);
  BootstrapOptions options;
  options.replicates = kReplicates;
  options.seed = 2024;
  options.method = method;
  const BootstrapResult r = run(table, {{0, 1, false}}, options);
  ASSERT_EQ(r.groups.size(), kGroups);
  const bool bca = method == IntervalMethod::bca;
  for (size_t g = 0; g < kGroups; ++g) {
    const NaiveInterval n = naive_interval(
        kCases, kReplicates, options.seed, bca,
        [&](const std::vector<size_t> &pick) { return naive_mean(values, kGroups, g, pick); });
    EXPECT_NEAR(r.groups[g].estimate, n.estimate, 1e-12) << "group " << g;
    EXPECT_NEAR(r.groups[g].lower, n.lower, 1e-9) << "group " << g;
    EXPECT_NEAR(r.groups[g].upper, n.upper, 1e-9) << "group " << g;
    EXPECT_EQ(r.groups[g].method, method) << "group " << g;
  }
  const NaiveInterval d =
      naive_interval(kCases, kReplicates, options.seed, bca, [&](const std::vector<size_t> &pick) {
        return naive_mean(values, kGroups, 0, pick) - naive_mean(values, kGroups, 1, pick);
      });
  EXPECT_NEAR(r.contrasts[0].estimate, d.estimate, 1e-12);
  EXPECT_NEAR(r.contrasts[0].lower, d.lower, 1e-9);
  EXPECT_NEAR(r.contrasts[0].upper, d.upper, 1e-9);
}

TEST(Bootstrap, PercentileIntervalsMatchANaiveOneDrawAtATimeImplementation) {
  expect_matches_naive(IntervalMethod::percentile);
}

TEST(Bootstrap, BcaIntervalsMatchANaiveImplementationWithAFullJackknife) {
  expect_matches_naive(IntervalMethod::bca);
}

TEST(Bootstrap, SameSeedSameNumbersOtherSeedOtherNumbers) {
  Rng data(5);
  std::vector<double> values(300 * 2);
  for (double &v : values)
    v = 1 + data.below(5);
  const CaseGroupTable table = dense_table(300, 2, values);
  BootstrapOptions options;
  options.seed = 17;
  const BootstrapResult a = run(table, {{0, 1}}, options), b = run(table, {{0, 1}}, options);
  for (size_t g = 0; g < 2; ++g) {
    EXPECT_EQ(a.groups[g].lower, b.groups[g].lower);
    EXPECT_EQ(a.groups[g].upper, b.groups[g].upper);
    EXPECT_EQ(a.groups[g].standard_error, b.groups[g].standard_error);
  }
  EXPECT_EQ(a.contrasts[0].lower, b.contrasts[0].lower);
  options.seed = 18;
  const BootstrapResult c = run(table, {{0, 1}}, options);
  EXPECT_NE(a.groups[0].lower, c.groups[0].lower);
  EXPECT_EQ(a.groups[0].estimate, c.groups[0].estimate);
}

TEST(Bootstrap, AddingAGroupOrContrastChangesNoOtherNumber) {
  Rng data(6);
  std::vector<double> one(80), two(160);
  for (size_t c = 0; c < 80; ++c) {
    one[c] = two[2 * c] = 1 + data.below(5);
    two[2 * c + 1] = 1 + data.below(5);
  }
  const BootstrapResult a = run(dense_table(80, 1, one), {}, {});
  const BootstrapResult b = run(dense_table(80, 2, two), {{1, 0}}, {});
  EXPECT_EQ(a.groups[0].lower, b.groups[0].lower);
  EXPECT_EQ(a.groups[0].upper, b.groups[0].upper);
}

TEST(Bootstrap, PairedDifferenceOfAConstantShiftHasZeroWidth) {
  // Model B scores exactly 0.5 above model A on every case; both vary a lot across cases.
  Rng data(8);
  std::vector<double> values;
  for (int c = 0; c < 200; ++c) {
    const double a = 1 + data.below(5);
    values.push_back(a);
    values.push_back(a + 0.5);
  }
  const BootstrapResult r = run(dense_table(200, 2, values), {{1, 0}}, {});
  EXPECT_GT(r.groups[0].upper - r.groups[0].lower, 0.2) << "each model alone is uncertain";
  EXPECT_NEAR(r.contrasts[0].estimate, 0.5, 1e-12);
  EXPECT_NEAR(r.contrasts[0].lower, 0.5, 1e-12);
  EXPECT_NEAR(r.contrasts[0].upper, 0.5, 1e-12);
  EXPECT_NEAR(r.contrasts[0].standard_error, 0.0, 1e-12);
  EXPECT_EQ(r.contrasts[0].replicates_used, 1000u);

  BootstrapOptions bca;
  bca.method = IntervalMethod::bca;
  const BootstrapResult rb = run(dense_table(200, 2, values), {{1, 0}}, bca);
  EXPECT_NEAR(rb.contrasts[0].lower, 0.5, 1e-12);
  EXPECT_NEAR(rb.contrasts[0].upper, 0.5, 1e-12);
}

TEST(Bootstrap, MatchedAblationDeltaUsesOnlyCasesWithBothConditions) {
  // Group 0 = full context on cases 0..9; group 1 = no image, run on cases 0..6 only, always
  // 0.5 below full there. Cases 7..9 (full only) score 1.
  std::vector<double> values;
  for (int c = 0; c < 10; ++c) {
    values.push_back(c < 7 ? 4.0 : 1.0);
    values.push_back(c < 7 ? 3.5 : NAN);
  }
  const CaseGroupTable table = dense_table(10, 2, values);
  const BootstrapResult r = run(table, {{1, 0, true}, {1, 0, false}}, {});
  const BootstrapInterval &matched = r.contrasts[0], &unmatched = r.contrasts[1];
  EXPECT_NEAR(matched.estimate, -0.5, 1e-12);
  EXPECT_NEAR(matched.lower, -0.5, 1e-12);
  EXPECT_NEAR(matched.upper, -0.5, 1e-12);
  EXPECT_EQ(matched.cases, 7u);
  EXPECT_NEAR(unmatched.estimate, 3.5 - 3.1, 1e-12); // full mean (7·4 + 3·1)/10 = 3.1
  EXPECT_GT(unmatched.upper - unmatched.lower, 0.1);
  EXPECT_EQ(unmatched.cases, 10u);
  EXPECT_NEAR(r.groups[0].estimate, 3.1, 1e-12) << "groups themselves are not restricted";
}

TEST(Bootstrap, GroupsAbsentFromAReplicateAreSkippedThere) {
  std::vector<double> values(50 * 2, NAN);
  for (int c = 0; c < 50; ++c)
    values[2 * c] = 3;
  values[2 * 7 + 1] = 4; // group 1: a single case
  const CaseGroupTable table = dense_table(50, 2, values);
  CaseGroupTableBuilder empty_group(50, 3);
  empty_group.add(0, 0, 1.0);
  const BootstrapResult r = run(table, {}, {});
  EXPECT_EQ(r.groups[0].replicates_used, 1000u);
  // P(case 7 drawn at least once) = 1 − (49/50)^50 ≈ 0.636.
  EXPECT_GT(r.groups[1].replicates_used, 560u);
  EXPECT_LT(r.groups[1].replicates_used, 710u);
  EXPECT_DOUBLE_EQ(r.groups[1].lower, 4.0);
  EXPECT_EQ(r.groups[1].cases, 1u);
  const BootstrapResult e = run(*empty_group.build(), {{2, 0}}, {});
  EXPECT_TRUE(std::isnan(e.groups[2].estimate));
  EXPECT_TRUE(std::isnan(e.groups[2].lower));
  EXPECT_EQ(e.groups[2].replicates_used, 0u);
  EXPECT_TRUE(std::isnan(e.contrasts[0].estimate));
}

TEST(Bootstrap, RejectsBadOptions) {
  const CaseGroupTable table = dense_table(3, 1, {1, 2, 3});
  BootstrapOptions options;
  options.replicates = 0;
  EXPECT_FALSE(bootstrap_means(table, {}, options).ok());
  options.replicates = 10;
  options.confidence = 1.0;
  EXPECT_FALSE(bootstrap_means(table, {}, options).ok());
  options.confidence = 0.9;
  EXPECT_FALSE(bootstrap_means(table, {{0, 1}}, options).ok()) << "no group 1";
  EXPECT_TRUE(bootstrap_means(table, {{0, 0}}, options).ok());
}

// --- Coverage on synthetic data with a known mean ----------------------------------------------

// Rubric-like scores: P(1..5) = .10 .20 .30 .25 .15, mean 3.15.
double draw_score(Rng &rng) {
  const uint32_t u = rng.below(100);
  return u < 10 ? 1 : u < 30 ? 2 : u < 60 ? 3 : u < 85 ? 4 : 5;
}

TEST(Bootstrap, PercentileIntervalCoversTheTrueMeanAboutNinetyFivePercentOfTheTime) {
  constexpr int kSimulations = 400;
  constexpr size_t kCases = 100;
  Rng data(400);
  int covered = 0;
  for (int s = 0; s < kSimulations; ++s) {
    std::vector<double> values(kCases);
    for (double &v : values)
      v = draw_score(data);
    BootstrapOptions options;
    options.seed = 1000 + uint64_t(s);
    const BootstrapResult r = run(dense_table(kCases, 1, values), {}, options);
    covered += r.groups[0].lower <= 3.15 && 3.15 <= r.groups[0].upper;
  }
  const double coverage = double(covered) / kSimulations;
  EXPECT_GE(coverage, 0.92);
  EXPECT_LE(coverage, 0.98);
}

TEST(Bootstrap, ResamplingCasesCoversClusteredVerdictsAndResamplingVerdictsDoesNot) {
  // Four verdicts per case, strongly correlated within the case (case effect −1/0/+1, verdict
  // noise ±0.5; intra-case correlation ≈ 0.73), true mean 3. Treating verdicts as independent
  // understates the standard error by about sqrt(1 + 3·0.73) ≈ 1.8.
  constexpr int kSimulations = 400;
  constexpr size_t kCases = 60, kVerdicts = 4;
  Rng data(73);
  int covered_cases = 0, covered_verdicts = 0;
  for (int s = 0; s < kSimulations; ++s) {
    CaseGroupTableBuilder by_case(kCases, 1), by_verdict(kCases * kVerdicts, 1);
    for (size_t c = 0; c < kCases; ++c) {
      const double effect = double(data.below(3)) - 1;
      for (size_t v = 0; v < kVerdicts; ++v) {
        const double score = 3 + effect + (data.below(2) ? 0.5 : -0.5);
        by_case.add(c, 0, score);
        by_verdict.add(c * kVerdicts + v, 0, score);
      }
    }
    BootstrapOptions options;
    options.seed = 5000 + uint64_t(s);
    options.replicates = 500; // halves the run time; ample for a 95% percentile interval
    const BootstrapInterval a = run(*by_case.build(), {}, options).groups[0];
    const BootstrapInterval b = run(*by_verdict.build(), {}, options).groups[0];
    covered_cases += a.lower <= 3 && 3 <= a.upper;
    covered_verdicts += b.lower <= 3 && 3 <= b.upper;
  }
  const double coverage = double(covered_cases) / kSimulations;
  EXPECT_GE(coverage, 0.92);
  EXPECT_LE(coverage, 0.98);
  EXPECT_LT(double(covered_verdicts) / kSimulations, 0.85);
}

TEST(Bootstrap, BcaCoversTheMeanOfSkewedDataAndReachesFurtherIntoTheLongTail) {
  // Exponential(1) values (skewness 2), true mean 1.
  constexpr int kSimulations = 400;
  constexpr size_t kCases = 60;
  Rng data(1987);
  int covered = 0;
  double upper_shift = 0;
  for (int s = 0; s < kSimulations; ++s) {
    std::vector<double> values(kCases);
    for (double &v : values)
      v = -std::log(1 - data.uniform01());
    const CaseGroupTable table = dense_table(kCases, 1, values);
    BootstrapOptions options;
    options.seed = 9000 + uint64_t(s);
    options.method = IntervalMethod::bca;
    const BootstrapInterval bca = run(table, {}, options).groups[0];
    options.method = IntervalMethod::percentile;
    const BootstrapInterval percentile = run(table, {}, options).groups[0];
    EXPECT_EQ(bca.method, IntervalMethod::bca);
    covered += bca.lower <= 1 && 1 <= bca.upper;
    upper_shift += bca.upper - percentile.upper;
  }
  const double coverage = double(covered) / kSimulations;
  EXPECT_GE(coverage, 0.92);
  EXPECT_LE(coverage, 0.98);
  EXPECT_GT(upper_shift / kSimulations, 0.0);
}

} // namespace
} // namespace imc::stats
