#pragma once
// What the jury panel shows of a transcript's verdicts: per dimension the panel's aggregate (the
// server's, or computed here when it sent none), each juror's score, and how far the jurors agree.
#include "api_models.h"

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace imc::ui {

struct DimensionSummary {
  std::optional<DimensionAggregate> aggregate;
  std::vector<const JurorVerdict *> verdicts;  // in the order received
  int spread = 0;                              // max - min of the usable scores
};

struct JurySummary {
  std::array<DimensionSummary, 3> dimensions;  // by Dimension
  std::vector<std::string> jurors;             // juror endpoints, in order of appearance
  // Krippendorff's alpha (ordinal) over the three dimensions as units and the jurors as raters;
  // nullopt with `agreement_note` saying why when it is undefined (one juror, no variation).
  std::optional<double> alpha;
  std::string agreement_note;
};

// The summary points into `set`, which must outlive it.
JurySummary summarize_jury(const VerdictSet &set);

} // namespace imc::ui
