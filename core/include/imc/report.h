#pragma once
// The report: what a run's jury verdicts say about each clinician model, with honest
// uncertainty (docs/ARCHITECTURE.md "Report", docs/FORMATS.md "Report", docs/STATISTICS.md).
// Pure: no files, clock or threads, so `imc report`, `imc serve` and the browser build give
// the same numbers from the same rows.
//
//   ReportInput input;
//   store.for_each_score(filter, [&](const ScoreRow &r) { input.add_verdict({...}); });
//   for (const Case &c : pack.cases) input.add_case(c);
//   for (const ExpertAnnotation &a : annotations) input.add_annotation(a);
//   auto report = build_report(input, options);          // Result<Report>
//   report_json(*report) / report_csv(*report) / report_html(*report)
//
// What is computed. Per transcript and dimension, the panel mean of the usable scores
// (unparseable and error verdicts are missing, never low scores), mapped through a calibration
// when expert annotations allow one (CalibrationOptions). A transcript's overall score is the
// mean of its three dimensions (only when all three exist). Per clinician model and condition:
// the mean of each dimension and of the overall score with a 95 % percentile bootstrap interval
// that resamples CASES, one multiset of cases per replicate for every number, so differences
// are paired by case (stats/bootstrap.h). Under the `full` condition, strata of the case's
// labels — malignancy, rarity, modality of its first image — with the deltas malignant −
// benign, rare − common and MODALITY − other modalities (unmatched: a case is in one level).
// Ablations: each other condition minus `full` for the same clinician, matched by case. The
// leaderboard ranks `full` by overall score, marks the best model of each dimension and gives
// each model's overall difference to the first. Agreement between jurors (Krippendorff's alpha,
// ordinal and interval; Fleiss' kappa over complete items) and, with expert annotations, the
// jury against the experts per dimension and the calibration maps with cross-validated error.
//
// Determinism: the same input and options give byte-identical JSON, CSV and HTML (the
// bootstrap is seeded; every list is sorted; numbers are rounded to 4 decimals on output).
#include "imc/casepack.h"
#include "imc/jury_config.h"
#include "imc/result.h"
#include "imc/stats/bootstrap.h"
#include "imc/stats/calibration.h"
#include "imc/stats/comparison.h"
#include "imc/verdict.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imc::report {

// The three dimensions and the overall score: index 0..2 are Dimension's, 3 is overall.
inline constexpr size_t kMeasures = 4;
inline constexpr size_t kOverall = 3;
const char *measure_name(size_t measure); // "safety", "accuracy", "uncertainty", "overall"

inline constexpr const char *kFullCondition = "full";

// One verdict as the store streams it (store::ScoreRow). Views are copied (interned).
struct VerdictRow {
  std::string_view transcript_id;
  std::string_view case_id;
  std::string_view clinician; // the clinician's endpoint name
  std::string_view model;     // the clinician's model id
  std::string_view condition; // Condition::name(): "full", "no-image", ...
  Dimension dimension = Dimension::safety;
  std::string_view juror; // juror endpoint
  std::optional<int> score; // nullopt: unparseable or error (counted, never scored)
};

// What the report needs of a case: its labels and the modality of its first image.
struct CaseLabels {
  Malignancy malignancy = Malignancy::not_applicable;
  Rarity rarity = Rarity::common;
  Modality modality = Modality::other;
};
CaseLabels case_labels(const Case &c);

// Collects the report's input. A juror has one verdict per (transcript, dimension): when rows
// repeat one (a transcript scored twice), the LAST row added counts; the caller orders them (the
// store's fast scan does not, so `imc report` re-reads such transcripts by created_at and
// replaces their rows with forget_verdicts + add_verdict).
class ReportInput {
public:
  ReportInput();
  ~ReportInput();
  ReportInput(ReportInput &&) noexcept;
  ReportInput &operator=(ReportInput &&) noexcept;

  // Rows of one transcript are best added one after another (as the store streams them); any
  // order works. A transcript's case, clinician, model and condition are those of its first row.
  void add_verdict(const VerdictRow &row);
  // Drops the verdicts of `transcript_id` added so far (not the transcript itself).
  void forget_verdicts(std::string_view transcript_id);
  // Case labels for strata; cases without labels are left out of strata only.
  void add_case(const std::string &case_id, const CaseLabels &labels);
  void add_case(const Case &c) { add_case(c.id, case_labels(c)); }
  // Expert annotations of transcripts in the input (others are counted and ignored).
  void add_annotation(const ExpertAnnotation &annotation);
  // Only these jurors' verdicts count (a jury config's panel); empty = every juror.
  void restrict_jurors(std::vector<std::string> jurors);

  size_t rows_added() const;
  // Transcripts where a juror has repeated a (transcript, dimension), in order of detection.
  const std::vector<std::string> &transcripts_with_repeats() const;
  // Case ids of the input that have no labels (left out of strata), sorted.
  std::vector<std::string> cases_without_labels() const;

  struct Data; // the interned tables, for build_report
  const Data &data() const { return *data_; }

private:
  std::unique_ptr<Data> data_;
};

struct ReportOptions {
  std::string run_id;
  std::string generated_at;      // RFC 3339; the caller's clock (the core reads none)
  size_t replicates = 1000;      // bootstrap replicates B >= 1
  uint64_t seed = 1;             // same seed and input → same report
  double confidence = 0.95;      // two-sided
  CalibrationOptions calibration; // when expert annotations exist
  bool agreement = true;          // false: leave Report::agreement empty (build_agreement)
};

// A point estimate with its bootstrap interval; NaN when undefined.
struct Estimate {
  double mean = std::numeric_limits<double>::quiet_NaN();
  double lo = std::numeric_limits<double>::quiet_NaN();
  double hi = std::numeric_limits<double>::quiet_NaN();
  size_t n_cases = 0; // cases that contribute
  bool defined() const { return mean == mean; }
};

struct ModelKey {
  std::string clinician; // endpoint name
  std::string model;     // model id
};

struct ModelResult {
  ModelKey key;
  std::string condition;
  size_t n_cases = 0;
  std::array<Estimate, kMeasures> measures; // safety, accuracy, uncertainty, overall
};

struct LeaderboardRow {
  size_t rank = 0; // 1-based; equal overall scores share a rank
  ModelKey key;
  std::array<double, kMeasures> means{}; // NaN where undefined
  std::vector<std::string> best_in;      // dimensions where no model of `full` scores higher
  Estimate behind_leader; // overall minus rank 1's overall, paired by case (the first: none)
};

struct StratumResult {
  std::string stratum; // "malignancy", "rarity", "modality"
  std::string level;   // "malignant", "rare", "dermoscopy", ...
  ModelKey key;
  size_t measure = 0;
  Estimate estimate;
};

struct StratumDelta {
  std::string stratum;
  std::string contrast; // "malignant - benign", "rare - common", "xray - other"
  ModelKey key;
  size_t measure = 0;
  Estimate delta; // n_cases: cases in either level
};

struct Ablation {
  ModelKey key;
  std::string condition; // "no-image", "no-ehr", "no-image-no-ehr" (or any other non-full)
  std::string versus = kFullCondition;
  size_t measure = 0;
  Estimate delta; // n_cases: cases with both conditions
};

struct AgreementValues {
  std::optional<double> alpha_ordinal;
  std::optional<double> alpha_interval;
  std::optional<double> fleiss_kappa;
  size_t units = 0;        // (transcript, dimension) items with two or more scores
  size_t fleiss_items = 0; // items every juror scored (Fleiss' kappa uses only these)
};

struct Agreement {
  std::vector<std::string> jurors;
  AgreementValues pooled;                         // every dimension's items together
  std::array<AgreementValues, 3> by_dimension;    // indexed by Dimension
};

struct CalibrationSummary {
  std::string method = "none";    // the map applied: "none", "linear" or "isotonic"
  bool applied = false;           // the report's scores of this dimension went through it
  size_t folds = 0;               // of the cross-validation (0: not enough annotations)
  // Cross-validated error of each method tried ("identity", "linear", "isotonic").
  std::map<std::string, std::pair<double, double>> cv_mae_rmse;
  std::string note;               // why no map was applied, when none was
  stats::CalibrationMap map;      // the map fitted on every annotated item (when applied)
};

struct DimensionComparison {
  size_t items = 0; // (transcript, annotator) pairs with both a jury and an expert score
  // The jury's integer score is the panel's majority vote (stats::majority_vote).
  std::optional<stats::JuryExpertAgreement> majority;
  // The panel mean (raw) against the expert, continuous.
  std::optional<double> pearson, spearman, mae, bias;
  CalibrationSummary calibration;
};

struct ExpertComparison {
  size_t annotations = 0;          // used
  size_t annotations_ignored = 0;  // of transcripts outside the report
  size_t transcripts = 0;          // annotated transcripts in the report
  std::vector<std::string> annotators;
  std::array<DimensionComparison, 3> dimensions;
};

struct Report {
  std::string run_id;
  std::string generated_at;
  std::string score_source = "raw"; // "calibrated" when a map was applied to a dimension
  size_t replicates = 0;
  uint64_t seed = 0;
  double confidence = 0.95;
  size_t cases = 0, transcripts = 0, verdicts = 0, verdicts_scored = 0;
  std::vector<ModelResult> models; // every clinician × condition; clinician order, `full` first
  std::vector<ModelResult> raw_models; // the same on raw scores, when score_source is calibrated
  std::vector<LeaderboardRow> leaderboard;
  std::vector<StratumResult> strata;
  std::vector<StratumDelta> stratum_deltas;
  std::vector<Ablation> ablations;
  Agreement agreement;
  std::optional<ExpertComparison> expert;
  std::vector<std::string> cases_without_labels;
  // "No model is best in every dimension" or "M is best in every dimension" (HTML and notes).
  std::string dominance_note;
};

// Errors: no verdict rows; no usable score at all; options out of range (replicates 0,
// confidence outside (0, 1)).
Result<Report> build_report(const ReportInput &input, const ReportOptions &options);

// Report::agreement alone, as build_report computes it: for a caller that runs it on another
// thread next to build_report(options with agreement = false).
Agreement build_agreement(const ReportInput &input);

// The Report document of docs/FORMATS.md (2-space indent, final newline).
std::string report_json(const Report &report);
// Long format, one row per estimate (RFC 4180; header: section, clinician, model, condition,
// stratum, level, dimension, estimate, lo, hi, n_cases).
std::string report_csv(const Report &report);
// One self-contained HTML file: inline CSS and SVG, no script, no external resource; printable.
std::string report_html(const Report &report);

} // namespace imc::report
