#pragma once
// Agreement between raters (jurors, or experts) who scored the same units: Krippendorff's alpha
// and Fleiss' kappa. Definitions, missing-data rules and references: docs/STATISTICS.md.
#include "imc/result.h"

#include <cstddef>
#include <optional>
#include <vector>

namespace imc::stats {

// Ratings of units (rows) by raters (columns): ratings[unit][rater]. nullopt = the rater gave no
// usable rating (an unparseable or failed verdict). Rows may be shorter than others; a rater
// missing at the end of a row is the same as nullopt.
using RatingMatrix = std::vector<std::vector<std::optional<double>>>;

// Level of measurement, which fixes the difference function δ²(c, k) between two values.
enum class Metric {
  nominal,  // 0 if c == k, else 1
  ordinal,  // (Σ_{g between c and k} n_g − (n_c + n_k)/2)², n_g = frequency of value g
  interval, // (c − k)²
  ratio,    // ((c − k) / (c + k))²; values must be >= 0
};

struct KrippendorffAlpha {
  double alpha = 0;                 // 1 − D_o / D_e
  double observed_disagreement = 0; // D_o = (1/n) Σ_ck o_ck δ²_ck
  double expected_disagreement = 0; // D_e = 1/(n(n−1)) Σ_ck n_c n_k δ²_ck
  size_t pairable_values = 0;       // n: values in units that hold at least two values
  size_t units_used = 0;            // units that hold at least two values
};

// Krippendorff's alpha through the coincidence matrix (Krippendorff 2011, "Computing
// Krippendorff's Alpha-Reliability"). Units with fewer than two values are not pairable and are
// left out; every other missing value is simply absent (no imputation).
// Errors: a non-finite value; a negative value with Metric::ratio; no unit with two values;
// no variation among the pairable values (D_e = 0, alpha undefined).
// Cost: O(Σ_u m_u log m_u + k²) time and O(k²) memory for k distinct values.
Result<KrippendorffAlpha> krippendorff_alpha(const RatingMatrix &ratings, Metric metric);

struct FleissKappa {
  double kappa = 0;              // (P̄ − P̄_e) / (1 − P̄_e)
  double observed_agreement = 0; // P̄: mean over items of the share of agreeing rater pairs
  double expected_agreement = 0; // P̄_e = Σ_j p_j², p_j = share of all ratings in category j
  size_t raters = 0;             // n, ratings per item
  size_t items_used = 0;         // N
  size_t items_skipped = 0;      // items left out because a rating was missing
};

// Fleiss' kappa (Fleiss 1971) from a table counts[item][category] = how many raters put the item
// in the category. Every row must sum to the same n >= 2.
// Errors: no items; rows of different lengths; rows with different sums, or a sum below 2;
// all ratings in one category (P̄_e = 1, kappa undefined).
Result<FleissKappa> fleiss_kappa_from_counts(const std::vector<std::vector<size_t>> &counts);

// Fleiss' kappa from a rating matrix whose values are categories (compared exactly). Fleiss'
// kappa assumes the same number of raters for every item, so only COMPLETE items are used: an
// item with any missing rating (nullopt, or a row shorter than the longest) is skipped and
// counted in items_skipped. For data with missing ratings, prefer krippendorff_alpha with
// Metric::nominal, which uses every pairable value.
// Errors: fewer than two raters; no complete item; a non-finite value; kappa undefined.
Result<FleissKappa> fleiss_kappa(const RatingMatrix &ratings);

} // namespace imc::stats
