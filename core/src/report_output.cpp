// The report as JSON (the Report document of docs/FORMATS.md) and as long-format CSV.
#include "report_format.h"

#include "json_writer.h"

#include <cmath>
#include <cstdio>

namespace imc::report {

namespace {

using detail::Json;

Json number(double x) {
  const double r = rounded(x);
  return std::isnan(r) ? Json(nullptr) : Json(r);
}

Json optional_number(const std::optional<double> &x) {
  return x ? number(*x) : Json(nullptr);
}

Json interval_json(const Estimate &e) {
  return Json{{"mean", number(e.mean)}, {"lo", number(e.lo)}, {"hi", number(e.hi)}};
}

Json model_json(const ModelResult &m) {
  Json j = Json::object();
  j["clinician"] = m.key.clinician;
  j["model"] = m.key.model;
  j["condition"] = m.condition;
  j["n_cases"] = m.n_cases;
  j["overall"] = interval_json(m.measures[kOverall]);
  Json dimensions = Json::object();
  for (size_t k = 0; k < 3; ++k)
    if (m.measures[k].defined())
      dimensions[measure_name(k)] = interval_json(m.measures[k]);
  j["dimensions"] = std::move(dimensions);
  return j;
}

Json agreement_values_json(const AgreementValues &a) {
  return Json{{"krippendorff_alpha_ordinal", optional_number(a.alpha_ordinal)},
              {"krippendorff_alpha_interval", optional_number(a.alpha_interval)},
              {"fleiss_kappa", optional_number(a.fleiss_kappa)},
              {"units", a.units},
              {"fleiss_items", a.fleiss_items}};
}

Json calibration_json(const CalibrationSummary &c) {
  Json j = Json::object();
  j["method"] = c.method;
  j["applied"] = c.applied;
  j["folds"] = c.folds;
  Json cv = Json::object();
  for (const auto &[method, error] : c.cv_mae_rmse)
    cv[method] = Json{{"mae", number(error.first)}, {"rmse", number(error.second)}};
  j["cv"] = std::move(cv);
  if (c.applied) {
    if (c.map.method == stats::CalibrationMethod::linear) {
      j["map"] = Json{{"intercept", number(c.map.intercept)}, {"slope", number(c.map.slope)}};
    } else {
      Json knots = Json::array();
      for (size_t i = 0; i < c.map.knot_jury.size(); ++i)
        knots.push_back(Json::array({number(c.map.knot_jury[i]), number(c.map.knot_expert[i])}));
      j["map"] = Json{{"knots", std::move(knots)}};
    }
  }
  if (!c.note.empty())
    j["note"] = c.note;
  return j;
}

Json expert_json(const ExpertComparison &e, const std::vector<ModelResult> &raw_models) {
  Json j = Json::object();
  j["annotations"] = e.annotations;
  j["annotations_ignored"] = e.annotations_ignored;
  j["transcripts"] = e.transcripts;
  j["annotators"] = e.annotators;
  j["jury_score"] = "majority vote of the panel (integer statistics); panel mean (pearson, "
                    "spearman, mae, bias)";
  Json dimensions = Json::object();
  for (size_t k = 0; k < 3; ++k) {
    const DimensionComparison &dc = e.dimensions[k];
    Json d = Json::object();
    d["items"] = dc.items;
    if (dc.majority) {
      const auto &m = *dc.majority;
      d["kappa_quadratic"] = optional_number(m.kappa_quadratic);
      d["kappa_linear"] = optional_number(m.kappa_linear);
      d["kappa_unweighted"] = optional_number(m.kappa_unweighted);
      d["exact_agreement"] = number(m.exact_agreement);
      d["within_one"] = number(m.within_one_agreement);
      Json confusion = Json::array();
      for (const auto &row : m.confusion.counts)
        confusion.push_back(row);
      d["confusion"] = std::move(confusion);
    }
    d["pearson"] = optional_number(dc.pearson);
    d["spearman"] = optional_number(dc.spearman);
    d["mae"] = optional_number(dc.mae);
    d["bias"] = optional_number(dc.bias);
    d["calibration"] = calibration_json(dc.calibration);
    dimensions[measure_name(k)] = std::move(d);
  }
  j["dimensions"] = std::move(dimensions);
  if (!raw_models.empty())
    j["raw_models"] = detail::list_json(raw_models, model_json);
  return j;
}

// RFC 4180: quoted when the field holds a comma, quote or line break.
std::string csv_field(const std::string &s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos)
    return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"')
      out += '"';
    out += c;
  }
  return out + "\"";
}

std::string csv_number(double x) {
  const double r = rounded(x);
  return std::isnan(r) ? "" : Json(r).dump();
}

// What a CSV row is about; the numbers follow.
struct CsvRow {
  std::string section, clinician, model, condition, stratum, level, dimension;
};

void put(std::string &out, const CsvRow &r, double estimate, double lo, double hi,
         const std::string &n_cases) {
  out += csv_field(r.section) + ',' + csv_field(r.clinician) + ',' + csv_field(r.model) + ',' +
         csv_field(r.condition) + ',' + csv_field(r.stratum) + ',' + csv_field(r.level) + ',' +
         csv_field(r.dimension) + ',' + csv_number(estimate) + ',' + csv_number(lo) + ',' +
         csv_number(hi) + ',' + n_cases + "\r\n";
}

void put_estimate(std::string &out, const CsvRow &row, const Estimate &e) {
  put(out, row, e.mean, e.lo, e.hi, std::to_string(e.n_cases));
}

void put_models(std::string &out, const char *section, const std::vector<ModelResult> &models) {
  for (const ModelResult &m : models)
    for (size_t k = 0; k < kMeasures; ++k)
      if (m.measures[k].defined())
        put_estimate(out,
                     CsvRow{section, m.key.clinician, m.key.model, m.condition, "", "",
                            measure_name(k)},
                     m.measures[k]);
}

void put_statistic(std::string &out, const char *section, const std::string &dimension,
                   const std::string &statistic, const std::optional<double> &value, size_t n) {
  if (!value)
    return;
  put(out, CsvRow{section, "", "", "", "", statistic, dimension}, *value, std::nan(""),
      std::nan(""), std::to_string(n));
}

} // namespace

double rounded(double x) {
  if (!std::isfinite(x))
    return std::nan("");
  const double r = std::round(x * 1e4) / 1e4;
  return r == 0 ? 0.0 : r; // no "-0"
}

std::string report_json(const Report &r) {
  Json j = Json::object();
  j["schema_version"] = 1;
  j["run_id"] = r.run_id;
  j["generated_at"] = r.generated_at;
  j["score_source"] = r.score_source;
  j["bootstrap"] = Json{{"replicates", r.replicates},
                        {"seed", r.seed},
                        {"confidence", r.confidence},
                        {"resampled", "cases"}};
  j["counts"] = Json{{"cases", r.cases}, {"transcripts", r.transcripts}, {"verdicts", r.verdicts}};
  j["models"] = detail::list_json(r.models, model_json);
  j["leaderboard"] = detail::list_json(r.leaderboard, [](const LeaderboardRow &l) {
    Json row = Json::object();
    row["rank"] = l.rank;
    row["clinician"] = l.key.clinician;
    row["model"] = l.key.model;
    row["overall"] = number(l.means[kOverall]);
    for (size_t k = 0; k < 3; ++k)
      row[measure_name(k)] = number(l.means[k]);
    row["best_in"] = l.best_in;
    return row;
  });
  j["strata"] = detail::list_json(r.strata, [](const StratumResult &s) {
    return Json{{"stratum", s.stratum},
                {"level", s.level},
                {"clinician", s.key.clinician},
                {"dimension", measure_name(s.measure)},
                {"mean", number(s.estimate.mean)},
                {"lo", number(s.estimate.lo)},
                {"hi", number(s.estimate.hi)},
                {"n_cases", s.estimate.n_cases}};
  });
  j["stratum_deltas"] = detail::list_json(r.stratum_deltas, [](const StratumDelta &s) {
    return Json{{"stratum", s.stratum},       {"contrast", s.contrast},
                {"clinician", s.key.clinician}, {"dimension", measure_name(s.measure)},
                {"delta", number(s.delta.mean)}, {"lo", number(s.delta.lo)},
                {"hi", number(s.delta.hi)}};
  });
  j["ablations"] = detail::list_json(r.ablations, [](const Ablation &a) {
    return Json{{"clinician", a.key.clinician},
                {"condition", a.condition},
                {"versus", a.versus},
                {"dimension", measure_name(a.measure)},
                {"delta", number(a.delta.mean)},
                {"lo", number(a.delta.lo)},
                {"hi", number(a.delta.hi)},
                {"n_cases", a.delta.n_cases}};
  });
  Json agreement = agreement_values_json(r.agreement.pooled);
  agreement["jurors"] = r.agreement.jurors;
  Json by_dimension = Json::object();
  for (size_t k = 0; k < 3; ++k)
    by_dimension[measure_name(k)] = agreement_values_json(r.agreement.by_dimension[k]);
  agreement["by_dimension"] = std::move(by_dimension);
  j["agreement"] = std::move(agreement);
  j["expert_comparison"] = r.expert ? expert_json(*r.expert, r.raw_models) : Json(nullptr);
  return detail::dump_json(j, true);
}

std::string report_csv(const Report &r) {
  std::string out =
      "section,clinician,model,condition,stratum,level,dimension,estimate,lo,hi,n_cases\r\n";
  put_models(out, "model", r.models);
  if (!r.raw_models.empty())
    put_models(out, "model_raw", r.raw_models);
  for (const LeaderboardRow &l : r.leaderboard) {
    put(out,
        CsvRow{"leaderboard", l.key.clinician, l.key.model, kFullCondition, "",
               "rank " + std::to_string(l.rank), measure_name(kOverall)},
        l.means[kOverall], std::nan(""), std::nan(""), "");
    if (l.behind_leader.defined())
      put_estimate(out,
                   CsvRow{"behind_leader", l.key.clinician, l.key.model, kFullCondition, "",
                          "minus rank 1", measure_name(kOverall)},
                   l.behind_leader);
  }
  for (const StratumResult &s : r.strata)
    put_estimate(out,
                 CsvRow{"stratum", s.key.clinician, s.key.model, kFullCondition, s.stratum,
                        s.level, measure_name(s.measure)},
                 s.estimate);
  for (const StratumDelta &s : r.stratum_deltas)
    put_estimate(out,
                 CsvRow{"stratum_delta", s.key.clinician, s.key.model, kFullCondition, s.stratum,
                        s.contrast, measure_name(s.measure)},
                 s.delta);
  for (const Ablation &a : r.ablations)
    put_estimate(out,
                 CsvRow{"ablation", a.key.clinician, a.key.model, a.condition, "",
                        "minus " + a.versus, measure_name(a.measure)},
                 a.delta);
  auto put_agreement = [&](const std::string &dimension, const AgreementValues &a) {
    put_statistic(out, "agreement", dimension, "krippendorff_alpha_ordinal", a.alpha_ordinal,
                  a.units);
    put_statistic(out, "agreement", dimension, "krippendorff_alpha_interval", a.alpha_interval,
                  a.units);
    put_statistic(out, "agreement", dimension, "fleiss_kappa", a.fleiss_kappa, a.fleiss_items);
  };
  put_agreement("all", r.agreement.pooled);
  for (size_t k = 0; k < 3; ++k)
    put_agreement(measure_name(k), r.agreement.by_dimension[k]);
  if (r.expert) {
    for (size_t k = 0; k < 3; ++k) {
      const DimensionComparison &dc = r.expert->dimensions[k];
      const std::string dim = measure_name(k);
      if (dc.majority) {
        const auto &m = *dc.majority;
        put_statistic(out, "expert", dim, "kappa_quadratic", m.kappa_quadratic, dc.items);
        put_statistic(out, "expert", dim, "kappa_linear", m.kappa_linear, dc.items);
        put_statistic(out, "expert", dim, "exact_agreement", m.exact_agreement, dc.items);
        put_statistic(out, "expert", dim, "within_one", m.within_one_agreement, dc.items);
      }
      put_statistic(out, "expert", dim, "spearman", dc.spearman, dc.items);
      put_statistic(out, "expert", dim, "pearson", dc.pearson, dc.items);
      put_statistic(out, "expert", dim, "mae", dc.mae, dc.items);
      put_statistic(out, "expert", dim, "bias", dc.bias, dc.items);
      for (const auto &[method, error] : dc.calibration.cv_mae_rmse)
        put_statistic(out, "calibration", dim, "cv_mae_" + method, error.first, dc.items);
    }
  }
  return out;
}

} // namespace imc::report
