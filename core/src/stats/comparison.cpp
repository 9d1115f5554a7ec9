// Jury-against-expert comparisons (imc/stats/comparison.h).
#include "imc/stats/comparison.h"

#include "stats_error.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <string>

namespace imc::stats {

using detail::attributed_to;
using detail::stats_error;

namespace {

Status check_pairs(std::string_view fn, size_t jury, size_t expert) {
  if (jury != expert)
    return stats_error(fn, "two sequences of the same length",
                       std::to_string(jury) + " and " + std::to_string(expert) + " values");
  if (jury == 0)
    return stats_error(fn, "at least one pair", "none");
  return ok_status();
}

Status check_scores(std::string_view fn, const std::vector<int> &jury,
                    const std::vector<int> &expert) {
  Status sizes = check_pairs(fn, jury.size(), expert.size());
  if (!sizes)
    return sizes;
  for (size_t i = 0; i < jury.size(); ++i)
    for (const auto &[name, score] : {std::pair{"jury", jury[i]}, std::pair{"expert", expert[i]}})
      if (score < kMinScore || score > kMaxScore)
        return stats_error(
            fn, std::string("a ") + name + " score in 1..5 at index " + std::to_string(i),
            std::to_string(score));
  return ok_status();
}

Status check_finite(std::string_view fn, const std::vector<double> &x,
                    const std::vector<double> &y) {
  Status sizes = check_pairs(fn, x.size(), y.size());
  if (!sizes)
    return sizes;
  for (size_t i = 0; i < x.size(); ++i)
    if (!std::isfinite(x[i]) || !std::isfinite(y[i]))
      return stats_error(fn, "finite values", "a non-finite value at index " + std::to_string(i));
  return ok_status();
}

double weight(KappaWeights weights, size_t i, size_t j) {
  const double d = std::fabs(static_cast<double>(i) - static_cast<double>(j));
  switch (weights) {
  case KappaWeights::unweighted:
    return d == 0 ? 0 : 1;
  case KappaWeights::linear:
    return d;
  case KappaWeights::quadratic:
    return d * d;
  }
  return 0;
}

} // namespace

size_t ConfusionMatrix::total() const {
  size_t sum = 0;
  for (const auto &row : counts)
    for (size_t c : row)
      sum += c;
  return sum;
}

size_t ConfusionMatrix::at(int jury_score, int expert_score) const {
  return counts[static_cast<size_t>(jury_score - kMinScore)]
               [static_cast<size_t>(expert_score - kMinScore)];
}

Result<ConfusionMatrix> confusion_matrix(const std::vector<int> &jury,
                                         const std::vector<int> &expert) {
  Status valid = check_scores("confusion_matrix", jury, expert);
  if (!valid)
    return valid.errors();
  ConfusionMatrix table;
  for (size_t i = 0; i < jury.size(); ++i)
    ++table.counts[static_cast<size_t>(jury[i] - kMinScore)]
                  [static_cast<size_t>(expert[i] - kMinScore)];
  return table;
}

Result<double> cohen_kappa(const ConfusionMatrix &table, KappaWeights weights) {
  std::array<double, kScoreLevels> row{}, column{};
  double total = 0;
  for (size_t i = 0; i < kScoreLevels; ++i)
    for (size_t j = 0; j < kScoreLevels; ++j) {
      const double n = static_cast<double>(table.counts[i][j]);
      row[i] += n;
      column[j] += n;
      total += n;
    }
  if (total == 0)
    return stats_error("cohen_kappa", "at least one pair", "an empty table");
  double observed = 0, expected = 0;
  for (size_t i = 0; i < kScoreLevels; ++i)
    for (size_t j = 0; j < kScoreLevels; ++j) {
      const double w = weight(weights, i, j);
      observed += w * static_cast<double>(table.counts[i][j]);
      expected += w * row[i] * column[j];
    }
  observed /= total;
  expected /= total * total;
  if (expected == 0)
    return stats_error("cohen_kappa", "scores that vary (kappa is undefined otherwise)",
                       "both raters using one and the same score");
  return 1 - observed / expected;
}

Result<double> cohen_kappa(const std::vector<int> &jury, const std::vector<int> &expert,
                           KappaWeights weights) {
  Result<ConfusionMatrix> table = confusion_matrix(jury, expert);
  if (!table)
    return table.errors();
  return cohen_kappa(*table, weights);
}

std::vector<double> average_ranks(const std::vector<double> &values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> rank(values.size());
  for (size_t first = 0; first < order.size();) {
    size_t last = first; // tied run order[first..last]
    while (last + 1 < order.size() && values[order[last + 1]] == values[order[first]])
      ++last;
    const double average = (static_cast<double>(first) + static_cast<double>(last)) / 2 + 1;
    for (size_t i = first; i <= last; ++i)
      rank[order[i]] = average;
    first = last + 1;
  }
  return rank;
}

Result<double> pearson(const std::vector<double> &x, const std::vector<double> &y) {
  constexpr std::string_view fn = "pearson";
  Status valid = check_finite(fn, x, y);
  if (!valid)
    return valid.errors();
  if (x.size() < 2)
    return stats_error(fn, "at least two pairs", std::to_string(x.size()));
  const double n = static_cast<double>(x.size());
  double mean_x = 0, mean_y = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    mean_x += x[i];
    mean_y += y[i];
  }
  mean_x /= n;
  mean_y /= n;
  double sxx = 0, syy = 0, sxy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double dx = x[i] - mean_x, dy = y[i] - mean_y;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  if (sxx == 0 || syy == 0)
    return stats_error(fn, "two sequences that both vary",
                       sxx == 0 ? "the first sequence constant" : "the second sequence constant");
  return std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0);
}

Result<double> spearman(const std::vector<double> &x, const std::vector<double> &y) {
  Status valid = check_finite("spearman", x, y);
  if (!valid)
    return valid.errors();
  Result<double> r = pearson(average_ranks(x), average_ranks(y));
  if (!r)
    return attributed_to("spearman", r.errors());
  return r;
}

Result<double> mean_absolute_error(const std::vector<double> &jury,
                                   const std::vector<double> &expert) {
  Status valid = check_finite("mean_absolute_error", jury, expert);
  if (!valid)
    return valid.errors();
  double sum = 0;
  for (size_t i = 0; i < jury.size(); ++i)
    sum += std::fabs(jury[i] - expert[i]);
  return sum / static_cast<double>(jury.size());
}

Result<double> mean_bias(const std::vector<double> &jury, const std::vector<double> &expert) {
  Status valid = check_finite("mean_bias", jury, expert);
  if (!valid)
    return valid.errors();
  double sum = 0;
  for (size_t i = 0; i < jury.size(); ++i)
    sum += jury[i] - expert[i];
  return sum / static_cast<double>(jury.size());
}

Result<JuryExpertAgreement> compare_scores(const std::vector<int> &jury,
                                           const std::vector<int> &expert) {
  Result<ConfusionMatrix> table = confusion_matrix(jury, expert);
  if (!table)
    return attributed_to("compare_scores", table.errors());
  JuryExpertAgreement result;
  result.items = jury.size();
  result.confusion = *table;
  const std::vector<double> x(jury.begin(), jury.end()), y(expert.begin(), expert.end());
  size_t exact = 0, within_one = 0;
  for (size_t i = 0; i < jury.size(); ++i) {
    const int d = std::abs(jury[i] - expert[i]);
    exact += d == 0;
    within_one += d <= 1;
  }
  const double n = static_cast<double>(jury.size());
  result.exact_agreement = static_cast<double>(exact) / n;
  result.within_one_agreement = static_cast<double>(within_one) / n;
  result.mean_absolute_error = *mean_absolute_error(x, y);
  result.mean_bias = *mean_bias(x, y);
  auto defined = [](const Result<double> &r) {
    return r ? std::optional<double>(*r) : std::nullopt;
  };
  result.pearson = defined(pearson(x, y));
  result.spearman = defined(spearman(x, y));
  result.kappa_unweighted = defined(cohen_kappa(*table, KappaWeights::unweighted));
  result.kappa_linear = defined(cohen_kappa(*table, KappaWeights::linear));
  result.kappa_quadratic = defined(cohen_kappa(*table, KappaWeights::quadratic));
  return result;
}

} // namespace imc::stats
