#pragma once
// The jury against the experts: how closely jury scores match expert scores on the same items.
// Chance-corrected agreement (Cohen's kappa, unweighted, linear or quadratic), correlation
// (Pearson, Spearman), error (MAE, bias), agreement rates and the 5×5 confusion matrix.
// Definitions and references: docs/STATISTICS.md.
#include "imc/result.h"

#include <array>
#include <cstddef>
#include <optional>
#include <vector>

namespace imc::stats {

inline constexpr int kMinScore = 1; // rubric scores are integers 1..5
inline constexpr int kMaxScore = 5;
inline constexpr size_t kScoreLevels = kMaxScore - kMinScore + 1;

// Disagreement weights w(i, j) of Cohen's kappa, κ_w = 1 − Σ w·observed / Σ w·expected.
enum class KappaWeights {
  unweighted, // w = 0 on the diagonal, 1 elsewhere (Cohen 1960)
  linear,     // w = |i − j| (Cicchetti & Allison 1971)
  quadratic,  // w = (i − j)² (Fleiss & Cohen 1973); the usual choice for 1–5 rubric scores
};

// counts[j − 1][e − 1] = items the jury scored j and the expert scored e.
struct ConfusionMatrix {
  std::array<std::array<size_t, kScoreLevels>, kScoreLevels> counts{};

  size_t total() const;
  size_t at(int jury_score, int expert_score) const; // scores in 1..5
};

// Errors (all functions taking two sequences): lengths differ; no items; a score outside 1..5
// (the message names the index).
Result<ConfusionMatrix> confusion_matrix(const std::vector<int> &jury,
                                         const std::vector<int> &expert);

// Cohen's kappa with the given weights; the expected table is the product of the two margins.
// Weights are scale-free (κ_w does not change when w is multiplied by a constant), so w needs no
// normalisation by (k − 1). Error: the expected weighted disagreement is zero (both raters used a
// single and the same score), where kappa is undefined.
Result<double> cohen_kappa(const ConfusionMatrix &table, KappaWeights weights);
Result<double> cohen_kappa(const std::vector<int> &jury, const std::vector<int> &expert,
                           KappaWeights weights);

// 1-based ranks; tied values get the average of the ranks they span ({10, 20, 20, 30} → {1, 2.5,
// 2.5, 4}). NaN values are not allowed (the order is undefined); callers drop them first.
std::vector<double> average_ranks(const std::vector<double> &values);

// Pearson's product-moment correlation (two-pass: means first, then centred sums).
// Errors: lengths differ; fewer than two items; a non-finite value; either sequence constant.
Result<double> pearson(const std::vector<double> &x, const std::vector<double> &y);
// Spearman's rho: Pearson's r of the average ranks (so ties are handled exactly).
// Errors: as pearson.
Result<double> spearman(const std::vector<double> &x, const std::vector<double> &y);

// (1/n) Σ |jury − expert| and (1/n) Σ (jury − expert): a positive bias means the jury scores
// higher (more lenient) than the experts. Errors: lengths differ; no items; a non-finite value.
Result<double> mean_absolute_error(const std::vector<double> &jury,
                                   const std::vector<double> &expert);
Result<double> mean_bias(const std::vector<double> &jury, const std::vector<double> &expert);

// Everything above for one set of paired integer scores, e.g. the jury's majority-vote score and
// the expert's score per transcript. A statistic that is undefined for these data (a correlation
// when one side is constant, kappa when both used one and the same score) is nullopt.
struct JuryExpertAgreement {
  size_t items = 0;
  double exact_agreement = 0;      // share of items with jury == expert
  double within_one_agreement = 0; // share with |jury − expert| <= 1
  double mean_absolute_error = 0;
  double mean_bias = 0; // jury − expert
  std::optional<double> pearson;
  std::optional<double> spearman;
  std::optional<double> kappa_unweighted;
  std::optional<double> kappa_linear;
  std::optional<double> kappa_quadratic;
  ConfusionMatrix confusion;
};
Result<JuryExpertAgreement> compare_scores(const std::vector<int> &jury,
                                           const std::vector<int> &expert);

} // namespace imc::stats
