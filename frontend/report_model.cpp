#include "report_model.h"

#include "imc/verdict.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace imc::ui {
namespace {

using nlohmann::json;

// Reads a report, collecting an error for each required key that is missing or mistyped.
class Reader {
public:
  Reader(std::string_view source, Errors &errors) : source_(source), errors_(errors) {}

  const json *member(const json &object, const char *key, const std::string &pointer,
                     bool required) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
      if (required) fail(pointer + "/" + key, "a value", "missing");
      return nullptr;
    }
    return &*it;
  }
  std::string str(const json &o, const char *key, const std::string &p, bool required = true) {
    const json *v = member(o, key, p, required);
    if (!v) return "";
    if (!v->is_string()) {
      fail(p + "/" + key, "a string", v->type_name());
      return "";
    }
    return v->get<std::string>();
  }
  double num(const json &o, const char *key, const std::string &p, bool required = true) {
    const json *v = member(o, key, p, required);
    if (!v) return 0;
    if (!v->is_number()) {
      fail(p + "/" + key, "a number", v->type_name());
      return 0;
    }
    return v->get<double>();
  }
  std::optional<double> opt_num(const json &o, const char *key, const std::string &p) {
    const json *v = member(o, key, p, false);
    if (!v) return std::nullopt;
    if (!v->is_number()) {
      fail(p + "/" + key, "a number or null", v->type_name());
      return std::nullopt;
    }
    return v->get<double>();
  }
  Interval interval(const json &o, const std::string &p) {
    if (!o.is_object()) {
      fail(p, "an object {mean, lo, hi}", o.type_name());
      return {};
    }
    return Interval{num(o, "mean", p), num(o, "lo", p), num(o, "hi", p)};
  }
  int dimension(const json &o, const std::string &p) {
    const std::string name = str(o, "dimension", p);
    if (name == "overall") return 3;
    auto d = parse_dimension(name);
    if (!d) {
      if (!name.empty()) fail(p + "/dimension", "safety|accuracy|uncertainty", "\"" + name + "\"");
      return 0;
    }
    return static_cast<int>(*d);
  }
  // Calls `each(item, pointer)` for every object of the array `key` (optional when !required).
  template <class F> void each(const json &o, const char *key, const std::string &p, bool required, F &&fn) {
    const json *v = member(o, key, p, required);
    if (!v) return;
    if (!v->is_array()) {
      fail(p + "/" + key, "an array", v->type_name());
      return;
    }
    for (size_t i = 0; i < v->size(); ++i) {
      const std::string ip = p + "/" + key + "/" + std::to_string(i);
      if (!(*v)[i].is_object()) {
        fail(ip, "an object", (*v)[i].type_name());
        continue;
      }
      fn((*v)[i], ip);
    }
  }
  void fail(const std::string &pointer, std::string expected, std::string found) {
    errors_.push_back(Error{std::string(source_), pointer, std::move(expected), std::move(found)});
  }

private:
  std::string_view source_;
  Errors &errors_;
};

} // namespace

std::vector<std::string> Report::conditions() const {
  std::vector<std::string> out;
  for (const auto &m : models) {
    if (std::find(out.begin(), out.end(), m.condition) == out.end()) out.push_back(m.condition);
  }
  std::stable_sort(out.begin(), out.end(), [](const std::string &a, const std::string &b) {
    return (a == "full") > (b == "full");
  });
  return out;
}

Result<Report> parse_report(std::string_view text, std::string_view source) {
  Errors errors;
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Error{std::string(source), "", "a report object (docs/FORMATS.md, \"Report\")",
                 j.is_discarded() ? "text that does not parse as JSON" : j.type_name()};
  }
  Reader r(source, errors);
  Report out;
  out.run_id = r.str(j, "run_id", "");
  out.generated_at = r.str(j, "generated_at", "", false);
  out.score_source = r.str(j, "score_source", "", false);
  if (const json *b = r.member(j, "bootstrap", "", false); b && b->is_object()) {
    out.replicates = static_cast<int>(r.num(*b, "replicates", "/bootstrap", false));
    if (auto c = r.opt_num(*b, "confidence", "/bootstrap")) out.confidence = *c;
  }
  if (const json *c = r.member(j, "counts", "", false); c && c->is_object()) {
    out.cases = static_cast<int>(r.num(*c, "cases", "/counts", false));
    out.transcripts = static_cast<int>(r.num(*c, "transcripts", "/counts", false));
    out.verdicts = static_cast<int>(r.num(*c, "verdicts", "/counts", false));
  }
  r.each(j, "models", "", true, [&](const json &m, const std::string &p) {
    ReportModel model;
    model.clinician = r.str(m, "clinician", p);
    model.model = r.str(m, "model", p, false);
    model.condition = r.str(m, "condition", p, false);
    if (model.condition.empty()) model.condition = "full";
    model.n_cases = static_cast<int>(r.num(m, "n_cases", p, false));
    if (const json *o = r.member(m, "overall", p, true)) model.overall = r.interval(*o, p + "/overall");
    if (const json *dims = r.member(m, "dimensions", p, true); dims && dims->is_object()) {
      for (Dimension d : kDimensions) {
        if (const json *v = r.member(*dims, to_string(d), p + "/dimensions", false)) {
          model.dimensions[static_cast<size_t>(d)] =
              r.interval(*v, p + "/dimensions/" + to_string(d));
        }
      }
    }
    out.models.push_back(std::move(model));
  });
  r.each(j, "leaderboard", "", false, [&](const json &l, const std::string &p) {
    ReportLeader leader;
    leader.rank = static_cast<int>(r.num(l, "rank", p, false));
    leader.clinician = r.str(l, "clinician", p);
    leader.model = r.str(l, "model", p, false);
    leader.overall = r.num(l, "overall", p);
    for (Dimension d : kDimensions) {
      leader.dimensions[static_cast<size_t>(d)] = r.num(l, to_string(d), p, false);
    }
    if (const json *b = r.member(l, "best_in", p, false); b && b->is_array()) {
      for (const auto &x : *b) {
        if (x.is_string()) leader.best_in.push_back(x.get<std::string>());
      }
    }
    out.leaderboard.push_back(std::move(leader));
  });
  r.each(j, "stratum_deltas", "", false, [&](const json &s, const std::string &p) {
    ReportDelta d;
    d.group = r.str(s, "stratum", p);
    d.label = r.str(s, "contrast", p);
    d.clinician = r.str(s, "clinician", p);
    d.dimension = r.dimension(s, p);
    d.delta = r.num(s, "delta", p);
    d.lo = r.num(s, "lo", p, false);
    d.hi = r.num(s, "hi", p, false);
    out.stratum_deltas.push_back(std::move(d));
  });
  r.each(j, "ablations", "", false, [&](const json &a, const std::string &p) {
    ReportDelta d;
    d.clinician = r.str(a, "clinician", p);
    d.condition = r.str(a, "condition", p);
    d.versus = r.str(a, "versus", p, false);
    if (d.versus.empty()) d.versus = "full";
    d.group = d.condition;
    d.label = d.condition + " vs " + d.versus;
    d.dimension = r.dimension(a, p);
    d.delta = r.num(a, "delta", p);
    d.lo = r.num(a, "lo", p, false);
    d.hi = r.num(a, "hi", p, false);
    out.ablations.push_back(std::move(d));
  });
  if (const json *a = r.member(j, "agreement", "", false); a && a->is_object()) {
    ReportAgreement agreement;
    agreement.alpha_ordinal = r.opt_num(*a, "krippendorff_alpha_ordinal", "/agreement");
    agreement.alpha_interval = r.opt_num(*a, "krippendorff_alpha_interval", "/agreement");
    agreement.fleiss_kappa = r.opt_num(*a, "fleiss_kappa", "/agreement");
    if (const json *js = r.member(*a, "jurors", "/agreement", false); js && js->is_array()) {
      for (const auto &x : *js) {
        if (x.is_string()) agreement.jurors.push_back(x.get<std::string>());
      }
    }
    out.agreement = std::move(agreement);
  }
  if (!errors.empty()) return errors;
  return out;
}

} // namespace imc::ui
