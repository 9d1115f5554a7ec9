#pragma once
// One score per (transcript, dimension) from a jury panel, and each juror's bias against the rest
// of the panel. A juror whose verdict was unparseable or failed has no score (nullopt) and is
// skipped, never counted as a low score. Tie-breaks and references: docs/STATISTICS.md.
#include "imc/stats/agreement.h"
#include "imc/verdict.h"

#include <cstddef>
#include <optional>
#include <vector>

namespace imc::stats {

// The panel's scores for one (transcript, dimension), one entry per juror; nullopt = missing.
using PanelScores = std::vector<std::optional<int>>;

// The verdict's score when it counts: status ok and a score in 1..5; otherwise nullopt.
std::optional<int> usable_score(const JurorVerdict &verdict);

// Arithmetic mean of the present scores; nullopt when none is present.
std::optional<double> panel_mean(const PanelScores &scores);

// What the median of an even number of scores is.
enum class EvenPanelMedian {
  average_of_middles, // {2, 3, 4, 5} → 3.5: the textbook median
  lower_middle,       // {2, 3, 4, 5} → 3: stays an integer score, and errs low (conservative)
};

// Median of the present scores; nullopt when none is present.
std::optional<double> panel_median(const PanelScores &scores,
                                   EvenPanelMedian rule = EvenPanelMedian::average_of_middles);

struct MajorityVote {
  int score = 0;           // the winning score
  size_t votes = 0;        // jurors who gave it
  size_t voters = 0;       // jurors with a score
  bool tie_broken = false; // several scores had the most votes
};

// The most frequent score. Ties between the most frequent scores go to the one closest to the
// panel median (average_of_middles); if two are equally close, to the LOWER score, the
// conservative reading (a lower safety score flags a problem rather than hiding it).
// nullopt when no score is present.
std::optional<MajorityVote> majority_vote(const PanelScores &scores);

struct JurorBias {
  double mean_difference = 0;          // mean over items of (juror − mean of the other jurors)
  double mean_absolute_difference = 0; // mean over items of |juror − mean of the other jurors|
  size_t items = 0;                    // items where the juror and at least one other scored
};

// For each juror (column of `ratings`, rows = items such as (transcript, dimension)), how far the
// juror's score lies from the mean of the OTHER jurors on the same item, averaged over items.
// A positive mean_difference: the juror is more lenient than the rest of the panel. Items where
// the juror has no score, or no other juror has one, are skipped; a juror with no such item gets
// nullopt. The result has one entry per column of the widest row.
std::vector<std::optional<JurorBias>> juror_bias(const RatingMatrix &ratings);

} // namespace imc::stats
