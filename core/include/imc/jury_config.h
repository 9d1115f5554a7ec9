#pragma once
// The jury config file (docs/FORMATS.md, "Jury config"): which endpoints sit on the panel and
// with which parameters, per_dimension or combined calls, which rubric versions, and how the
// jury's scores are calibrated against expert annotations in the report. `imc score --jury`
// reads it; the endpoints are named, never described, so one endpoint config serves the
// conversations and the jury.
//
//   auto file = parse_jury_config(bytes, "assets/juries/demo.json");   // the format alone
//   auto jury = resolve_jury_config(*file, endpoints, "assets/juries/demo.json");
//
// Errors name the file, the JSON pointer, what was expected and what was found, and every
// problem is reported at once, as for the other formats.
#include "imc/chat.h"
#include "imc/endpoint_config.h"
#include "imc/jury.h"
#include "imc/result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imc {

// How the report maps jury scores onto the experts' scale (docs/STATISTICS.md, "Calibration").
enum class CalibrationChoice {
  automatic, // "auto": the method with the lowest cross-validated MAE among identity, linear and
             // isotonic; identity winning means the raw scores stay
  none,      // never calibrate: the report shows raw panel means
  linear,    // the least-squares line
  isotonic   // pool-adjacent-violators
};
const char *to_string(CalibrationChoice v); // "auto", "none", "linear", "isotonic"
std::optional<CalibrationChoice> parse_calibration_choice(std::string_view s);

struct CalibrationOptions {
  CalibrationChoice method = CalibrationChoice::automatic; // = auto
  int folds = 5;                                           // k of the cross-validation, >= 2
  uint64_t seed = 1;                                       // deals the folds
  int min_annotated = 10; // expert-annotated transcripts a dimension needs before a map is used
};

struct JuryPanelEntry {
  std::string endpoint;      // a name of the endpoint config
  std::string model;         // "" = the endpoint's model
  ChatParameters parameters; // sent with every call of this juror
};

// Rubric versions; 0 = the newest embedded version.
struct JuryRubricVersions {
  int safety = 0;
  int accuracy = 0;
  int uncertainty = 0;
  int juror_combined = 0;
  int juror_reask = 0;
};

struct JuryConfigFile {
  int schema_version = 1;
  std::string name;        // [a-z0-9][a-z0-9-]*
  std::string description; // optional
  JuryMode mode = JuryMode::per_dimension;
  std::vector<JuryPanelEntry> panel; // at least one; endpoint names unique
  JuryRubricVersions rubrics;
  bool reask_on_invalid = true;
  int64_t call_timeout_ms = 0; // 0 = the endpoints' own timeouts only
  CalibrationOptions calibration;
};

// The format alone: keys, types, ranges, unique endpoints, rubric versions that are embedded
// in this build. Unknown keys are errors.
Result<JuryConfigFile> parse_jury_config(std::string_view json, std::string_view source);
// Canonical text (2-space indent; defaults written out), parse(serialize(x)) == x.
std::string serialize_jury_config(const JuryConfigFile &config);
bool operator==(const JuryConfigFile &a, const JuryConfigFile &b);

// The Jury's configuration: each panel endpoint looked up in `endpoints` (an unknown name is an
// error at /panel/N/endpoint listing the names there are), its model filled in from the
// endpoint when the file gives none, the rubric templates of the chosen versions. `source`
// names the jury file in errors.
Result<JuryConfig> resolve_jury_config(const JuryConfigFile &file, const EndpointConfig &endpoints,
                                       std::string_view source);

} // namespace imc
