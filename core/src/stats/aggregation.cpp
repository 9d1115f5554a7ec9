// Panel aggregation and juror bias (imc/stats/aggregation.h).
#include "imc/stats/aggregation.h"

#include <algorithm>
#include <cmath>

namespace imc::stats {

namespace {

std::vector<int> present_sorted(const PanelScores &scores) {
  std::vector<int> present;
  for (const std::optional<int> &s : scores)
    if (s)
      present.push_back(*s);
  std::sort(present.begin(), present.end());
  return present;
}

double median_of_sorted(const std::vector<int> &sorted, EvenPanelMedian rule) {
  const size_t n = sorted.size();
  if (n % 2 == 1)
    return sorted[n / 2];
  const double lower = sorted[n / 2 - 1], upper = sorted[n / 2];
  return rule == EvenPanelMedian::lower_middle ? lower : (lower + upper) / 2;
}

} // namespace

std::optional<int> usable_score(const JurorVerdict &verdict) {
  if (verdict.status != VerdictStatus::ok || !verdict.score)
    return std::nullopt;
  if (*verdict.score < 1 || *verdict.score > 5)
    return std::nullopt;
  return verdict.score;
}

std::optional<double> panel_mean(const PanelScores &scores) {
  double sum = 0;
  size_t n = 0;
  for (const std::optional<int> &s : scores)
    if (s) {
      sum += *s;
      ++n;
    }
  if (n == 0)
    return std::nullopt;
  return sum / static_cast<double>(n);
}

std::optional<double> panel_median(const PanelScores &scores, EvenPanelMedian rule) {
  const std::vector<int> sorted = present_sorted(scores);
  if (sorted.empty())
    return std::nullopt;
  return median_of_sorted(sorted, rule);
}

std::optional<MajorityVote> majority_vote(const PanelScores &scores) {
  const std::vector<int> sorted = present_sorted(scores);
  if (sorted.empty())
    return std::nullopt;
  const double median = median_of_sorted(sorted, EvenPanelMedian::average_of_middles);
  MajorityVote best;
  best.voters = sorted.size();
  size_t modes = 0;
  // Runs of equal scores, ascending; a later run replaces the best only when strictly better, so
  // among equally frequent, equally close scores the lower one wins.
  for (size_t first = 0; first < sorted.size();) {
    size_t last = first;
    while (last < sorted.size() && sorted[last] == sorted[first])
      ++last;
    const int score = sorted[first];
    const size_t votes = last - first;
    if (votes > best.votes) {
      best.score = score;
      best.votes = votes;
      modes = 1;
    } else if (votes == best.votes) {
      ++modes;
      if (std::fabs(score - median) < std::fabs(best.score - median))
        best.score = score;
    }
    first = last;
  }
  best.tie_broken = modes > 1;
  return best;
}

std::vector<std::optional<JurorBias>> juror_bias(const RatingMatrix &ratings) {
  size_t jurors = 0;
  for (const auto &row : ratings)
    jurors = std::max(jurors, row.size());
  std::vector<double> difference(jurors, 0.0), absolute(jurors, 0.0);
  std::vector<size_t> items(jurors, 0);
  for (const auto &row : ratings) {
    double sum = 0;
    size_t present = 0;
    for (const auto &v : row)
      if (v) {
        sum += *v;
        ++present;
      }
    if (present < 2)
      continue;
    for (size_t j = 0; j < row.size(); ++j) {
      if (!row[j])
        continue;
      const double others = (sum - *row[j]) / static_cast<double>(present - 1);
      difference[j] += *row[j] - others;
      absolute[j] += std::fabs(*row[j] - others);
      ++items[j];
    }
  }
  std::vector<std::optional<JurorBias>> result(jurors);
  for (size_t j = 0; j < jurors; ++j) {
    if (items[j] == 0)
      continue;
    const double n = static_cast<double>(items[j]);
    result[j] = JurorBias{difference[j] / n, absolute[j] / n, items[j]};
  }
  return result;
}

} // namespace imc::stats
