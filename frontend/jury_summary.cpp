#include "jury_summary.h"

#include "imc/stats/agreement.h"

#include <algorithm>

namespace imc::ui {

JurySummary summarize_jury(const VerdictSet &set) {
  JurySummary out;
  for (const auto &v : set.verdicts) {
    out.dimensions[static_cast<size_t>(v.dimension)].verdicts.push_back(&v);
    if (std::find(out.jurors.begin(), out.jurors.end(), v.juror_endpoint) == out.jurors.end()) {
      out.jurors.push_back(v.juror_endpoint);
    }
  }
  stats::RatingMatrix ratings;
  for (size_t d = 0; d < 3; ++d) {
    DimensionSummary &dim = out.dimensions[d];
    std::vector<int> scores;
    for (const JurorVerdict *v : dim.verdicts) {
      if (v->score) scores.push_back(*v->score);
    }
    if (!scores.empty()) {
      const auto [lo, hi] = std::minmax_element(scores.begin(), scores.end());
      dim.spread = *hi - *lo;
    }
    dim.aggregate = set.aggregate[d];
    if (!dim.aggregate && !scores.empty()) {
      // The server sent no aggregate (e.g. while scoring): mean and lower median here.
      DimensionAggregate a;
      double sum = 0;
      for (int s : scores) sum += s;
      a.mean = sum / static_cast<double>(scores.size());
      std::vector<int> sorted = scores;
      std::sort(sorted.begin(), sorted.end());
      a.median = sorted[(sorted.size() - 1) / 2];
      a.n = static_cast<int>(scores.size());
      dim.aggregate = a;
    }
    std::vector<std::optional<double>> row(out.jurors.size());
    for (const JurorVerdict *v : dim.verdicts) {
      const auto j = std::find(out.jurors.begin(), out.jurors.end(), v->juror_endpoint) - out.jurors.begin();
      if (v->score) row[static_cast<size_t>(j)] = *v->score;
    }
    ratings.push_back(std::move(row));
  }
  if (out.jurors.size() < 2) {
    out.agreement_note = "needs at least two jurors";
    return out;
  }
  auto alpha = stats::krippendorff_alpha(ratings, stats::Metric::ordinal);
  if (alpha) {
    out.alpha = alpha->alpha;
  } else {
    const bool all_same = std::all_of(out.dimensions.begin(), out.dimensions.end(),
                                      [](const DimensionSummary &d) { return d.spread == 0; });
    out.agreement_note = all_same ? "undefined: every juror gave the same scores (full agreement)"
                                  : "undefined for these scores";
  }
  return out;
}

} // namespace imc::ui
