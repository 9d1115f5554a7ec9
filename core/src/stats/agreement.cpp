// Krippendorff's alpha and Fleiss' kappa (imc/stats/agreement.h).
#include "imc/stats/agreement.h"

#include "stats_error.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace imc::stats {

using detail::stats_error;

namespace {

// Squared difference δ²(c, k) between distinct values number c and k (sorted ascending), for the
// metric; `frequency` and `cumulative` (cumulative[i] = Σ_{g<i} frequency[g]) serve the ordinal
// metric.
double squared_difference(Metric metric, const std::vector<double> &value, size_t c, size_t k,
                          const std::vector<double> &frequency,
                          const std::vector<double> &cumulative) {
  if (c == k)
    return 0;
  switch (metric) {
  case Metric::nominal:
    return 1;
  case Metric::ordinal: {
    const size_t lo = std::min(c, k), hi = std::max(c, k);
    const double between =
        cumulative[hi + 1] - cumulative[lo] - (frequency[lo] + frequency[hi]) / 2;
    return between * between;
  }
  case Metric::interval: {
    const double d = value[c] - value[k];
    return d * d;
  }
  case Metric::ratio: {
    const double sum = value[c] + value[k];
    if (sum == 0)
      return 0;
    const double d = (value[c] - value[k]) / sum;
    return d * d;
  }
  }
  return 0;
}

} // namespace

Result<KrippendorffAlpha> krippendorff_alpha(const RatingMatrix &ratings, Metric metric) {
  constexpr std::string_view fn = "krippendorff_alpha";
  // Values of the pairable units, and each such unit's slice of them.
  std::vector<double> pooled;
  std::vector<size_t> unit_begin{0};
  for (size_t u = 0; u < ratings.size(); ++u) {
    size_t present = 0;
    for (size_t r = 0; r < ratings[u].size(); ++r) {
      const std::optional<double> &v = ratings[u][r];
      if (!v)
        continue;
      if (!std::isfinite(*v))
        return stats_error(fn, "finite ratings",
                           "a non-finite value at unit " + std::to_string(u) + ", rater " +
                               std::to_string(r));
      if (metric == Metric::ratio && *v < 0)
        return stats_error(fn, "non-negative ratings for the ratio metric",
                           std::to_string(*v) + " at unit " + std::to_string(u) + ", rater " +
                               std::to_string(r));
      ++present;
    }
    if (present < 2)
      continue;
    for (const std::optional<double> &v : ratings[u])
      if (v)
        pooled.push_back(*v);
    unit_begin.push_back(pooled.size());
  }
  const size_t units_used = unit_begin.size() - 1;
  if (units_used == 0)
    return stats_error(fn, "at least one unit rated by two or more raters",
                       std::to_string(ratings.size()) + " units, none with two ratings");

  std::vector<double> value = pooled;
  std::sort(value.begin(), value.end());
  value.erase(std::unique(value.begin(), value.end()), value.end());
  const size_t k = value.size();
  auto index_of = [&](double v) {
    return static_cast<size_t>(std::lower_bound(value.begin(), value.end(), v) - value.begin());
  };

  // Coincidence matrix: each unit with m values contributes every ordered pair of its values
  // (from different raters) with weight 1/(m − 1), so each value counts once in total.
  std::vector<double> coincidence(k * k, 0.0);
  std::vector<double> frequency(k, 0.0); // n_c
  std::vector<size_t> unit_index;
  std::vector<std::pair<size_t, double>> runs; // (value index, how many times in the unit)
  for (size_t u = 0; u < units_used; ++u) {
    unit_index.clear();
    for (size_t i = unit_begin[u]; i < unit_begin[u + 1]; ++i)
      unit_index.push_back(index_of(pooled[i]));
    std::sort(unit_index.begin(), unit_index.end());
    runs.clear();
    for (size_t i : unit_index) {
      if (!runs.empty() && runs.back().first == i)
        runs.back().second += 1;
      else
        runs.emplace_back(i, 1.0);
    }
    const double m_minus_1 = static_cast<double>(unit_index.size() - 1);
    for (const auto &[c, nc] : runs) {
      frequency[c] += nc;
      for (const auto &[d, nd] : runs)
        coincidence[c * k + d] += (c == d ? nc * (nc - 1) : nc * nd) / m_minus_1;
    }
  }

  std::vector<double> cumulative(k + 1, 0.0);
  for (size_t c = 0; c < k; ++c)
    cumulative[c + 1] = cumulative[c] + frequency[c];
  const double n = cumulative[k];

  double observed = 0, expected = 0;
  for (size_t c = 0; c < k; ++c)
    for (size_t d = 0; d < k; ++d) {
      if (c == d)
        continue;
      const double delta2 = squared_difference(metric, value, c, d, frequency, cumulative);
      observed += coincidence[c * k + d] * delta2;
      expected += frequency[c] * frequency[d] * delta2;
    }
  if (expected == 0)
    return stats_error(fn, "at least two different values among the pairable ratings",
                       "every pairable rating equal to " + std::to_string(value[0]));

  KrippendorffAlpha result;
  result.observed_disagreement = observed / n;
  result.expected_disagreement = expected / (n * (n - 1));
  result.alpha = 1 - result.observed_disagreement / result.expected_disagreement;
  result.pairable_values = pooled.size();
  result.units_used = units_used;
  return result;
}

Result<FleissKappa> fleiss_kappa_from_counts(const std::vector<std::vector<size_t>> &counts) {
  constexpr std::string_view fn = "fleiss_kappa";
  if (counts.empty())
    return stats_error(fn, "at least one item", "none");
  const size_t categories = counts[0].size();
  size_t raters = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (counts[i].size() != categories)
      return stats_error(fn, std::to_string(categories) + " categories in every row",
                         std::to_string(counts[i].size()) + " in row " + std::to_string(i));
    size_t sum = 0;
    for (size_t c : counts[i])
      sum += c;
    if (i == 0)
      raters = sum;
    if (sum != raters)
      return stats_error(
          fn, "the same number of ratings for every item (" + std::to_string(raters) + ")",
          std::to_string(sum) + " in row " + std::to_string(i));
  }
  if (raters < 2)
    return stats_error(fn, "at least two ratings per item", std::to_string(raters));

  const double n = static_cast<double>(raters);
  const double items = static_cast<double>(counts.size());
  std::vector<double> category_total(categories, 0.0);
  double agreement_sum = 0;
  for (const std::vector<size_t> &row : counts) {
    double agreeing_pairs = 0;
    for (size_t c = 0; c < categories; ++c) {
      const double nij = static_cast<double>(row[c]);
      agreeing_pairs += nij * (nij - 1);
      category_total[c] += nij;
    }
    agreement_sum += agreeing_pairs / (n * (n - 1));
  }
  double expected = 0;
  for (double total : category_total) {
    const double p = total / (items * n);
    expected += p * p;
  }
  if (expected >= 1)
    return stats_error(fn, "ratings in at least two categories", "every rating in one category");

  FleissKappa result;
  result.observed_agreement = agreement_sum / items;
  result.expected_agreement = expected;
  result.kappa = (result.observed_agreement - expected) / (1 - expected);
  result.raters = raters;
  result.items_used = counts.size();
  return result;
}

Result<FleissKappa> fleiss_kappa(const RatingMatrix &ratings) {
  constexpr std::string_view fn = "fleiss_kappa";
  size_t raters = 0;
  for (const auto &row : ratings)
    raters = std::max(raters, row.size());
  if (raters < 2)
    return stats_error(fn, "at least two raters", std::to_string(raters));

  std::vector<size_t> complete;
  std::vector<double> category;
  for (size_t u = 0; u < ratings.size(); ++u) {
    const auto &row = ratings[u];
    bool is_complete = row.size() == raters;
    for (size_t r = 0; r < row.size(); ++r) {
      if (!row[r]) {
        is_complete = false;
        continue;
      }
      if (!std::isfinite(*row[r]))
        return stats_error(fn, "finite ratings",
                           "a non-finite value at unit " + std::to_string(u) + ", rater " +
                               std::to_string(r));
    }
    if (!is_complete)
      continue;
    complete.push_back(u);
    for (const auto &v : row)
      category.push_back(*v);
  }
  if (complete.empty())
    return stats_error(fn, "at least one item rated by every rater",
                       std::to_string(ratings.size()) + " items, none complete");
  std::sort(category.begin(), category.end());
  category.erase(std::unique(category.begin(), category.end()), category.end());

  std::vector<std::vector<size_t>> counts(complete.size(), std::vector<size_t>(category.size(), 0));
  for (size_t i = 0; i < complete.size(); ++i)
    for (const auto &v : ratings[complete[i]]) {
      const auto c = std::lower_bound(category.begin(), category.end(), *v) - category.begin();
      ++counts[i][static_cast<size_t>(c)];
    }
  Result<FleissKappa> result = fleiss_kappa_from_counts(counts);
  if (result)
    result->items_skipped = ratings.size() - complete.size();
  return result;
}

} // namespace imc::stats
