#pragma once
// The Report document (docs/FORMATS.md, "Report") as the dashboard reads it: from
// GET /api/reports/{run}, or from an optional report.json shipped next to a pack's manifest.json
// for replay-only hosting.
#include "imc/result.h"

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imc::ui {

// A mean with its 95 % bootstrap interval.
struct Interval {
  double mean = 0;
  double lo = 0;
  double hi = 0;
};

struct ReportModel {
  std::string clinician;   // endpoint name
  std::string model;
  std::string condition;   // "full", "no-image", ...
  int n_cases = 0;
  Interval overall;
  std::array<std::optional<Interval>, 3> dimensions; // indexed by imc::Dimension
};

struct ReportLeader {
  int rank = 0;
  std::string clinician;
  std::string model;
  double overall = 0;
  std::array<double, 3> dimensions{};
  std::vector<std::string> best_in;
};

struct ReportDelta {
  std::string group;       // stratum deltas: the stratum ("malignancy"); ablations: the condition
  std::string label;       // stratum deltas: the contrast ("malignant - benign"); ablations: "no-image vs full"
  std::string clinician;
  int dimension = 0;       // imc::Dimension
  double delta = 0;
  double lo = 0;
  double hi = 0;
  // Ablations only: the two conditions compared.
  std::string condition;
  std::string versus;
};

struct ReportAgreement {
  std::optional<double> alpha_ordinal;
  std::optional<double> alpha_interval;
  std::optional<double> fleiss_kappa;
  std::vector<std::string> jurors;
};

struct Report {
  std::string run_id;
  std::string generated_at;
  std::string score_source;  // "raw" or "calibrated"
  int replicates = 0;
  double confidence = 0.95;
  int cases = 0;
  int transcripts = 0;
  int verdicts = 0;
  std::vector<ReportModel> models;
  std::vector<ReportLeader> leaderboard;
  std::vector<ReportDelta> stratum_deltas;
  std::vector<ReportDelta> ablations;
  std::optional<ReportAgreement> agreement;

  // Conditions present in `models`, "full" first.
  std::vector<std::string> conditions() const;
};

// Parses a report. Unknown keys are tolerated (the report may grow); missing or mistyped
// required keys are errors naming their JSON pointer.
Result<Report> parse_report(std::string_view json, std::string_view source);

} // namespace imc::ui
