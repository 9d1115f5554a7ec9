#pragma once
// Cluster bootstrap of group means, paired across groups.
//
// The resampling unit is the CASE (image + profile), not the transcript or the verdict: every
// model and condition was run on the same cases, and verdicts of one case are correlated, so
// resampling verdicts would give intervals that are too narrow. A "group" is whatever a report
// compares: model × condition × dimension × stratum (malignant/benign, rare/common, modality...).
// In each replicate ONE multiset of cases is drawn and every group's mean is computed from it,
// so the difference of two groups (model A − model B, no-image − full) is PAIRED by case and gets
// its own interval. Definitions, options and references: docs/STATISTICS.md.
//
// Design for speed. The per-case data are reduced once, up front, to one cell per (case, group)
// holding Σ weight·value and Σ weight, stored in compressed rows (CSR: the cells of case c are
// contiguous, in increasing group order). A replicate draws C case indices into a counts vector
// (multinomial counts m_c); group mean = Σ_c m_c·Σwv / Σ_c m_c·Σw. Replicates run in blocks of
// 16: the counts of 16 replicates are drawn, then ONE pass over the cells updates 16 accumulator
// lanes per cell, so the cells (which do not fit in cache) are read once per 16 replicates and
// the lane loop vectorises. All buffers are allocated before the replicate loop.
//
// Complexity, with C cases, E cells, G groups, P contrasts and B replicates:
//   CaseGroupTableBuilder::build   O(N + C + E log(E/C)) for N observations;
//   bootstrap_means                O(B·(C + E + G + P)) time plus O((G + P)·B log B) for the
//                                  percentiles; memory O(E + 16·C + B·(G + P)). BCa adds a
//                                  jackknife in O(E + cells of the contrasted groups).
// At the report's scale (1,000 replicates; 100,000 transcripts × 3 dimensions × (all + 3
// strata) = 1.2 million cells; 10,000 to 100,000 cases) one call took 0.5–0.9 s of CPU time on
// this machine (docs/STATISTICS.md, "Speed").
//
// Numbers are bit-identical across platforms for IntervalMethod::percentile (integer PRNG, fixed
// summation order, IEEE +−×÷ only). BCa also uses erfc/exp/log (see imc/stats/normal.h).
#include "imc/result.h"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace imc::stats {

// Per-case sums of every group, in compressed rows. Built by CaseGroupTableBuilder or from_dense.
class CaseGroupTable {
public:
  size_t cases() const { return row_begin_.size() - 1; }
  size_t groups() const { return groups_; }
  size_t cells() const { return cell_group_.size(); }

  // The group's mean over all cases, Σ weight·value / Σ weight: the bootstrap's point estimate.
  // NaN when no case has the group. O(cells) per call (bootstrap_means does all groups at once).
  double mean(size_t group) const;
  // Cases that have the group. O(cells) per call.
  size_t cases_with(size_t group) const;

  // Cells of case c are [row_begin()[c], row_begin()[c + 1]).
  const std::vector<uint32_t> &row_begin() const { return row_begin_; }
  // Group of each cell; strictly increasing within a case.
  const std::vector<uint32_t> &cell_group() const { return cell_group_; }
  // Interleaved per cell: [2i] = Σ weight·value, [2i + 1] = Σ weight (> 0).
  const std::vector<double> &cell_sums() const { return cell_sums_; }

  // A table from one value per (case, group): values[case * groups + group], NaN = the case lacks
  // the group (weight 1 otherwise). Errors: values.size() != cases * groups; an infinite value;
  // cases == 0; groups == 0; more than 2^32 − 1 cases or groups.
  static Result<CaseGroupTable> from_dense(size_t cases, size_t groups,
                                           const std::vector<double> &values);

private:
  friend class CaseGroupTableBuilder;
  CaseGroupTable() = default;
  size_t groups_ = 0;
  std::vector<uint32_t> row_begin_{0};
  std::vector<uint32_t> cell_group_;
  std::vector<double> cell_sums_;
};

// Collects observations (case, group, value, weight) in any order; build() sums those of the same
// (case, group) into one cell. Typical use: one observation per transcript and dimension (the
// panel mean, weight 1), added to the groups it belongs to (its model × condition × dimension,
// and the same with each stratum of its case).
class CaseGroupTableBuilder {
public:
  CaseGroupTableBuilder(size_t cases, size_t groups) : cases_(cases), groups_(groups) {}

  void add(size_t case_index, size_t group, double value, double weight = 1.0) {
    observations_.push_back(Observation{case_index, group, value, weight});
  }

  // Errors (each names the observation's position): case or group index out of range; a
  // non-finite value or weight; a weight <= 0; cases == 0 or groups == 0; more than 2^32 − 1
  // cases, groups or cells.
  Result<CaseGroupTable> build() const;

private:
  struct Observation {
    size_t case_index;
    size_t group;
    double value;
    double weight;
  };
  size_t cases_;
  size_t groups_;
  std::vector<Observation> observations_;
};

enum class IntervalMethod {
  percentile, // the (1−c)/2 and (1+c)/2 quantiles of the replicate estimates (Efron 1979)
  bca,        // bias-corrected and accelerated (Efron 1987); acceleration from a case jackknife
};

struct BootstrapOptions {
  size_t replicates = 1000; // B >= 1
  uint64_t seed = 1;        // same seed and data → same numbers, on every platform
  double confidence = 0.95; // in (0, 1), two-sided
  IntervalMethod method = IntervalMethod::percentile;
};

// minuend − subtrahend, e.g. (no-image, safety) − (full, safety), or model A − model B.
struct GroupContrast {
  size_t minuend = 0;
  size_t subtrahend = 0;
  // true: both means are taken over the cases that have BOTH groups (a case without a no-image
  // run does not enter the ablation delta); false: each mean over all its own cases. The same
  // when both groups cover the same cases (the usual design).
  bool matched_cases_only = true;
};

struct BootstrapInterval {
  double estimate = std::numeric_limits<double>::quiet_NaN(); // on the full data
  double lower = std::numeric_limits<double>::quiet_NaN();
  double upper = std::numeric_limits<double>::quiet_NaN();
  double standard_error = std::numeric_limits<double>::quiet_NaN(); // SD of the replicates
  size_t cases = 0;           // cases that contribute (for a matched contrast: have both groups)
  size_t replicates_used = 0; // replicates where it was defined (a group can be absent from one)
  IntervalMethod method = IntervalMethod::percentile; // as computed: BCa falls back to
                                                      // percentile when its bias correction is
                                                      // infinite (every replicate on one side)
};

struct BootstrapResult {
  std::vector<BootstrapInterval> groups;    // one per group of the table
  std::vector<BootstrapInterval> contrasts; // one per requested contrast, in order
};

// Bootstrap intervals for every group's mean and every contrast. A replicate in which a group has
// no case is skipped for that group (and its contrasts), so intervals are conditional on the
// group being present; replicates_used says how often that was. The drawn case multisets depend
// only on the seed and the number of cases: adding a group or a contrast changes no other number.
// Errors: replicates == 0; confidence outside (0, 1); a contrast naming a group out of range.
Result<BootstrapResult> bootstrap_means(const CaseGroupTable &table,
                                        const std::vector<GroupContrast> &contrasts,
                                        const BootstrapOptions &options);

} // namespace imc::stats
