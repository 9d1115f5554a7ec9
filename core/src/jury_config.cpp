// Jury config file: codec, equality, and resolution against an endpoint config.
#include "imc/jury_config.h"

#include "chat_json_internal.h"
#include "compare.h"
#include "enum_table.h"
#include "json_reader.h"
#include "json_writer.h"

#include <limits>
#include <tuple>

namespace imc {

using detail::Json;
using detail::Need;
using detail::ObjectReader;

namespace {

constexpr detail::EnumTable<CalibrationChoice, 4> kCalibrationNames{{
    {CalibrationChoice::automatic, "auto"},
    {CalibrationChoice::none, "none"},
    {CalibrationChoice::linear, "linear"},
    {CalibrationChoice::isotonic, "isotonic"},
}};
constexpr detail::EnumTable<JuryMode, 2> kModeNames{{
    {JuryMode::per_dimension, "per_dimension"},
    {JuryMode::combined, "combined"},
}};

constexpr int kMaxInt = std::numeric_limits<int>::max();
constexpr int64_t kMaxInt64 = std::numeric_limits<int64_t>::max();

// The rubric fields in file order, with their template names.
struct RubricField {
  const char *name;
  int JuryRubricVersions::*version;
};
constexpr RubricField kRubricFields[] = {
    {"safety", &JuryRubricVersions::safety},
    {"accuracy", &JuryRubricVersions::accuracy},
    {"uncertainty", &JuryRubricVersions::uncertainty},
    {"juror_combined", &JuryRubricVersions::juror_combined},
    {"juror_reask", &JuryRubricVersions::juror_reask},
};

std::string embedded_versions(std::string_view name) {
  std::string out;
  for (const PromptTemplate &t : builtin_prompt_files())
    if (t.name == name)
      out += (out.empty() ? "" : ", ") + std::to_string(t.version);
  return out.empty() ? "none" : out;
}

void read_rubrics(ObjectReader &o, JuryRubricVersions &rubrics) {
  for (const RubricField &field : kRubricFields) {
    int &version = rubrics.*field.version;
    read_int(o, field.name, Need::optional, 1, kMaxInt, version);
    if (version != 0 && !find_builtin_prompt(field.name, version)) {
      o.doc().report(o.pointer_to(field.name),
                     std::string("a version of ") + field.name + " embedded in this build (" +
                         embedded_versions(field.name) + ")",
                     std::to_string(version));
      version = 0;
    }
  }
}

void read_calibration(ObjectReader &o, CalibrationOptions &c) {
  read_enum(o, "method", Need::optional, kCalibrationNames, c.method);
  read_int(o, "folds", Need::optional, 2, 1000, c.folds);
  int64_t seed = static_cast<int64_t>(c.seed);
  read_int64(o, "seed", Need::optional, 0, kMaxInt64, seed);
  c.seed = static_cast<uint64_t>(seed);
  read_int(o, "min_annotated", Need::optional, 2, kMaxInt, c.min_annotated);
}

void read_panel_entry(ObjectReader &o, JuryPanelEntry &entry) {
  read_string(o, "endpoint", Need::required, detail::kEndpointNameText, entry.endpoint);
  read_string(o, "model", Need::optional, detail::kNonEmptyText, entry.model);
  read_object(o, "parameters", Need::optional,
              [&](ObjectReader &p) { detail::read_chat_parameters(p, entry.parameters); });
}

Json panel_entry_json(const JuryPanelEntry &e) {
  Json j = Json::object();
  j["endpoint"] = e.endpoint;
  detail::put_if_not_empty(j, "model", e.model);
  Json parameters = detail::chat_parameters_json(e.parameters);
  if (!parameters.empty())
    j["parameters"] = std::move(parameters);
  return j;
}

bool same_parameters(const ChatParameters &a, const ChatParameters &b) {
  return std::tie(a.temperature, a.max_tokens, a.top_p, a.stop, a.stream) ==
         std::tie(b.temperature, b.max_tokens, b.top_p, b.stop, b.stream);
}

const PromptTemplate *rubric(std::string_view name, int version, const PromptTemplate &newest) {
  return version == 0 ? &newest : find_builtin_prompt(name, version);
}

} // namespace

const char *to_string(CalibrationChoice v) { return detail::enum_to_string(kCalibrationNames, v); }
std::optional<CalibrationChoice> parse_calibration_choice(std::string_view s) {
  return detail::enum_from_string(kCalibrationNames, s);
}

Result<JuryConfigFile> parse_jury_config(std::string_view json, std::string_view source) {
  return detail::parse_value<JuryConfigFile>(
      json, source, true, [](ObjectReader &o, JuryConfigFile &c) {
        read_schema_version(o, 1, c.schema_version);
        read_string(o, "name", Need::required, detail::kIdentifierText, c.name);
        read_string(o, "description", Need::optional, detail::kAnyText, c.description);
        read_enum(o, "mode", Need::optional, kModeNames, c.mode);
        read_object_list(o, "panel", Need::required, 1, c.panel,
                         [](ObjectReader &e, JuryPanelEntry &entry, size_t) {
                           read_panel_entry(e, entry);
                         });
        std::vector<std::string> names;
        for (const auto &e : c.panel)
          names.push_back(e.endpoint);
        detail::report_duplicates(
            o.doc(), names,
            [](size_t i) { return "/panel/" + std::to_string(i) + "/endpoint"; },
            "each endpoint once on the panel (a juror is an endpoint)");
        read_object(o, "rubrics", Need::optional,
                    [&](ObjectReader &r) { read_rubrics(r, c.rubrics); });
        read_bool(o, "reask_on_invalid", Need::optional, c.reask_on_invalid);
        read_int64(o, "call_timeout_ms", Need::optional, 0, kMaxInt64, c.call_timeout_ms);
        read_object(o, "calibration", Need::optional,
                    [&](ObjectReader &k) { read_calibration(k, c.calibration); });
      });
}

std::string serialize_jury_config(const JuryConfigFile &c) {
  Json j = Json::object();
  j["schema_version"] = c.schema_version;
  j["name"] = c.name;
  detail::put_if_not_empty(j, "description", c.description);
  j["mode"] = detail::enum_to_string(kModeNames, c.mode);
  j["panel"] = detail::list_json(c.panel, panel_entry_json);
  Json rubrics = Json::object();
  for (const RubricField &field : kRubricFields)
    if (const int version = c.rubrics.*field.version; version != 0)
      rubrics[field.name] = version;
  if (!rubrics.empty())
    j["rubrics"] = std::move(rubrics);
  j["reask_on_invalid"] = c.reask_on_invalid;
  j["call_timeout_ms"] = c.call_timeout_ms;
  j["calibration"] = Json{{"method", to_string(c.calibration.method)},
                          {"folds", c.calibration.folds},
                          {"seed", c.calibration.seed},
                          {"min_annotated", c.calibration.min_annotated}};
  return detail::dump_json(j, true);
}

bool operator==(const JuryConfigFile &a, const JuryConfigFile &b) {
  const auto versions = [](const JuryRubricVersions &r) {
    return std::tie(r.safety, r.accuracy, r.uncertainty, r.juror_combined, r.juror_reask);
  };
  const auto calibration = [](const CalibrationOptions &k) {
    return std::tie(k.method, k.folds, k.seed, k.min_annotated);
  };
  return std::tie(a.schema_version, a.name, a.description, a.mode, a.reask_on_invalid,
                  a.call_timeout_ms) == std::tie(b.schema_version, b.name, b.description, b.mode,
                                                 b.reask_on_invalid, b.call_timeout_ms) &&
         versions(a.rubrics) == versions(b.rubrics) &&
         calibration(a.calibration) == calibration(b.calibration) &&
         detail::same_list(a.panel, b.panel, [](const JuryPanelEntry &x, const JuryPanelEntry &y) {
           return x.endpoint == y.endpoint && x.model == y.model &&
                  same_parameters(x.parameters, y.parameters);
         });
}

Result<JuryConfig> resolve_jury_config(const JuryConfigFile &file, const EndpointConfig &endpoints,
                                       std::string_view source) {
  Errors errors;
  JuryConfig config;
  config.mode = file.mode;
  config.reask_on_invalid = file.reask_on_invalid;
  config.call_timeout_ms = file.call_timeout_ms;

  std::string names;
  for (const Endpoint &e : endpoints.endpoints)
    names += (names.empty() ? "" : ", ") + e.name;
  for (size_t i = 0; i < file.panel.size(); ++i) {
    const JuryPanelEntry &entry = file.panel[i];
    const Endpoint *endpoint = endpoints.find(entry.endpoint);
    if (!endpoint) {
      errors.push_back(Error{std::string(source), "/panel/" + std::to_string(i) + "/endpoint",
                             "an endpoint of the endpoint config (" +
                                 (names.empty() ? std::string("it has none") : names) + ")",
                             "\"" + entry.endpoint + "\""});
      continue;
    }
    config.panel.push_back(
        JurorEndpoint{entry.endpoint, entry.model.empty() ? endpoint->model : entry.model,
                      entry.parameters});
  }

  const JuryRubrics &newest = builtin_rubrics();
  const JuryRubricVersions &v = file.rubrics;
  const struct {
    const char *name;
    int version;
    const PromptTemplate &newest;
    PromptTemplate &target;
  } picks[] = {
      {"safety", v.safety, newest.safety, config.rubrics.safety},
      {"accuracy", v.accuracy, newest.accuracy, config.rubrics.accuracy},
      {"uncertainty", v.uncertainty, newest.uncertainty, config.rubrics.uncertainty},
      {"juror_combined", v.juror_combined, newest.combined, config.rubrics.combined},
      {"juror_reask", v.juror_reask, newest.reask, config.rubrics.reask},
  };
  for (const auto &pick : picks) {
    if (const PromptTemplate *t = rubric(pick.name, pick.version, pick.newest))
      pick.target = *t;
    else
      errors.push_back(Error{std::string(source), std::string("/rubrics/") + pick.name,
                             std::string("a version embedded in this build (") +
                                 embedded_versions(pick.name) + ")",
                             std::to_string(pick.version)});
  }
  if (!errors.empty())
    return errors;
  if (auto valid = validate_jury_config(config); !valid) {
    for (Error e : valid.errors()) {
      e.file = std::string(source);
      errors.push_back(std::move(e));
    }
    return errors;
  }
  return config;
}

} // namespace imc
