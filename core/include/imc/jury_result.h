#pragma once
// A transcript's verdicts gathered per dimension: each juror's score and rationale, and the
// panel's mean, median and majority (computed by imc/stats/aggregation.h, whose tie-breaks are
// documented in docs/STATISTICS.md). Across transcripts: the rating matrix of a panel, each
// juror's bias against the rest of the panel, and inter-juror agreement.
//
// A juror whose verdict is unparseable or an error has no score and is left out of every
// statistic (never counted as a low score); it still appears with its status and rationale.
#include "imc/result.h"
#include "imc/stats/aggregation.h"
#include "imc/stats/agreement.h"
#include "imc/verdict.h"

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace imc {

struct JurorScore {
  std::string juror_endpoint;
  std::string juror_model;
  VerdictStatus status = VerdictStatus::ok;
  std::optional<int> score; // stats::usable_score: 1..5 when status is ok
  std::string rationale;
  // This juror's score minus the mean of the other jurors' scores on this dimension
  // (stats::juror_bias over this one item); nullopt when either side has no score.
  std::optional<double> deviation;
};

struct DimensionResult {
  Dimension dimension = Dimension::safety;
  std::vector<JurorScore> jurors;              // one per juror, in panel order
  size_t scored = 0;                           // jurors with a score
  std::optional<double> mean;                  // stats::panel_mean
  std::optional<double> median;                // stats::panel_median, average of the middle two
  std::optional<stats::MajorityVote> majority; // stats::majority_vote
  std::optional<int> spread;                   // highest minus lowest score, from two scores on
};

struct JuryResult {
  std::string transcript_id;
  std::array<DimensionResult, 3> dimensions; // indexed by Dimension

  const DimensionResult &operator[](Dimension d) const { return dimensions[size_t(d)]; }
  // IMCBench's overall score of a conversation: the mean of the three panel means; nullopt
  // unless all three exist.
  std::optional<double> overall() const;
};

// Gathers the verdicts of `transcript_id` (others in `verdicts` are ignored). Jurors are ordered
// as in `panel` (endpoint names), then any other juror in order of first appearance; a juror of
// `panel` without a verdict for a dimension is absent from that dimension. When a juror has
// several verdicts for one dimension (a transcript scored twice), the one with the latest
// created_at counts (the later in `verdicts` on a tie).
JuryResult aggregate_verdicts(const std::string &transcript_id,
                              const std::vector<JurorVerdict> &verdicts,
                              const std::vector<std::string> &panel = {});

// Scores of many transcripts as a rating matrix: one row per result (per result and dimension
// when `dimension` is nullopt, in Dimension order), one column per juror (`jurors`, by endpoint
// name in order of first appearance); nullopt where a juror has no score.
struct PanelRatings {
  std::vector<std::string> jurors;
  stats::RatingMatrix ratings;
};
PanelRatings panel_ratings(const std::vector<JuryResult> &results,
                           std::optional<Dimension> dimension = std::nullopt);

// Each juror's bias against the rest of the panel (stats::juror_bias over panel_ratings).
struct JurorBiasEntry {
  std::string juror_endpoint;
  std::optional<stats::JurorBias> bias; // nullopt when the juror never scored next to another
};
std::vector<JurorBiasEntry> panel_bias(const std::vector<JuryResult> &results,
                                       std::optional<Dimension> dimension = std::nullopt);

// Agreement between the jurors on one dimension over many transcripts: Krippendorff's alpha
// (ordinal by default) of panel_ratings. Within a single transcript agreement is not defined;
// DimensionResult::spread says how far apart its jurors were. Errors: those of
// stats::krippendorff_alpha (no transcript with two scores, no variation at all).
Result<stats::KrippendorffAlpha> panel_agreement(const std::vector<JuryResult> &results,
                                                 Dimension dimension,
                                                 stats::Metric metric = stats::Metric::ordinal);

} // namespace imc
