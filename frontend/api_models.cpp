#include "api_models.h"

#include "platform.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace imc::ui {
namespace {

using nlohmann::json;

const char *type_name(const json &j) {
  switch (j.type()) {
  case json::value_t::null: return "null";
  case json::value_t::object: return "an object";
  case json::value_t::array: return "an array";
  case json::value_t::string: return "a string";
  case json::value_t::boolean: return "a boolean";
  case json::value_t::discarded: return "invalid JSON";
  default: return "a number";
  }
}

// Reads fields of one object, collecting an error for each that has the wrong type.
class Fields {
public:
  Fields(const json &object, std::string pointer, std::string_view source, Errors &errors)
      : object_(object), pointer_(std::move(pointer)), source_(source), errors_(errors) {}

  std::string str(const char *key) const {
    const json *v = find(key);
    if (!v || v->is_null()) return "";
    if (v->is_string()) return v->get<std::string>();
    error(key, "a string", *v);
    return "";
  }
  double num(const char *key, double fallback = 0) const {
    const json *v = find(key);
    if (!v || v->is_null()) return fallback;
    if (v->is_number()) return v->get<double>();
    error(key, "a number", *v);
    return fallback;
  }
  std::optional<double> opt_num(const char *key) const {
    const json *v = find(key);
    if (!v || v->is_null()) return std::nullopt;
    if (v->is_number()) return v->get<double>();
    error(key, "a number or null", *v);
    return std::nullopt;
  }
  bool boolean(const char *key, bool fallback) const {
    const json *v = find(key);
    if (!v || v->is_null()) return fallback;
    if (v->is_boolean()) return v->get<bool>();
    error(key, "a boolean", *v);
    return fallback;
  }
  const json *find(const char *key) const {
    auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
  }
  void error(const char *key, const char *expected, const json &found) const {
    errors_.push_back(Error{std::string(source_), pointer_ + "/" + key, expected, type_name(found)});
  }

private:
  const json &object_;
  std::string pointer_;
  std::string_view source_;
  Errors &errors_;
};

// Parses `text` as JSON and checks the top-level type; nullopt (with an error) otherwise.
std::optional<json> parse_top(std::string_view text, std::string_view source, bool want_array,
                              Errors &errors) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) {
    errors.push_back(Error{std::string(source), "", "JSON", "text that does not parse"});
    return std::nullopt;
  }
  if (want_array ? !j.is_array() : !j.is_object()) {
    errors.push_back(Error{std::string(source), "", want_array ? "an array" : "an object", type_name(j)});
    return std::nullopt;
  }
  return j;
}

template <class T, class F>
Result<std::vector<T>> parse_array(std::string_view text, std::string_view source, F &&one) {
  Errors errors;
  auto j = parse_top(text, source, true, errors);
  if (!j) return errors;
  std::vector<T> out;
  for (size_t i = 0; i < j->size(); ++i) {
    const json &item = (*j)[i];
    const std::string pointer = "/" + std::to_string(i);
    if (!item.is_object()) {
      errors.push_back(Error{std::string(source), pointer, "an object", type_name(item)});
      continue;
    }
    out.push_back(one(Fields(item, pointer, source, errors), item, pointer, errors));
  }
  if (!errors.empty()) return errors;
  return out;
}

std::optional<int> days_from_civil(int y, unsigned m, unsigned d) {
  // Howard Hinnant's algorithm: days since 1970-01-01.
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int>(doe) - 719468;
}

std::optional<long long> unix_ms(const std::string &ts) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
  if (std::sscanf(ts.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &y, &mo, &d, &h, &mi, &s, &ms) < 6) {
    return std::nullopt;
  }
  auto days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  if (!days) return std::nullopt;
  return ((static_cast<long long>(*days) * 24 + h) * 60 + mi) * 60000LL + s * 1000LL + ms;
}

} // namespace

ApiError api_error_of(const ApiEvent &event) {
  ApiError e;
  if (!event.error.empty()) {
    e.kind = "transport";
    e.message = event.error;
    return e;
  }
  const bool error_event = event.event == "error";
  if (!error_event && event.status >= 200 && event.status < 300) return e;
  if (!error_event && event.status == 0 && event.done && event.data.empty()) return e; // end of stream
  json j = json::parse(event.data, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_object()) {
    const json &err = j["error"];
    auto get = [&](const char *k) {
      return err.contains(k) && err[k].is_string() ? err[k].get<std::string>() : std::string();
    };
    e.kind = get("kind");
    e.message = get("message");
    e.hint = get("hint");
  }
  if (e.kind.empty()) e.kind = event.status == 404 ? "not_found" : "unavailable";
  if (e.message.empty()) {
    e.message = event.status ? "the server answered HTTP " + std::to_string(event.status)
                             : "the request failed";
  }
  return e;
}

Result<std::vector<EndpointInfo>> parse_endpoints(std::string_view json_text, std::string_view source) {
  return parse_array<EndpointInfo>(json_text, source, [](const Fields &f, const json &item,
                                                         const std::string &pointer, Errors &errors) {
    EndpointInfo e;
    e.name = f.str("name");
    e.protocol = f.str("protocol");
    e.model = f.str("model");
    if (auto it = item.find("capabilities"); it != item.end() && it->is_object()) {
      Fields caps(*it, pointer + "/capabilities", "", errors);
      e.images = caps.boolean("images", true);
      e.streaming = caps.boolean("streaming", true);
    }
    if (e.name.empty()) errors.push_back(Error{"", pointer + "/name", "an endpoint name", "nothing"});
    return e;
  });
}

Result<std::vector<TranscriptSummary>> parse_transcript_summaries(std::string_view json_text,
                                                                  std::string_view source) {
  return parse_array<TranscriptSummary>(
      json_text, source, [](const Fields &f, const json &, const std::string &, Errors &) {
        TranscriptSummary t;
        t.id = f.str("id");
        t.run_id = f.str("run_id");
        t.case_id = f.str("case_id");
        t.clinician_endpoint = f.str("clinician_endpoint");
        t.clinician_model = f.str("clinician_model");
        t.condition = f.str("condition");
        t.status = f.str("status");
        t.title = f.str("title");
        t.turns = static_cast<int>(f.num("turns"));
        t.created_at = f.str("created_at");
        return t;
      });
}

Result<std::array<std::optional<DimensionAggregate>, 3>> parse_aggregate(std::string_view json_text,
                                                                        std::string_view source) {
  Errors errors;
  auto j = parse_top(json_text, source, false, errors);
  if (!j) return errors;
  std::array<std::optional<DimensionAggregate>, 3> out;
  for (Dimension d : kDimensions) {
    auto it = j->find(to_string(d));
    if (it == j->end() || it->is_null()) continue;
    const std::string pointer = std::string("/") + to_string(d);
    if (!it->is_object()) {
      errors.push_back(Error{std::string(source), pointer, "an object", type_name(*it)});
      continue;
    }
    Fields f(*it, pointer, source, errors);
    DimensionAggregate a;
    a.mean = f.num("mean");
    a.median = f.num("median");
    if (auto m = f.opt_num("majority")) a.majority = static_cast<int>(*m);
    a.n = static_cast<int>(f.num("n"));
    out[static_cast<size_t>(d)] = a;
  }
  if (!errors.empty()) return errors;
  return out;
}

Result<VerdictSet> parse_verdict_set(std::string_view json_text, std::string_view source) {
  Errors errors;
  auto j = parse_top(json_text, source, false, errors);
  if (!j) return errors;
  VerdictSet out;
  auto verdicts = j->find("verdicts");
  if (verdicts == j->end() || !verdicts->is_array()) {
    errors.push_back(Error{std::string(source), "/verdicts", "an array",
                           verdicts == j->end() ? "missing" : type_name(*verdicts)});
    return errors;
  }
  for (size_t i = 0; i < verdicts->size(); ++i) {
    const std::string where = std::string(source) + " /verdicts/" + std::to_string(i);
    auto v = parse_verdict((*verdicts)[i].dump(), where);
    if (v) out.verdicts.push_back(std::move(v.value()));
    else errors.insert(errors.end(), v.errors().begin(), v.errors().end());
  }
  if (auto agg = j->find("aggregate"); agg != j->end() && agg->is_object()) {
    auto a = parse_aggregate(agg->dump(), std::string(source) + " /aggregate");
    if (a) out.aggregate = a.value();
    else errors.insert(errors.end(), a.errors().begin(), a.errors().end());
  }
  if (!errors.empty()) return errors;
  return out;
}

Result<std::vector<ExpertAnnotation>> parse_annotations(std::string_view json_text,
                                                        std::string_view source) {
  Errors errors;
  auto j = parse_top(json_text, source, true, errors);
  if (!j) return errors;
  std::vector<ExpertAnnotation> out;
  for (size_t i = 0; i < j->size(); ++i) {
    auto a = parse_annotation((*j)[i].dump(), std::string(source) + " /" + std::to_string(i));
    if (a) out.push_back(std::move(a.value()));
    else errors.insert(errors.end(), a.errors().begin(), a.errors().end());
  }
  if (!errors.empty()) return errors;
  return out;
}

Result<std::vector<WireLogEntry>> parse_wire_logs(std::string_view json_text, std::string_view source) {
  return parse_array<WireLogEntry>(
      json_text, source, [](const Fields &f, const json &item, const std::string &, Errors &) {
        WireLogEntry w;
        w.id = f.str("id");
        w.turn = static_cast<int>(f.num("turn"));
        w.call_id = f.str("call_id");
        w.started_at = f.str("started_at");
        w.ended_at = f.str("ended_at");
        w.status = f.str("status");
        // The request is a JSON document (or its text); shown pretty-printed either way.
        if (auto it = item.find("request"); it != item.end()) {
          if (it->is_string()) {
            json parsed = json::parse(it->get<std::string>(), nullptr, false);
            w.request = parsed.is_discarded() ? it->get<std::string>() : parsed.dump(2);
          } else if (!it->is_null()) {
            w.request = it->dump(2);
          }
        }
        if (auto it = item.find("response"); it != item.end()) {
          w.response = it->is_string() ? it->get<std::string>() : it->is_null() ? "" : it->dump(2);
        }
        return w;
      });
}

Result<std::vector<RunInfo>> parse_runs(std::string_view json_text, std::string_view source) {
  return parse_array<RunInfo>(json_text, source,
                              [](const Fields &f, const json &item, const std::string &, Errors &) {
                                RunInfo r;
                                r.id = f.str("id");
                                r.created_at = f.str("created_at");
                                r.status = f.str("status");
                                if (auto it = item.find("progress"); it != item.end() && !it->is_null()) {
                                  r.progress = it->is_string() ? it->get<std::string>() : it->dump();
                                }
                                return r;
                              });
}

Result<Turn> parse_turn(std::string_view json_text, std::string_view source) {
  Errors errors;
  auto j = parse_top(json_text, source, false, errors);
  if (!j) return errors;
  Fields f(*j, "", source, errors);
  Turn t;
  t.index = static_cast<int>(f.num("index"));
  const std::string role = f.str("role");
  if (auto r = parse_role(role)) t.role = *r;
  else errors.push_back(Error{std::string(source), "/role", "patient or clinician", "\"" + role + "\""});
  t.text = f.str("text");
  if (auto it = j->find("images"); it != j->end() && it->is_array()) {
    for (const auto &x : *it) {
      if (x.is_string()) t.images.push_back(x.get<std::string>());
    }
  }
  t.started_at = f.str("started_at");
  t.ended_at = f.str("ended_at");
  auto opt_int = [&](const char *key) -> std::optional<int64_t> {
    if (auto v = f.opt_num(key)) return static_cast<int64_t>(*v);
    return std::nullopt;
  };
  t.latency_ms = opt_int("latency_ms");
  t.ttft_ms = opt_int("ttft_ms");
  t.tokens_in = opt_int("tokens_in");
  t.tokens_out = opt_int("tokens_out");
  t.finish_reason = f.str("finish_reason");
  if (auto it = j->find("error"); it != j->end() && it->is_object()) {
    Fields e(*it, "/error", source, errors);
    t.error = TurnError{e.str("kind"), e.str("message")};
  }
  if (auto it = j->find("wire_log_refs"); it != j->end() && it->is_array()) {
    for (const auto &x : *it) {
      if (x.is_string()) t.wire_log_refs.push_back(x.get<std::string>());
    }
  }
  if (!errors.empty()) return errors;
  return t;
}

std::optional<long long> milliseconds_between(const std::string &from, const std::string &to) {
  auto a = unix_ms(from), b = unix_ms(to);
  if (!a || !b) return std::nullopt;
  return *b - *a;
}

} // namespace imc::ui
