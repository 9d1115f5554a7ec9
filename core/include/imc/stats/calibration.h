#pragma once
// Calibration of jury scores against expert annotations: a monotone map from the raw jury score
// (e.g. the panel mean) to the expert's scale, fitted on the transcripts experts annotated and
// applied to every other one. Isotonic regression (pool-adjacent-violators) or least-squares
// line; k-fold cross-validation says which predicts experts better. Raw scores are always kept
// next to calibrated ones (CalibratedScore). Method and references: docs/STATISTICS.md.
#include "imc/result.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace imc::stats {

enum class CalibrationMethod {
  identity, // no calibration: the raw score, clamped to [1, 5] (the baseline for cross-validation)
  linear,   // weighted least-squares line expert ≈ intercept + slope · jury
  isotonic, // weighted isotonic regression of expert on jury (nondecreasing step fit)
};
const char *to_string(CalibrationMethod method);

// Expert-annotated items, one per (transcript, dimension) with both a jury and an expert score.
struct CalibrationData {
  std::vector<double> jury;      // raw jury score, e.g. the panel mean
  std::vector<double> expert;    // the expert's score for the same item
  std::vector<double> weight;    // > 0; empty = every item weighs 1
  std::vector<uint64_t> cluster; // empty = every item is its own cluster; items of one cluster
                                 // (e.g. one transcript's dimensions) always share a CV fold
};

struct CalibrationMap {
  CalibrationMethod method = CalibrationMethod::identity;
  double intercept = 0;            // linear
  double slope = 1;                // linear
  std::vector<double> knot_jury;   // isotonic: distinct jury scores, strictly increasing
  std::vector<double> knot_expert; // isotonic: fitted expert score at each knot, nondecreasing

  // The calibrated score, always within [1, 5]. Isotonic: linear interpolation between
  // neighbouring knots, the end knot's value beyond either end. Linear: the line. NaN stays NaN.
  double apply(double jury_score) const;
};

struct CalibratedScore {
  double raw = 0;
  double calibrated = 0;
};
std::vector<CalibratedScore> apply_calibration(const CalibrationMap &map,
                                               const std::vector<double> &raw);

// Weighted pool-adjacent-violators: the nondecreasing sequence f minimising Σ w_i (y_i − f_i)²,
// for y in the given order. Each violating run is pooled into its weighted mean. O(n).
// Preconditions: w.size() == y.size(), every w > 0 and every value finite.
std::vector<double> pool_adjacent_violators(const std::vector<double> &y,
                                            const std::vector<double> &w);

// Isotonic calibration. Items with the same jury score are first pooled into one point (their
// weighted mean expert score, their summed weight), so the map is a function of the jury score
// (de Leeuw's "secondary" approach to ties), then PAVA runs over the distinct jury scores.
// Errors: sizes differ; no items; a non-finite value; a weight <= 0 or non-finite.
Result<CalibrationMap> fit_isotonic(const CalibrationData &data);

// Least-squares line (weighted). Errors: as fit_isotonic, and fewer than two distinct jury
// scores (the slope is undefined).
Result<CalibrationMap> fit_linear(const CalibrationData &data);

// fit_isotonic, fit_linear, or the identity map (which needs no data).
Result<CalibrationMap> fit_calibration(const CalibrationData &data, CalibrationMethod method);

struct CrossValidatedError {
  CalibrationMethod method = CalibrationMethod::identity;
  size_t folds = 0;
  size_t items = 0;
  double mae = 0;                 // weighted mean |out-of-fold prediction − expert|
  double rmse = 0;                // sqrt of the weighted mean squared error
  std::vector<double> prediction; // out-of-fold calibrated score, per item
};

// k-fold cross-validation: the distinct clusters are sorted, shuffled with Rng(seed) and dealt
// to folds round-robin (fold = position mod k), so the folds depend only on the data and the
// seed. Each fold is predicted by a map fitted on the other k − 1 folds.
// Errors: as the fit; folds < 2 or more folds than clusters; a fit failing on a training set
// (named by its fold, e.g. every jury score in it equal for the linear map).
Result<CrossValidatedError> cross_validate(const CalibrationData &data, CalibrationMethod method,
                                           size_t folds, uint64_t seed);

} // namespace imc::stats
