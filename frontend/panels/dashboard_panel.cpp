// Dashboard: the report's charts drawn with ImDrawList. Model x dimension bars with their 95 %
// intervals, stratum deltas (malignant - benign, rare - common) and ablation deltas (no-image,
// no-ehr), the leaderboard and the jury's agreement. A click on a bar lists the transcripts
// behind it; a click on one opens it.
#include "panels.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace imc::ui {
namespace {

constexpr const char *kDimensionNames[] = {"safety", "accuracy", "uncertainty", "overall"};

std::string number(double v, const char *format = "%.2f") {
  char buf[32];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string interval_text(double mean, double lo, double hi) {
  return number(mean) + " [" + number(lo) + ", " + number(hi) + "]";
}

// A clickable region over a bar: the transcripts behind it open in the side list.
void bar_hit(AppState &state, const std::string &id, ImVec2 min, ImVec2 max, const BarSelection &bar,
             const std::string &tooltip, std::vector<Action> &out) {
  const ImVec2 cursor = ImGui::GetCursorScreenPos();
  if (max.y - min.y < 6) {
    min.y -= 3;
    max.y += 3;
  }
  ImGui::SetCursorScreenPos(min);
  ImGui::PushID(id.c_str());
  if (ImGui::InvisibleButton("##bar", ImVec2(std::max(2.0f, max.x - min.x), std::max(2.0f, max.y - min.y)))) {
    out.push_back(OpenBar{bar});
  }
  ImGui::PopID();
  record_widget(state, "bar:" + id);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s\nClick: the transcripts behind this bar", tooltip.c_str());
  const bool selected = state.dashboard.bar && state.dashboard.bar->label == bar.label;
  if (selected) {
    ImGui::GetWindowDrawList()->AddRect(ImVec2(min.x - 2, min.y - 2), ImVec2(max.x + 2, max.y + 2),
                                        ImGui::GetColorU32(ImGuiCol_Text), 2.0f, 0, 2.0f);
  }
  ImGui::SetCursorScreenPos(cursor);
}

void draw_legend(const Palette &p) {
  ImDrawList *dl = ImGui::GetWindowDrawList();
  const float s = ImGui::GetTextLineHeight() * 0.7f;
  for (int d = 0; d < 4; ++d) {
    if (d) ImGui::SameLine();
    const ImVec2 at = ImGui::GetCursorScreenPos();
    dl->AddRectFilled(ImVec2(at.x, at.y + 3), ImVec2(at.x + s, at.y + 3 + s), p.dimension[d], 2.0f);
    ImGui::Dummy(ImVec2(s + 2, s));
    ImGui::SameLine();
    ImGui::TextUnformatted(kDimensionNames[d]);
  }
}

// Model x dimension bars on the 1..5 scale, with interval whiskers.
void model_chart(AppState &state, const Report &report, std::vector<Action> &out) {
  const Palette &p = palette(state.settings.dark);
  std::vector<const ReportModel *> models;
  for (const auto &m : report.models) {
    if (m.condition == state.dashboard.condition) models.push_back(&m);
  }
  ImGui::TextUnformatted(("Scores by model, condition " + state.dashboard.condition +
                          " (jury means, 1-5, with 95 % intervals)").c_str());
  draw_legend(p);
  if (models.empty()) {
    note("No model under this condition.");
    return;
  }
  ImDrawList *dl = ImGui::GetWindowDrawList();
  const float line = ImGui::GetTextLineHeight();
  const float w = std::max(1.0f, ImGui::GetContentRegionAvail().x);
  const float h = std::max(line * 10, 220.0f);
  const ImVec2 at = ImGui::GetCursorScreenPos();
  const float left = ImGui::CalcTextSize("5.0").x + 8;
  const float bottom = line * 1.4f;
  const ImVec2 plot_min(at.x + left, at.y + line * 0.5f);
  const ImVec2 plot_max(at.x + w, at.y + h - bottom);
  auto y_of = [&](double v) {
    return plot_max.y - static_cast<float>((std::clamp(v, 1.0, 5.0) - 1.0) / 4.0) * (plot_max.y - plot_min.y);
  };
  for (int k = 1; k <= 5; ++k) {
    const float y = y_of(k);
    dl->AddLine(ImVec2(plot_min.x, y), ImVec2(plot_max.x, y), p.chart_grid);
    dl->AddText(ImVec2(at.x, y - line / 2), p.chart_axis, number(k, "%.1f").c_str());
  }
  const float group_w = (plot_max.x - plot_min.x) / static_cast<float>(models.size());
  const float bar_w = group_w * 0.8f / 4;
  for (size_t m = 0; m < models.size(); ++m) {
    const ReportModel &model = *models[m];
    const float gx = plot_min.x + group_w * static_cast<float>(m) + group_w * 0.1f;
    for (int d = 0; d < 4; ++d) {
      std::optional<Interval> v = d < 3 ? model.dimensions[static_cast<size_t>(d)] : std::optional<Interval>(model.overall);
      if (!v) continue;
      const float x0 = gx + bar_w * static_cast<float>(d), x1 = x0 + bar_w * 0.9f;
      const ImVec2 bmin(x0, y_of(v->mean)), bmax(x1, plot_max.y);
      dl->AddRectFilled(bmin, bmax, p.dimension[d]);
      const float xm = (x0 + x1) / 2;
      dl->AddLine(ImVec2(xm, y_of(v->lo)), ImVec2(xm, y_of(v->hi)), p.chart_whisker, 1.5f);
      dl->AddLine(ImVec2(xm - bar_w * 0.25f, y_of(v->lo)), ImVec2(xm + bar_w * 0.25f, y_of(v->lo)), p.chart_whisker, 1.5f);
      dl->AddLine(ImVec2(xm - bar_w * 0.25f, y_of(v->hi)), ImVec2(xm + bar_w * 0.25f, y_of(v->hi)), p.chart_whisker, 1.5f);
      BarSelection bar;
      bar.kind = BarSelection::Kind::model;
      bar.clinician = model.clinician;
      bar.condition = model.condition;
      bar.dimension = d;
      bar.label = model.clinician + ", " + kDimensionNames[d] + ", " + model.condition;
      bar_hit(state, "model:" + model.clinician + ":" + kDimensionNames[d], bmin, bmax, bar,
              model.clinician + " (" + model.model + ") " + kDimensionNames[d] + ": " +
                  interval_text(v->mean, v->lo, v->hi) + ", " + std::to_string(model.n_cases) + " cases",
              out);
    }
    const std::string label = fit_text(model.clinician, group_w - 4);
    const float tw = ImGui::CalcTextSize(label.c_str()).x;
    dl->AddText(ImVec2(plot_min.x + group_w * (static_cast<float>(m) + 0.5f) - tw / 2, plot_max.y + 4),
                ImGui::GetColorU32(ImGuiCol_Text), label.c_str());
  }
  dl->AddLine(ImVec2(plot_min.x, plot_max.y), ImVec2(plot_max.x, plot_max.y), p.chart_axis);
  ImGui::Dummy(ImVec2(w, h));
}

// Horizontal delta bars around zero, one row per entry of `rows` with the chosen dimension.
void delta_chart(AppState &state, const char *title, const std::vector<ReportDelta> &rows, bool ablation,
                 std::vector<Action> &out) {
  const Palette &p = palette(state.settings.dark);
  const int dim = state.dashboard.dimension;
  std::vector<const ReportDelta *> shown;
  for (const auto &r : rows) {
    if (r.dimension == dim) shown.push_back(&r);
  }
  ImGui::TextUnformatted((std::string(title) + " (" + kDimensionNames[dim] + ", with 95 % intervals)").c_str());
  if (shown.empty()) {
    note("None in this report.");
    return;
  }
  double range = 0.25;
  for (const auto *r : shown) range = std::max({range, std::fabs(r->lo), std::fabs(r->hi), std::fabs(r->delta)});
  range = std::ceil(range * 4) / 4;
  ImDrawList *dl = ImGui::GetWindowDrawList();
  const float line = ImGui::GetTextLineHeight();
  const float row_h = line * 1.5f;
  const float w = std::max(1.0f, ImGui::GetContentRegionAvail().x);
  const float label_w = w * 0.42f;
  const ImVec2 at = ImGui::GetCursorScreenPos();
  const float px0 = at.x + label_w, px1 = at.x + w - 4;
  const float zero = (px0 + px1) / 2;
  auto x_of = [&](double v) {
    return zero + static_cast<float>(std::clamp(v / range, -1.0, 1.0)) * (px1 - px0) / 2;
  };
  for (size_t i = 0; i < shown.size(); ++i) {
    const ReportDelta &r = *shown[i];
    const float y = at.y + row_h * static_cast<float>(i);
    const std::string label = r.clinician + ": " + r.label;
    dl->AddText(ImVec2(at.x, y + (row_h - line) / 2), ImGui::GetColorU32(ImGuiCol_Text),
                fit_text(label, label_w - 8).c_str());
    const float xd = x_of(r.delta);
    const ImVec2 bmin(std::min(zero, xd), y + row_h * 0.2f), bmax(std::max(zero, xd), y + row_h * 0.8f);
    dl->AddRectFilled(bmin, bmax, r.delta < 0 ? p.chart_negative : p.chart_positive);
    const float ym = y + row_h / 2;
    dl->AddLine(ImVec2(x_of(r.lo), ym), ImVec2(x_of(r.hi), ym), p.chart_whisker, 1.5f);
    dl->AddLine(ImVec2(x_of(r.lo), ym - 4), ImVec2(x_of(r.lo), ym + 4), p.chart_whisker, 1.5f);
    dl->AddLine(ImVec2(x_of(r.hi), ym - 4), ImVec2(x_of(r.hi), ym + 4), p.chart_whisker, 1.5f);
    BarSelection bar;
    bar.kind = ablation ? BarSelection::Kind::ablation : BarSelection::Kind::stratum;
    bar.clinician = r.clinician;
    bar.dimension = r.dimension;
    if (ablation) {
      bar.condition = r.condition;
      bar.versus = r.versus;
    } else {
      bar.stratum = r.group;
      bar.contrast = r.label;
    }
    bar.label = label + ", " + kDimensionNames[r.dimension];
    bar_hit(state, std::string(ablation ? "ablation:" : "stratum:") + r.clinician + ":" + r.label,
            ImVec2(std::min(bmin.x, x_of(r.lo)), bmin.y), ImVec2(std::max(bmax.x, x_of(r.hi)), bmax.y), bar,
            label + ": delta " + interval_text(r.delta, r.lo, r.hi), out);
  }
  const float axis_y = at.y + row_h * static_cast<float>(shown.size());
  dl->AddLine(ImVec2(zero, at.y), ImVec2(zero, axis_y), p.chart_axis);
  dl->AddLine(ImVec2(px0, axis_y), ImVec2(px1, axis_y), p.chart_axis);
  for (double v : {-range, 0.0, range}) {
    const std::string t = number(v, "%+.2f");
    const float tw = ImGui::CalcTextSize(t.c_str()).x;
    dl->AddText(ImVec2(std::clamp(x_of(v) - tw / 2, px0, px1 - tw), axis_y + 2), p.chart_axis, t.c_str());
  }
  ImGui::Dummy(ImVec2(w, row_h * static_cast<float>(shown.size()) + line + 4));
}

void leaderboard(const Report &report) {
  if (report.leaderboard.empty()) return;
  ImGui::TextUnformatted("Leaderboard (overall = mean of the three dimensions)");
  if (!ImGui::BeginTable("leaderboard", 6, ImGuiTableFlags_Borders | ImGuiTableFlags_SizingStretchProp)) return;
  for (const char *h : {"#", "Clinician", "Overall", "Safety", "Accuracy", "Uncert."}) ImGui::TableSetupColumn(h);
  ImGui::TableHeadersRow();
  for (const auto &l : report.leaderboard) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::Text("%d", l.rank);
    ImGui::TableNextColumn();
    text_fitted(l.clinician + (l.best_in.empty() ? "" : " (best: " + l.best_in.front() + ")"));
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(number(l.overall).c_str());
    for (double v : l.dimensions) {
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(number(v).c_str());
    }
  }
  ImGui::EndTable();
}

void side_list(AppState &state, std::vector<Action> &out) {
  const DashboardState &d = state.dashboard;
  if (!d.bar) {
    note("Click a bar to list the transcripts behind it.");
    return;
  }
  text_wrapped("Transcripts behind: " + d.bar->label);
  record_widget(state, "bar_title");
  const auto &list = d.bar_transcripts;
  if (list.loading()) {
    note("Loading...");
    return;
  }
  if (list.state == Remote<std::vector<TranscriptSummary>>::State::failed) {
    error_box(state, "Could not list the transcripts", list.error);
    return;
  }
  if (list.value.empty()) {
    note(state.api.available()
                     ? "None found in the store."
                     : "None loaded here: drop this run's transcripts (JSON Lines) onto the page.");
    return;
  }
  for (size_t i = 0; i < list.value.size(); ++i) {
    const TranscriptSummary &t = list.value[i];
    const std::string label = t.case_id + "  [" + t.condition + "]  " + t.status;
    ImGui::PushID(static_cast<int>(i));
    if (ImGui::Selectable(fit_text(label, ImGui::GetContentRegionAvail().x).c_str())) {
      out.push_back(SelectTranscript{t.id});
      out.push_back(SetTab{Tab::conversation});
    }
    record_widget(state, "bar_transcript:" + std::to_string(i));
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s\n%s", t.id.c_str(), t.title.c_str());
    ImGui::PopID();
  }
}

void controls(AppState &state, std::vector<Action> &out) {
  DashboardState &d = state.dashboard;
  const ImGuiStyle &style = ImGui::GetStyle();
  const float avail = ImGui::GetContentRegionAvail().x;
  const float reload_w = ImGui::CalcTextSize("Reload").x + 2 * style.FramePadding.x;
  const float combo_w = std::max(60.0f, (avail - reload_w - 3 * style.ItemSpacing.x) / 3);
  ImGui::SetNextItemWidth(combo_w);
  const std::string run_label = d.run_id.empty() ? "Run: (pack report)" : "Run: " + d.run_id;
  if (ImGui::BeginCombo("##run", fit_text(run_label, combo_w - ImGui::GetFrameHeight() - 8).c_str())) {
    if (d.runs.value.empty()) note(state.api.available() ? "No runs in the store" : "No API: replay only");
    for (const auto &r : d.runs.value) {
      const std::string label = r.id + "  " + r.status + "  " + r.created_at;
      if (ImGui::Selectable(label.c_str(), r.id == d.run_id)) out.push_back(SelectRun{r.id});
    }
    ImGui::EndCombo();
  }
  record_widget(state, "dashboard_run");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(combo_w);
  const std::string cond_label = "Condition: " + d.condition;
  if (ImGui::BeginCombo("##condition", fit_text(cond_label, combo_w - ImGui::GetFrameHeight() - 8).c_str())) {
    if (d.report.state == Remote<Report>::State::ready) {
      for (const auto &c : d.report.value.conditions()) {
        if (ImGui::Selectable(c.c_str(), c == d.condition)) out.push_back(SetDashboardCondition{c});
      }
    }
    ImGui::EndCombo();
  }
  record_widget(state, "dashboard_condition");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(combo_w);
  const std::string dim_label = std::string("Deltas: ") + kDimensionNames[d.dimension];
  if (ImGui::BeginCombo("##dimension", fit_text(dim_label, combo_w - ImGui::GetFrameHeight() - 8).c_str())) {
    for (int k = 0; k < 3; ++k) {
      if (ImGui::Selectable(kDimensionNames[k], k == d.dimension)) out.push_back(SetDashboardDimension{k});
    }
    ImGui::EndCombo();
  }
  record_widget(state, "dashboard_dimension");
  ImGui::SameLine();
  if (ImGui::Button("Reload")) out.push_back(LoadReport{true});
  record_widget(state, "dashboard_reload");
}

} // namespace

void draw_dashboard_panel(AppState &state, const PanelRect &rect, std::vector<Action> &out) {
  begin_panel("Dashboard", rect, ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  controls(state, out);
  const auto &report = state.dashboard.report;
  if (report.loading() || report.state == Remote<Report>::State::idle) {
    note(state.api.availability == ApiStatus::Availability::unknown ? "Checking for the IMC API..."
                                                                  : "Loading the report...");
    end_panel();
    return;
  }
  if (report.state == Remote<Report>::State::failed) {
    error_box(state, "No report to show", report.error);
    if (!state.api.available()) {
      note("Replay only: without the API the dashboard reads report.json from the pack (next "
                   "to manifest.json), written by `imc report --format json`.");
    }
    record_widget(state, "dashboard_error");
    end_panel();
    return;
  }
  const Report &r = report.value;
  text_fitted("Run " + r.run_id + " from " + state.dashboard.report_source + ": " + std::to_string(r.cases) +
                  " cases, " + std::to_string(r.transcripts) + " transcripts, " + std::to_string(r.verdicts) +
                  " verdicts; scores " + (r.score_source.empty() ? "raw" : r.score_source) + ", intervals from " +
                  std::to_string(r.replicates) + " bootstrap replicates over cases",
              ImGui::GetColorU32(ImGuiCol_TextDisabled));
  record_widget(state, "dashboard_summary");

  const ImGuiStyle &style = ImGui::GetStyle();
  const float avail = ImGui::GetContentRegionAvail().x;
  const float side_w = std::clamp(avail * 0.28f, 180.0f, 360.0f);
  ImGui::BeginChild("charts", ImVec2(std::max(1.0f, avail - side_w - style.ItemSpacing.x), 0), true);
  model_chart(state, r, out);
  record_widget(state, "chart_models", ImGui::GetItemRectMin(), ImGui::GetItemRectMax());
  ImGui::Separator();
  delta_chart(state, "Stratum deltas", r.stratum_deltas, false, out);
  ImGui::Separator();
  delta_chart(state, "Ablations", r.ablations, true, out);
  ImGui::Separator();
  leaderboard(r);
  if (r.agreement) {
    std::string a = "Jury agreement: Krippendorff's alpha (ordinal) ";
    a += r.agreement->alpha_ordinal ? number(*r.agreement->alpha_ordinal) : "n/a";
    a += ", (interval) ";
    a += r.agreement->alpha_interval ? number(*r.agreement->alpha_interval) : "n/a";
    a += ", Fleiss' kappa ";
    a += r.agreement->fleiss_kappa ? number(*r.agreement->fleiss_kappa) : "n/a";
    a += " over " + std::to_string(r.agreement->jurors.size()) + " jurors";
    text_wrapped(a);
  }
  ImGui::EndChild();
  record_widget(state, "dashboard_charts");
  ImGui::SameLine();
  ImGui::BeginChild("bar_list", ImVec2(side_w, 0), true);
  side_list(state, out);
  ImGui::EndChild();
  record_widget(state, "dashboard_list");
  end_panel();
}

} // namespace imc::ui
