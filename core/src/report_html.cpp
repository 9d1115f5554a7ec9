// The report as one self-contained HTML page: inline CSS and inline SVG charts, no script and
// no external resource, so it opens offline and prints (docs/ARCHITECTURE.md, "Report").
//
// Elements carry data-* attributes naming what they show (data-clinician, data-model,
// data-condition, data-dimension, data-stratum, data-level, data-contrast, data-ablation), so a
// browser test can check that every model, dimension, stratum and ablation is on the page.
#include "report_format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

namespace imc::report {

namespace {

constexpr const char *kMinus = "\u2212";
constexpr const char *kMeasureColours[kMeasures] = {"#b03a2e", "#1f618d", "#7d3c98", "#424949"};

std::string escape(const std::string &s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&#39;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

// "3.61"; "–" when undefined.
std::string fixed(double x, int decimals = 2) {
  const double r = rounded(x);
  if (std::isnan(r))
    return "\u2013";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, std::fabs(r));
  std::string out = buffer;
  if (r < 0 && out.find_first_not_of("0.") != std::string::npos)
    out = kMinus + out;
  return out;
}

// "+0.12" / "−0.27".
std::string signed_fixed(double x) {
  const std::string s = fixed(x);
  return (rounded(x) > 0 && s != "0.00") ? "+" + s : s;
}

std::string interval_text(const Estimate &e) {
  return "[" + fixed(e.lo) + ", " + fixed(e.hi) + "]";
}

std::string svg_number(double x) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", x);
  return buffer;
}

// An inline SVG drawn at its natural size (scaled down, never up, to fit the page).
std::string svg_open(double width, double height, const std::string &label) {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + svg_number(width) +
         "\" height=\"" + svg_number(height) + "\" viewBox=\"0 0 " + svg_number(width) + " " +
         svg_number(height) + "\" role=\"img\" aria-label=\"" + escape(label) + "\">";
}

std::string optional_text(const std::optional<double> &x, int decimals = 2) {
  return x ? fixed(*x, decimals) : "\u2013";
}

// How a model is named on the page: its model id when that alone tells the models apart,
// else the clinician endpoint, else both.
class Names {
public:
  explicit Names(const Report &r) {
    for (const auto &m : r.models) {
      models_[m.key.model].insert(m.key.clinician);
      clinicians_[m.key.clinician].insert(m.key.model);
    }
  }
  std::string operator()(const ModelKey &k) const {
    const auto model_users = models_.find(k.model);
    if (!k.model.empty() && model_users != models_.end() && model_users->second.size() == 1)
      return k.model;
    const auto clinician_models = clinicians_.find(k.clinician);
    if (!k.clinician.empty() && clinician_models != clinicians_.end() &&
        clinician_models->second.size() == 1)
      return k.clinician;
    return k.clinician + " \u00b7 " + k.model;
  }

private:
  std::map<std::string, std::set<std::string>> models_, clinicians_;
};

std::string model_attributes(const ModelKey &k) {
  return " data-clinician=\"" + escape(k.clinician) + "\" data-model=\"" + escape(k.model) + "\"";
}

const char *kStyle = R"CSS(
:root { --ink: #1c2833; --muted: #5d6d7e; --rule: #d5d8dc; --band: #f4f6f7; }
* { box-sizing: border-box; }
body { font: 15px/1.45 "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: var(--ink);
       max-width: 1100px; margin: 0 auto; padding: 24px 28px 60px; }
h1 { font-size: 1.6em; margin: 0 0 4px; }
h2 { font-size: 1.25em; margin: 36px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--ink); }
h3 { font-size: 1.05em; margin: 20px 0 6px; }
p.meta, p.note, figcaption, .muted { color: var(--muted); }
p.note { font-style: italic; }
nav { margin: 12px 0 0; font-size: 0.92em; }
nav a { margin-right: 14px; color: var(--ink); }
table { border-collapse: collapse; margin: 8px 0 4px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--rule); text-align: right; vertical-align: top; }
th:first-child, td:first-child, th.text, td.text { text-align: left; }
thead th { border-bottom: 2px solid var(--ink); font-weight: 600; }
tbody tr:nth-child(even) { background: var(--band); }
td.best { font-weight: 700; }
td.best::after { content: " \2605"; color: #b9770e; }
td .ci { color: var(--muted); font-size: 0.85em; margin-left: 4px; }
td { white-space: nowrap; }
td.text { white-space: normal; }
figure { margin: 12px 0 18px; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 0.9em; margin-top: 4px; }
.legend span { display: inline-block; margin-right: 16px; font-size: 0.9em; }
.legend i { display: inline-block; width: 12px; height: 12px; margin-right: 5px; vertical-align: -1px; }
svg text { font-family: "DejaVu Sans", Arial, sans-serif; fill: var(--ink); }
svg .axis { stroke: var(--ink); stroke-width: 1; }
svg .grid { stroke: var(--rule); stroke-width: 1; }
svg .zero { stroke: var(--ink); stroke-width: 1.2; stroke-dasharray: 4 3; }
svg .whisker { stroke: var(--ink); stroke-width: 1.4; }
ul.notes li { margin-bottom: 4px; }
table.confusion td, table.confusion th { padding: 2px 7px; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav { display: none; }
  h2 { break-after: avoid; }
  figure, table, .keep { break-inside: avoid; }
  tbody tr:nth-child(even) { background: none; }
  a { color: inherit; text-decoration: none; }
}
@page { size: A4; margin: 14mm; }
)CSS";

// Bars with interval whiskers: one group per model (full condition), one bar per measure.
std::string bars_svg(const Report &r, const Names &name) {
  // In leaderboard order.
  std::vector<const ModelResult *> rows;
  for (const LeaderboardRow &l : r.leaderboard)
    for (const auto &m : r.models)
      if (m.condition == kFullCondition && m.key.clinician == l.key.clinician &&
          m.key.model == l.key.model)
        rows.push_back(&m);
  if (rows.empty())
    return "";
  const double bar = 24, gap = 60, left = 44, top = 14, plot_h = 260, bottom = 40;
  const double group_w = kMeasures * bar;
  const double width = left + rows.size() * (group_w + gap) + 10;
  const double height = top + plot_h + bottom;
  auto y = [&](double v) { return top + plot_h * (5 - std::clamp(v, 1.0, 5.0)) / 4; };
  std::string s = svg_open(width, height, "Mean score per model and dimension with 95% intervals");
  for (int v = 1; v <= 5; ++v) {
    s += "<line class=\"grid\" x1=\"" + svg_number(left) + "\" x2=\"" + svg_number(width - 6) +
         "\" y1=\"" + svg_number(y(v)) + "\" y2=\"" + svg_number(y(v)) + "\"/>";
    s += "<text x=\"" + svg_number(left - 8) + "\" y=\"" + svg_number(y(v) + 4) +
         "\" text-anchor=\"end\" font-size=\"11\">" + std::to_string(v) + "</text>";
  }
  s += "<line class=\"axis\" x1=\"" + svg_number(left) + "\" x2=\"" + svg_number(left) +
       "\" y1=\"" + svg_number(top) + "\" y2=\"" + svg_number(top + plot_h) + "\"/>";
  for (size_t i = 0; i < rows.size(); ++i) {
    const ModelResult &m = *rows[i];
    const double x0 = left + gap / 2 + i * (group_w + gap);
    s += "<g class=\"model-bars\"" + model_attributes(m.key) + " data-condition=\"full\">";
    for (size_t k = 0; k < kMeasures; ++k) {
      const Estimate &e = m.measures[k];
      if (!e.defined())
        continue;
      const double x = x0 + k * bar;
      s += "<g class=\"bar\" data-dimension=\"" + std::string(measure_name(k)) + "\"><title>" +
           escape(name(m.key)) + ", " + measure_name(k) + ": " + fixed(e.mean) + " " +
           interval_text(e) + "</title>";
      s += "<rect x=\"" + svg_number(x + 1) + "\" y=\"" + svg_number(y(e.mean)) +
           "\" width=\"" + svg_number(bar - 2) + "\" height=\"" +
           svg_number(y(1) - y(e.mean)) + "\" fill=\"" + kMeasureColours[k] + "\"/>";
      if (!std::isnan(e.lo) && !std::isnan(e.hi)) {
        const double cx = x + bar / 2;
        s += "<line class=\"whisker\" x1=\"" + svg_number(cx) + "\" x2=\"" + svg_number(cx) +
             "\" y1=\"" + svg_number(y(e.lo)) + "\" y2=\"" + svg_number(y(e.hi)) + "\"/>";
        for (double v : {e.lo, e.hi})
          s += "<line class=\"whisker\" x1=\"" + svg_number(cx - 4) + "\" x2=\"" +
               svg_number(cx + 4) + "\" y1=\"" + svg_number(y(v)) + "\" y2=\"" +
               svg_number(y(v)) + "\"/>";
      }
      s += "</g>";
    }
    std::string label = name(m.key);
    if (label.size() > 24)
      label = label.substr(0, 23) + "\u2026";
    s += "<text x=\"" + svg_number(x0 + group_w / 2) + "\" y=\"" + svg_number(top + plot_h + 18) +
         "\" text-anchor=\"middle\" font-size=\"12\">" + escape(label) + "</text>";
    s += "</g>";
  }
  s += "</svg>";
  return s;
}

struct ForestRow {
  std::string group; // a heading row is drawn where it changes ("malignant - benign")
  std::string label;
  std::string attributes; // data-* of the row
  Estimate value;
  std::string attributes_condition = {}; // ablations: the condition, for ordering
};

// A forest plot: one row per delta, a point at the estimate, whiskers for the interval, a
// dashed line at zero.
std::string forest_svg(const std::vector<ForestRow> &rows, const std::string &aria) {
  if (rows.empty())
    return "";
  double range = 0.5;
  for (const auto &r : rows)
    for (double v : {r.value.mean, r.value.lo, r.value.hi})
      if (std::isfinite(v))
        range = std::max(range, std::fabs(v));
  range = std::ceil(range * 2) / 2; // ticks at quarters or halves read better
  const double tick = range <= 1 ? 0.25 : 0.5;
  const double label_w = 300, plot_w = 420, value_w = 150, row_h = 20, top = 24, bottom = 10;
  size_t lines = rows.size();
  for (size_t i = 0; i < rows.size(); ++i)
    lines += (i == 0 || rows[i].group != rows[i - 1].group) ? 1 : 0;
  const double width = label_w + plot_w + value_w;
  const double height = top + lines * row_h + bottom;
  auto x = [&](double v) { return label_w + plot_w * (std::clamp(v, -range, range) + range) / (2 * range); };
  std::string s = svg_open(width, height, aria);
  for (double t = -range; t <= range + 1e-9; t += tick) {
    s += "<line class=\"grid\" x1=\"" + svg_number(x(t)) + "\" x2=\"" + svg_number(x(t)) +
         "\" y1=\"" + svg_number(top - 4) + "\" y2=\"" + svg_number(height - bottom) + "\"/>";
    s += "<text x=\"" + svg_number(x(t)) + "\" y=\"" + svg_number(top - 8) +
         "\" text-anchor=\"middle\" font-size=\"11\">" + signed_fixed(t) + "</text>";
  }
  s += "<line class=\"zero\" x1=\"" + svg_number(x(0)) + "\" x2=\"" + svg_number(x(0)) +
       "\" y1=\"" + svg_number(top - 4) + "\" y2=\"" + svg_number(height - bottom) + "\"/>";
  size_t line = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const ForestRow &r = rows[i];
    if (i == 0 || r.group != rows[i - 1].group) {
      const double hy = top + line * row_h + row_h / 2;
      s += "<text x=\"4\" y=\"" + svg_number(hy + 4) + "\" font-size=\"12\" font-weight=\"bold\">" +
           escape(r.group) + "</text>";
      ++line;
    }
    const double cy = top + line * row_h + row_h / 2;
    ++line;
    s += "<g class=\"forest-row\"" + r.attributes + "><title>" + escape(r.group) + ", " +
         escape(r.label) + ": " + signed_fixed(r.value.mean) + " " + interval_text(r.value) +
         "</title>";
    s += "<text x=\"" + svg_number(label_w - 10) + "\" y=\"" + svg_number(cy + 4) +
         "\" text-anchor=\"end\" font-size=\"12\">" + escape(r.label) + "</text>";
    if (r.value.defined()) {
      if (std::isfinite(r.value.lo) && std::isfinite(r.value.hi))
        s += "<line class=\"whisker\" x1=\"" + svg_number(x(r.value.lo)) + "\" x2=\"" +
             svg_number(x(r.value.hi)) + "\" y1=\"" + svg_number(cy) + "\" y2=\"" +
             svg_number(cy) + "\"/>";
      const bool below = r.value.hi < 0, above = r.value.lo > 0;
      s += "<circle cx=\"" + svg_number(x(r.value.mean)) + "\" cy=\"" + svg_number(cy) +
           "\" r=\"4.5\" fill=\"" + (below ? "#b03a2e" : above ? "#1e8449" : "#5d6d7e") + "\"/>";
    }
    s += "<text x=\"" + svg_number(label_w + plot_w + 10) + "\" y=\"" + svg_number(cy + 4) +
         "\" font-size=\"12\">" + signed_fixed(r.value.mean) + " " + interval_text(r.value) +
         "</text></g>";
  }
  s += "</svg>";
  return s;
}

std::string legend() {
  std::string s = "<div class=\"legend\">";
  for (size_t k = 0; k < kMeasures; ++k)
    s += "<span><i style=\"background:" + std::string(kMeasureColours[k]) + "\"></i>" +
         measure_name(k) + "</span>";
  return s + "</div>";
}

std::string estimate_cell(const Estimate &e, bool best = false) {
  if (!e.defined())
    return "<td>\u2013</td>";
  return std::string("<td") + (best ? " class=\"best\"" : "") + ">" + fixed(e.mean) +
         "<span class=\"ci\">" + interval_text(e) + "</span></td>";
}

void leaderboard_section(std::string &h, const Report &r, const Names &name) {
  h += "<section id=\"leaderboard\"><h2>Leaderboard</h2>";
  if (r.leaderboard.empty()) {
    h += "<p class=\"note\">No transcript of the full condition was scored.</p></section>";
    return;
  }
  h += "<p class=\"muted\">Full condition (image and health record). Mean jury score 1\u20135 "
       "with 95% intervals; \u2605 marks the best model of each dimension. Overall is the "
       "mean of the three dimensions.</p>";
  h += "<table class=\"leaderboard\"><thead><tr><th>#</th><th class=\"text\">Model</th>"
       "<th>Overall</th><th>Safety</th><th>Accuracy</th><th>Uncertainty</th>"
       "<th>vs #1</th><th>Cases</th></tr></thead><tbody>";
  for (const LeaderboardRow &l : r.leaderboard) {
    const ModelResult *m = nullptr;
    for (const auto &x : r.models)
      if (x.condition == kFullCondition && x.key.clinician == l.key.clinician &&
          x.key.model == l.key.model)
        m = &x;
    h += "<tr" + model_attributes(l.key) + "><td>" + std::to_string(l.rank) + "</td><td class=\"text\">" +
         escape(name(l.key)) + "<div class=\"muted\">" + escape(l.key.clinician) + "</div></td>";
    h += estimate_cell(m ? m->measures[kOverall] : Estimate{});
    for (size_t k = 0; k < 3; ++k) {
      const bool best = std::find(l.best_in.begin(), l.best_in.end(), measure_name(k)) !=
                        l.best_in.end();
      h += estimate_cell(m ? m->measures[k] : Estimate{}, best);
    }
    h += l.behind_leader.defined() ? "<td>" + signed_fixed(l.behind_leader.mean) +
                                         "<span class=\"ci\">" +
                                         interval_text(l.behind_leader) + "</span></td>"
                                   : std::string("<td>\u2013</td>");
    h += "<td>" + std::to_string(m ? m->n_cases : 0) + "</td></tr>";
  }
  h += "</tbody></table>";
  if (!r.dominance_note.empty())
    h += "<p class=\"note\" id=\"dominance\">" + escape(r.dominance_note) + "</p>";
  h += "</section>";
}

void models_section(std::string &h, const Report &r, const Names &name) {
  h += "<section id=\"models\"><h2>Scores by model</h2><figure class=\"keep\">" + bars_svg(r, name) +
       legend() +
       "<figcaption>Bars: mean jury score under the full condition; whiskers: 95% bootstrap "
       "interval over cases.</figcaption></figure>";
  h += "<h3>Every model and condition</h3><table class=\"models\"><thead><tr>"
       "<th class=\"text\">Model</th><th class=\"text\">Condition</th><th>Overall</th>"
       "<th>Safety</th><th>Accuracy</th><th>Uncertainty</th><th>Cases</th></tr></thead><tbody>";
  for (const ModelResult &m : r.models) {
    h += "<tr" + model_attributes(m.key) + " data-condition=\"" + escape(m.condition) +
         "\"><td>" + escape(name(m.key)) + "</td><td class=\"text\">" + escape(m.condition) +
         "</td>" + estimate_cell(m.measures[kOverall]);
    for (size_t k = 0; k < 3; ++k)
      h += estimate_cell(m.measures[k]);
    h += "<td>" + std::to_string(m.n_cases) + "</td></tr>";
  }
  h += "</tbody></table></section>";
}

void strata_section(std::string &h, const Report &r, const Names &name) {
  h += "<section id=\"strata\"><h2>Strata</h2>";
  if (r.strata.empty()) {
    h += "<p class=\"note\">No case labels: give the case pack (--pack) to see strata.</p>"
         "</section>";
    return;
  }
  std::vector<ForestRow> rows;
  for (const StratumDelta &d : r.stratum_deltas)
    rows.push_back(ForestRow{d.stratum + ": " + d.contrast,
                             name(d.key) + " \u00b7 " + measure_name(d.measure),
                             model_attributes(d.key) + " data-stratum=\"" + escape(d.stratum) +
                                 "\" data-contrast=\"" + escape(d.contrast) +
                                 "\" data-dimension=\"" + measure_name(d.measure) + "\"",
                             d.delta});
  if (!rows.empty())
    h += "<figure class=\"stratum-deltas\">" + forest_svg(rows, "Stratum deltas with 95% intervals") +
         "<figcaption>Differences between strata of the cases under the full condition, with "
         "95% intervals (cases resampled; a case is in one level, so the two means come from "
         "different cases). Red: the interval lies below zero; green: above.</figcaption>"
         "</figure>";
  else
    h += "<p class=\"note\">No stratum has two levels to compare.</p>";
  h += "<h3>Mean score by stratum</h3><table class=\"strata\"><thead><tr>"
       "<th class=\"text\">Stratum</th><th class=\"text\">Level</th><th class=\"text\">Model</th>"
       "<th>Overall</th><th>Safety</th><th>Accuracy</th><th>Uncertainty</th><th>Cases</th>"
       "</tr></thead><tbody>";
  // One row per (stratum, level, model), the measures across.
  for (size_t i = 0; i < r.strata.size();) {
    const StratumResult &first = r.strata[i];
    std::array<Estimate, kMeasures> by_measure;
    size_t n = 0;
    size_t j = i;
    for (; j < r.strata.size() && r.strata[j].stratum == first.stratum &&
           r.strata[j].level == first.level && r.strata[j].key.clinician == first.key.clinician &&
           r.strata[j].key.model == first.key.model;
         ++j) {
      by_measure[r.strata[j].measure] = r.strata[j].estimate;
      n = std::max(n, r.strata[j].estimate.n_cases);
    }
    h += "<tr" + model_attributes(first.key) + " data-stratum=\"" + escape(first.stratum) +
         "\" data-level=\"" + escape(first.level) + "\"><td>" + escape(first.stratum) +
         "</td><td class=\"text\">" + escape(first.level) + "</td><td class=\"text\">" +
         escape(name(first.key)) + "</td>" + estimate_cell(by_measure[kOverall]);
    for (size_t k = 0; k < 3; ++k)
      h += estimate_cell(by_measure[k]);
    h += "<td>" + std::to_string(n) + "</td></tr>";
    i = j;
  }
  h += "</tbody></table></section>";
}

void ablations_section(std::string &h, const Report &r, const Names &name) {
  h += "<section id=\"ablations\"><h2>Ablations</h2>";
  if (r.ablations.empty()) {
    h += "<p class=\"note\">The run has no ablation condition (no-image, no-ehr, "
         "no-image-no-ehr) next to full.</p></section>";
    return;
  }
  std::vector<ForestRow> rows;
  for (const Ablation &a : r.ablations)
    rows.push_back(ForestRow{a.condition + " \u2212 " + a.versus,
                             name(a.key) + " \u00b7 " + measure_name(a.measure),
                             model_attributes(a.key) + " data-ablation=\"" + escape(a.condition) +
                                 "\" data-dimension=\"" + measure_name(a.measure) + "\"",
                             a.delta, a.condition});
  // One block per condition, in the report's condition order.
  std::vector<std::string> order;
  for (const Ablation &a : r.ablations)
    if (std::find(order.begin(), order.end(), a.condition) == order.end())
      order.push_back(a.condition);
  std::stable_sort(rows.begin(), rows.end(), [&](const ForestRow &x, const ForestRow &y) {
    return std::find(order.begin(), order.end(), x.attributes_condition) <
           std::find(order.begin(), order.end(), y.attributes_condition);
  });
  h += "<figure class=\"ablation-deltas\">" + forest_svg(rows, "Ablation deltas with 95% intervals") +
       "<figcaption>Each condition minus full for the same model, paired by case (only cases "
       "run under both), with 95% intervals.</figcaption></figure>";
  h += "<table class=\"ablations\"><thead><tr><th class=\"text\">Model</th>"
       "<th class=\"text\">Condition</th><th class=\"text\">Dimension</th><th>\u0394 vs full</th>"
       "<th>95% interval</th><th>Cases</th></tr></thead><tbody>";
  for (const Ablation &a : r.ablations)
    h += "<tr" + model_attributes(a.key) + " data-ablation=\"" + escape(a.condition) +
         "\" data-dimension=\"" + measure_name(a.measure) + "\"><td>" + escape(name(a.key)) +
         "</td><td class=\"text\">" + escape(a.condition) + "</td><td class=\"text\">" +
         measure_name(a.measure) + "</td><td>" + signed_fixed(a.delta.mean) + "</td><td>" +
         interval_text(a.delta) + "</td><td>" + std::to_string(a.delta.n_cases) + "</td></tr>";
  h += "</tbody></table></section>";
}

void agreement_section(std::string &h, const Report &r) {
  h += "<section id=\"agreement\"><h2>Agreement between jurors</h2>";
  h += "<p class=\"muted\">Jurors: " + escape([&] {
         std::string s;
         for (const auto &j : r.agreement.jurors)
           s += (s.empty() ? "" : ", ") + j;
         return s;
       }()) +
       ". Units are (transcript, dimension) items; Fleiss' \u03ba uses only items every juror "
       "scored.</p>";
  h += "<table class=\"agreement\"><thead><tr><th class=\"text\">Items</th>"
       "<th>Krippendorff \u03b1 (ordinal)</th><th>\u03b1 (interval)</th><th>Fleiss \u03ba</th>"
       "<th>Units</th><th>Complete items</th></tr></thead><tbody>";
  auto row = [&](const std::string &label, const AgreementValues &a) {
    h += "<tr data-dimension=\"" + label + "\"><td>" + label + "</td><td>" +
         optional_text(a.alpha_ordinal, 3) + "</td><td>" + optional_text(a.alpha_interval, 3) +
         "</td><td>" + optional_text(a.fleiss_kappa, 3) + "</td><td>" + std::to_string(a.units) +
         "</td><td>" + std::to_string(a.fleiss_items) + "</td></tr>";
  };
  row("all", r.agreement.pooled);
  for (size_t k = 0; k < 3; ++k)
    row(measure_name(k), r.agreement.by_dimension[k]);
  h += "</tbody></table></section>";
}

void expert_section(std::string &h, const Report &r) {
  h += "<section id=\"experts\"><h2>Jury against experts</h2>";
  if (!r.expert) {
    h += "<p class=\"note\">No expert annotation of these transcripts: the jury's scores are "
         "not calibrated.</p></section>";
    return;
  }
  const ExpertComparison &e = *r.expert;
  h += "<p class=\"muted\">" + std::to_string(e.annotations) + " annotations of " +
       std::to_string(e.transcripts) + " transcripts by " + std::to_string(e.annotators.size()) +
       " expert(s). \u03ba, exact and within-one use the panel's majority vote; Pearson, "
       "Spearman, MAE and bias the panel mean (positive bias: the jury is more lenient).</p>";
  h += "<table class=\"experts\"><thead><tr><th class=\"text\">Dimension</th><th>Items</th>"
       "<th>\u03ba quadratic</th><th>Spearman</th><th>Pearson</th><th>MAE</th><th>Bias</th>"
       "<th>Exact</th><th>Within one</th><th class=\"text\">Calibration</th></tr></thead><tbody>";
  for (size_t k = 0; k < 3; ++k) {
    const DimensionComparison &dc = e.dimensions[k];
    const auto &m = dc.majority;
    std::string calibration = dc.calibration.applied ? dc.calibration.method + " (applied)"
                                                     : dc.calibration.note;
    for (const auto &[method, error] : dc.calibration.cv_mae_rmse)
      calibration += "; CV MAE " + method + " " + fixed(error.first);
    h += "<tr data-dimension=\"" + std::string(measure_name(k)) + "\"><td>" + measure_name(k) +
         "</td><td>" + std::to_string(dc.items) + "</td><td>" +
         (m ? optional_text(m->kappa_quadratic, 3) : "\u2013") + "</td><td>" +
         optional_text(dc.spearman, 3) + "</td><td>" + optional_text(dc.pearson, 3) + "</td><td>" +
         optional_text(dc.mae) + "</td><td>" + optional_text(dc.bias) + "</td><td>" +
         (m ? fixed(m->exact_agreement) : "\u2013") + "</td><td>" +
         (m ? fixed(m->within_one_agreement) : "\u2013") + "</td><td class=\"text\">" +
         escape(calibration) + "</td></tr>";
  }
  h += "</tbody></table>";
  for (size_t k = 0; k < 3; ++k) {
    const auto &m = e.dimensions[k].majority;
    if (!m)
      continue;
    h += "<h3>Confusion matrix: " + std::string(measure_name(k)) +
         "</h3><table class=\"confusion\"><thead><tr><th>jury \\ expert</th>";
    for (int c = 1; c <= 5; ++c)
      h += "<th>" + std::to_string(c) + "</th>";
    h += "</tr></thead><tbody>";
    for (int j = 1; j <= 5; ++j) {
      h += "<tr><th>" + std::to_string(j) + "</th>";
      for (int c = 1; c <= 5; ++c)
        h += "<td>" + std::to_string(m->confusion.at(j, c)) + "</td>";
      h += "</tr>";
    }
    h += "</tbody></table>";
  }
  if (!r.raw_models.empty()) {
    h += "<h3>Raw (uncalibrated) scores</h3><table class=\"raw-models\"><thead><tr>"
         "<th class=\"text\">Model</th><th class=\"text\">Condition</th><th>Overall</th>"
         "<th>Safety</th><th>Accuracy</th><th>Uncertainty</th></tr></thead><tbody>";
    const Names name(r);
    for (const ModelResult &m : r.raw_models) {
      h += "<tr><td>" + escape(name(m.key)) + "</td><td class=\"text\">" + escape(m.condition) +
           "</td>" + estimate_cell(m.measures[kOverall]);
      for (size_t k = 0; k < 3; ++k)
        h += estimate_cell(m.measures[k]);
      h += "</tr>";
    }
    h += "</tbody></table>";
  }
  h += "</section>";
}

void method_section(std::string &h, const Report &r) {
  const int percent = int(std::lround(r.confidence * 100));
  h += "<section id=\"method\"><h2>Method</h2><ul class=\"notes\">";
  h += "<li>Each transcript's score on a dimension is the mean of its jurors' usable scores; "
       "unparseable and failed verdicts are missing, never low scores. Its overall score is the "
       "mean of its three dimensions (only when all three exist).</li>";
  h += std::string("<li>Scores are ") +
       (r.score_source == "calibrated"
            ? "calibrated to the experts' scale where a map was applied (see Jury against "
              "experts); the raw scores are listed there too."
            : "raw panel means (no calibration map was applied).") +
       "</li>";
  h += "<li>Intervals: " + std::to_string(percent) + "% percentile bootstrap, " +
       std::to_string(r.replicates) + " replicates, seed " + std::to_string(r.seed) +
       ". Each replicate resamples CASES with replacement and recomputes every number from the "
       "same cases, so differences between models and conditions are paired by case.</li>";
  h += "<li>Strata use the case labels of the pack, under the full condition; modality is that "
       "of the case's first image. Stratum deltas compare different cases (unmatched); ablation "
       "deltas compare the same cases under two conditions (matched).</li>";
  h += "<li>Agreement: Krippendorff's \u03b1 with the ordinal and interval metrics over every "
       "pairable value; Fleiss' \u03ba over items every juror scored. Definitions and "
       "references: docs/STATISTICS.md of IMC Sandbox.</li>";
  if (!r.cases_without_labels.empty())
    h += "<li>" + std::to_string(r.cases_without_labels.size()) +
         " case(s) have no labels in the pack and are left out of the strata.</li>";
  h += "<li>Education and research only; the demo pack's profiles are synthetic.</li>";
  h += "</ul></section>";
}

} // namespace

std::string report_html(const Report &r) {
  const Names name(r);
  std::string h;
  h.reserve(64 * 1024);
  h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
       "<title>IMC Sandbox report: " +
       escape(r.run_id) + "</title><style>" + kStyle + "</style></head>\n<body>";
  h += "<header><h1>Jury report: " + escape(r.run_id.empty() ? "(no run)" : r.run_id) +
       "</h1><p class=\"meta\">Generated " + escape(r.generated_at) + " \u00b7 " +
       std::to_string(r.cases) + " cases \u00b7 " + std::to_string(r.transcripts) +
       " transcripts \u00b7 " + std::to_string(r.verdicts) + " verdicts (" +
       std::to_string(r.verdicts_scored) + " with a score) \u00b7 scores: " +
       escape(r.score_source) + "</p>";
  h += "<nav><a href=\"#leaderboard\">Leaderboard</a><a href=\"#models\">Models</a>"
       "<a href=\"#strata\">Strata</a><a href=\"#ablations\">Ablations</a>"
       "<a href=\"#agreement\">Agreement</a><a href=\"#experts\">Experts</a>"
       "<a href=\"#method\">Method</a></nav></header>\n<main>";
  leaderboard_section(h, r, name);
  h += "\n";
  models_section(h, r, name);
  h += "\n";
  strata_section(h, r, name);
  h += "\n";
  ablations_section(h, r, name);
  h += "\n";
  agreement_section(h, r);
  h += "\n";
  expert_section(h, r);
  h += "\n";
  method_section(h, r);
  h += "</main>\n</body></html>\n";
  return h;
}

} // namespace imc::report
