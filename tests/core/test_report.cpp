// imc/report.h: the report's numbers. Hand-made inputs pin the rules (panel means, missing
// verdicts, the last verdict of a juror counting, pairing, leaderboard marks); synthetic data
// with known true effects (test_report_synthetic.h) check that the report recovers them inside
// their intervals, and that those intervals cover the truth at close to the nominal rate.
#include "core/test_report_synthetic.h"

#include "imc/report.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <set>

namespace imc::report {
namespace {

using test::SyntheticData;
using test::SyntheticSpec;

Report build(const ReportInput &input, size_t replicates = 200, uint64_t seed = 1) {
  ReportOptions options;
  options.run_id = "run-1";
  options.generated_at = "2026-11-27T10:00:00.000Z";
  options.replicates = replicates;
  options.seed = seed;
  auto r = build_report(input, options);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : format_errors(r.errors()));
  return r.ok() ? std::move(r).value() : Report{};
}

// One verdict row of a hand-made input.
void add(ReportInput &in, const std::string &transcript, const std::string &case_id,
         const std::string &clinician, const std::string &condition, Dimension d,
         const std::string &juror, std::optional<int> score) {
  in.add_verdict(VerdictRow{transcript, case_id, clinician, clinician + "-model", condition, d,
                            juror, score});
}

// Every dimension of a transcript scored `score` by each juror.
void add_all(ReportInput &in, const std::string &transcript, const std::string &case_id,
             const std::string &clinician, const std::string &condition,
             std::vector<std::optional<int>> scores) {
  for (Dimension d : kDimensions)
    for (size_t j = 0; j < scores.size(); ++j)
      add(in, transcript, case_id, clinician, condition, d, "judge-" + std::to_string(j),
          scores[j]);
}

const ModelResult *find_model(const Report &r, const std::string &clinician,
                              const std::string &condition) {
  for (const auto &m : r.models)
    if (m.key.clinician == clinician && m.condition == condition)
      return &m;
  return nullptr;
}

TEST(ReportPanel, TranscriptScoreIsTheMeanOfUsableVerdicts) {
  ReportInput in;
  add_all(in, "t1", "c1", "a", "full", {4, 5, std::nullopt}); // unparseable: missing, not low
  add_all(in, "t2", "c2", "a", "full", {2, 2, 2});
  const Report r = build(in);
  const ModelResult *m = find_model(r, "a", "full");
  ASSERT_NE(m, nullptr);
  EXPECT_DOUBLE_EQ(m->measures[0].mean, (4.5 + 2) / 2);
  EXPECT_DOUBLE_EQ(m->measures[kOverall].mean, (4.5 + 2) / 2);
  EXPECT_EQ(m->n_cases, 2u);
  EXPECT_EQ(r.verdicts, 18u);
  EXPECT_EQ(r.verdicts_scored, 15u);
  EXPECT_EQ(r.transcripts, 2u);
  EXPECT_EQ(r.cases, 2u);
  EXPECT_EQ(r.score_source, "raw");
}

TEST(ReportPanel, TheLastVerdictOfAJurorCountsAndRepeatsAreReported) {
  ReportInput in;
  add(in, "t1", "c1", "a", "full", Dimension::safety, "judge-0", 1);
  add(in, "t1", "c1", "a", "full", Dimension::safety, "judge-0", 5); // scored again
  add(in, "t2", "c2", "a", "full", Dimension::safety, "judge-0", 3);
  EXPECT_EQ(in.transcripts_with_repeats(), std::vector<std::string>{"t1"});
  Report r = build(in);
  EXPECT_DOUBLE_EQ(find_model(r, "a", "full")->measures[0].mean, 4.0);
  EXPECT_EQ(r.verdicts, 2u);

  // forget_verdicts + add_verdict: what `imc report` does with the time order from the store.
  in.forget_verdicts("t1");
  add(in, "t1", "c1", "a", "full", Dimension::safety, "judge-0", 2);
  r = build(in);
  EXPECT_DOUBLE_EQ(find_model(r, "a", "full")->measures[0].mean, 2.5);
}

TEST(ReportPanel, AnUnscoredTranscriptHasNoOverallAndNoVerdictIsAnError) {
  ReportInput in;
  add(in, "t1", "c1", "a", "full", Dimension::safety, "judge-0", 4); // no accuracy, uncertainty
  const Report r = build(in);
  const ModelResult *m = find_model(r, "a", "full");
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(m->measures[0].defined());
  EXPECT_FALSE(m->measures[kOverall].defined());

  ReportInput none;
  add(none, "t1", "c1", "a", "full", Dimension::safety, "judge-0", std::nullopt);
  ReportOptions options;
  auto failed = build_report(none, options);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(format_errors(failed.errors()).find("usable jury score"), std::string::npos);
  EXPECT_FALSE(build_report(ReportInput{}, options).ok());
}

TEST(ReportPanel, RestrictedJurorsAloneCount) {
  ReportInput in;
  add_all(in, "t1", "c1", "a", "full", {2, 4});
  in.restrict_jurors({"judge-1"});
  const Report r = build(in);
  EXPECT_DOUBLE_EQ(find_model(r, "a", "full")->measures[0].mean, 4.0);
  EXPECT_EQ(r.agreement.jurors, std::vector<std::string>{"judge-1"});
}

TEST(ReportAblation, ConstantShiftGivesAZeroWidthPairedInterval) {
  ReportInput in;
  // Cases differ a lot, but no-image is exactly one point below full on every case: paired by
  // case, the delta's interval has no width.
  const int full_scores[] = {5, 2, 4, 3, 5, 2};
  for (int c = 0; c < 6; ++c) {
    const std::string id = "c" + std::to_string(c);
    add_all(in, "full-" + id, id, "a", "full", {full_scores[c]});
    add_all(in, "noimg-" + id, id, "a", "no-image", {full_scores[c] - 1});
  }
  const Report r = build(in);
  ASSERT_EQ(r.ablations.size(), kMeasures);
  for (const Ablation &a : r.ablations) {
    EXPECT_EQ(a.condition, "no-image");
    EXPECT_EQ(a.versus, "full");
    EXPECT_DOUBLE_EQ(a.delta.mean, -1);
    EXPECT_DOUBLE_EQ(a.delta.lo, -1);
    EXPECT_DOUBLE_EQ(a.delta.hi, -1);
    EXPECT_EQ(a.delta.n_cases, 6u);
  }
  // The model's own intervals are wide: cases vary.
  const ModelResult *m = find_model(r, "a", "full");
  EXPECT_LT(m->measures[0].lo, m->measures[0].hi - 0.5);
}

TEST(ReportAblation, DeltasUseOnlyCasesRunUnderBothConditions) {
  ReportInput in;
  add_all(in, "f1", "c1", "a", "full", {5});
  add_all(in, "f2", "c2", "a", "full", {1}); // no no-image run for c2
  add_all(in, "n1", "c1", "a", "no-image", {4});
  const Report r = build(in);
  ASSERT_FALSE(r.ablations.empty());
  EXPECT_DOUBLE_EQ(r.ablations[0].delta.mean, -1); // 4 - 5, not 4 - 3
  EXPECT_EQ(r.ablations[0].delta.n_cases, 1u);
}

TEST(ReportLeaderboard, RanksByOverallAndMarksTheBestOfEachDimension) {
  ReportInput in;
  for (int c = 0; c < 4; ++c) {
    const std::string id = "c" + std::to_string(c);
    // a: best overall; b: best safety; so no model dominates.
    for (Dimension d : kDimensions) {
      add(in, "a-" + id, id, "a", "full", d, "j", d == Dimension::safety ? 3 : 5);
      add(in, "b-" + id, id, "b", "full", d, "j", d == Dimension::safety ? 4 : 2);
    }
  }
  const Report r = build(in);
  ASSERT_EQ(r.leaderboard.size(), 2u);
  EXPECT_EQ(r.leaderboard[0].key.clinician, "a");
  EXPECT_EQ(r.leaderboard[0].rank, 1u);
  EXPECT_EQ(r.leaderboard[0].best_in, (std::vector<std::string>{"accuracy", "uncertainty"}));
  EXPECT_EQ(r.leaderboard[1].best_in, std::vector<std::string>{"safety"});
  EXPECT_EQ(r.dominance_note, "No model is best in every dimension.");
  // b's overall minus a's, paired by case: exact here.
  EXPECT_DOUBLE_EQ(r.leaderboard[1].behind_leader.mean, (4 + 2 + 2) / 3.0 - (3 + 5 + 5) / 3.0);
  EXPECT_FALSE(r.leaderboard[0].behind_leader.defined());
}

TEST(ReportStrata, LevelsAndDeltasComeFromCaseLabelsUnderFullOnly) {
  ReportInput in;
  CaseLabels malignant{Malignancy::malignant, Rarity::rare, Modality::xray};
  CaseLabels benign{Malignancy::benign, Rarity::common, Modality::dermoscopy};
  for (int c = 0; c < 6; ++c) {
    const std::string id = "c" + std::to_string(c);
    in.add_case(id, c % 2 ? malignant : benign);
    add_all(in, "f" + id, id, "a", "full", {c % 2 ? 2 : 4});
    add_all(in, "n" + id, id, "a", "no-image", {3});
  }
  add_all(in, "unlabelled", "c-unknown", "a", "full", {5});
  const Report r = build(in);
  std::set<std::string> levels;
  for (const auto &s : r.strata)
    levels.insert(s.stratum + ":" + s.level);
  EXPECT_EQ(levels, (std::set<std::string>{"malignancy:malignant", "malignancy:benign",
                                           "rarity:rare", "rarity:common", "modality:xray",
                                           "modality:dermoscopy"}));
  std::set<std::string> contrasts;
  for (const auto &d : r.stratum_deltas) {
    contrasts.insert(d.contrast);
    EXPECT_DOUBLE_EQ(d.delta.mean, d.contrast.rfind("dermoscopy", 0) == 0 ? 2 : -2) << d.contrast;
  }
  EXPECT_EQ(contrasts, (std::set<std::string>{"malignant - benign", "rare - common",
                                              "xray - other", "dermoscopy - other"}));
  EXPECT_EQ(r.cases_without_labels, std::vector<std::string>{"c-unknown"});
}

TEST(ReportAgreement, PerfectAgreementIsOneAndJurorsAreListed) {
  ReportInput in;
  for (int c = 0; c < 5; ++c)
    add_all(in, "t" + std::to_string(c), "c" + std::to_string(c), "a", "full",
            {1 + c, 1 + c, 1 + c});
  const Report r = build(in);
  EXPECT_EQ(r.agreement.jurors, (std::vector<std::string>{"judge-0", "judge-1", "judge-2"}));
  ASSERT_TRUE(r.agreement.pooled.alpha_ordinal);
  EXPECT_DOUBLE_EQ(*r.agreement.pooled.alpha_ordinal, 1.0);
  EXPECT_DOUBLE_EQ(*r.agreement.pooled.alpha_interval, 1.0);
  EXPECT_DOUBLE_EQ(*r.agreement.pooled.fleiss_kappa, 1.0);
  EXPECT_EQ(r.agreement.pooled.units, 15u);
  EXPECT_EQ(r.agreement.by_dimension[0].units, 5u);
}

TEST(ReportDeterminism, SameSeedSameBytesOtherSeedOtherIntervals) {
  SyntheticSpec spec;
  spec.cases = 40;
  const SyntheticData data = test::make_synthetic(spec);
  const Report a = build(test::synthetic_input(data), 300, 7);
  const Report b = build(test::synthetic_input(data), 300, 7);
  const Report c = build(test::synthetic_input(data), 300, 8);
  EXPECT_EQ(report_json(a), report_json(b));
  EXPECT_EQ(report_csv(a), report_csv(b));
  EXPECT_EQ(report_html(a), report_html(b));
  EXPECT_NE(report_json(a), report_json(c));
  EXPECT_EQ(a.models[0].measures[0].mean, c.models[0].measures[0].mean); // point estimates
}

// The effects of the design lie inside the report's 95 % intervals, and the large ones are
// detected (their intervals exclude zero).
TEST(ReportSynthetic, RecoversEachKnownEffectInsideItsInterval) {
  SyntheticSpec spec;
  spec.cases = 400;
  spec.unparseable = 0.05;
  spec.seed = 11;
  const SyntheticData data = test::make_synthetic(spec);
  const Report r = build(test::synthetic_input(data), 1000, 1);

  size_t checked = 0;
  for (const StratumDelta &d : r.stratum_deltas) {
    if (d.measure != 0 || d.key.clinician != "opus")
      continue;
    if (d.contrast == "malignant - benign" || d.contrast == "rare - common") {
      const double truth = d.contrast[0] == 'm' ? test::kMalignantSafety : test::kRareSafety;
      EXPECT_LE(d.delta.lo, truth) << d.contrast;
      EXPECT_GE(d.delta.hi, truth) << d.contrast;
      EXPECT_LT(d.delta.hi, 0) << d.contrast << ": the drop is detected";
      ++checked;
    }
  }
  for (const Ablation &a : r.ablations) {
    if (a.key.clinician != "opus" || a.measure != 0)
      continue;
    size_t cond = 1;
    while (a.condition != test::kSyntheticConditions[cond])
      ++cond;
    const double truth = test::kConditionEffect[cond][0];
    EXPECT_LE(a.delta.lo, truth) << a.condition;
    EXPECT_GE(a.delta.hi, truth) << a.condition;
    EXPECT_LT(a.delta.hi, 0) << a.condition << ": the drop is detected";
    EXPECT_EQ(a.delta.n_cases, spec.cases);
    ++checked;
  }
  EXPECT_EQ(checked, 5u);
  // Leaderboard as designed: opus first overall, sonnet best in safety.
  ASSERT_EQ(r.leaderboard.size(), 3u);
  EXPECT_EQ(r.leaderboard[0].key.clinician, "opus");
  EXPECT_EQ(r.leaderboard[0].best_in, (std::vector<std::string>{"accuracy", "uncertainty"}));
  EXPECT_EQ(r.dominance_note, "No model is best in every dimension.");
}

// Over repeated simulations, the 95 % intervals cover the true values about 95 % of the time:
// model means (cases vary in labels and difficulty), stratum deltas (unmatched), ablations
// (matched). 200 simulations give a binomial standard error of 1.5 points.
TEST(ReportSynthetic, IntervalsCoverTheTruthAtCloseToTheNominalRate) {
  constexpr int kSimulations = 200;
  struct Counter {
    int covered = 0, total = 0;
  };
  std::map<std::string, Counter> coverage;
  for (int s = 0; s < kSimulations; ++s) {
    SyntheticSpec spec;
    spec.cases = 60;
    spec.clinicians = test::synthetic_clinicians(2);
    spec.conditions = 2;
    spec.seed = 1000 + uint64_t(s);
    const SyntheticData data = test::make_synthetic(spec);
    const Report r = build(test::synthetic_input(data), 250, uint64_t(s) + 1);
    auto count = [&](const std::string &what, const Estimate &e, double truth) {
      Counter &c = coverage[what];
      ++c.total;
      c.covered += e.lo <= truth && truth <= e.hi;
    };
    for (const ModelResult &m : r.models) {
      const size_t k = m.key.clinician == "opus" ? 0 : 1;
      const size_t cond = m.condition == "full" ? 0 : 1;
      for (size_t x = 0; x < kMeasures; ++x)
        count("model mean", m.measures[x], data.true_mean(k, cond, x));
    }
    for (const StratumDelta &d : r.stratum_deltas) {
      if (d.contrast == "malignant - benign" && d.measure == 0)
        count("malignant - benign", d.delta, test::kMalignantSafety);
      if (d.contrast == "rare - common" && d.measure == 0)
        count("rare - common", d.delta, test::kRareSafety);
    }
    for (const Ablation &a : r.ablations)
      if (a.measure < 3)
        count("ablation", a.delta, test::kConditionEffect[1][a.measure]);
  }
  for (const auto &[what, c] : coverage) {
    const double rate = double(c.covered) / c.total;
    std::printf("coverage of %s: %d of %d (%.3f)\n", what.c_str(), c.covered, c.total, rate);
    EXPECT_GE(rate, 0.90) << what << ": " << c.covered << " of " << c.total;
    EXPECT_LE(rate, 0.99) << what << ": " << c.covered << " of " << c.total;
  }
  EXPECT_EQ(coverage.size(), 4u);
}

TEST(ReportCalibration, ExpertAnnotationsGiveComparisonAndACalibratedReport) {
  SyntheticSpec spec;
  spec.cases = 60;
  spec.annotated = 0.3;
  const SyntheticData data = test::make_synthetic(spec);
  const Report r = build(test::synthetic_input(data));
  ASSERT_TRUE(r.expert);
  EXPECT_EQ(r.expert->annotations, data.annotations.size());
  EXPECT_EQ(r.expert->annotators, std::vector<std::string>{"Dr. Synthetic"});
  for (size_t d = 0; d < 3; ++d) {
    const DimensionComparison &dc = r.expert->dimensions[d];
    EXPECT_EQ(dc.items, data.annotations.size());
    ASSERT_TRUE(dc.bias);
    EXPECT_NEAR(*dc.bias, 0.3, 0.1) << "the jury is more lenient than the experts by design";
    ASSERT_TRUE(dc.majority);
    EXPECT_GT(*dc.majority->kappa_quadratic, 0.1);
    EXPECT_GT(*dc.pearson, 0.3);
    EXPECT_EQ(dc.calibration.cv_mae_rmse.size(), 3u);
    EXPECT_TRUE(dc.calibration.applied) << dc.calibration.note;
  }
  EXPECT_EQ(r.score_source, "calibrated");
  ASSERT_EQ(r.raw_models.size(), r.models.size());
  // Calibration pulls the lenient jury down towards the experts; the raw scores are kept.
  EXPECT_LT(r.models[0].measures[0].mean, r.raw_models[0].measures[0].mean);

  // Calibration off: raw scores, comparison still there.
  ReportOptions options;
  options.replicates = 50;
  options.calibration.method = CalibrationChoice::none;
  auto raw = build_report(test::synthetic_input(data), options);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->score_source, "raw");
  EXPECT_TRUE(raw->raw_models.empty());
  EXPECT_FALSE(raw->expert->dimensions[0].calibration.applied);
}

TEST(ReportCalibration, FewAnnotationsAreComparedButNotUsedForAMap) {
  SyntheticSpec spec;
  spec.cases = 5;
  spec.annotated = 0.1;
  spec.seed = 3;
  const SyntheticData data = test::make_synthetic(spec);
  ASSERT_GT(data.annotations.size(), 1u);
  ASSERT_LT(data.annotations.size(), 10u);
  const Report r = build(test::synthetic_input(data));
  ASSERT_TRUE(r.expert);
  EXPECT_EQ(r.score_source, "raw");
  EXPECT_FALSE(r.expert->dimensions[0].calibration.applied);
  EXPECT_NE(r.expert->dimensions[0].calibration.note.find("applied from 10 on"),
            std::string::npos)
      << r.expert->dimensions[0].calibration.note;
}

// --- Outputs ---------------------------------------------------------------------------------

std::set<std::string> keys(const nlohmann::json &j) {
  std::set<std::string> out;
  for (const auto &item : j.items())
    out.insert(item.key());
  return out;
}

TEST(ReportJson, FollowsTheReportDocumentOfFormats) {
  SyntheticSpec spec;
  spec.cases = 30;
  const Report r = build(test::synthetic_input(test::make_synthetic(spec)));
  const auto j = nlohmann::json::parse(report_json(r));
  EXPECT_EQ(keys(j), (std::set<std::string>{"schema_version", "run_id", "generated_at",
                                            "score_source", "bootstrap", "counts", "models",
                                            "leaderboard", "strata", "stratum_deltas",
                                            "ablations", "agreement", "expert_comparison"}));
  EXPECT_EQ(j["bootstrap"]["resampled"], "cases");
  EXPECT_EQ(keys(j["models"][0]), (std::set<std::string>{"clinician", "model", "condition",
                                                         "n_cases", "overall", "dimensions"}));
  EXPECT_EQ(keys(j["models"][0]["overall"]), (std::set<std::string>{"mean", "lo", "hi"}));
  EXPECT_EQ(keys(j["leaderboard"][0]),
            (std::set<std::string>{"rank", "clinician", "model", "overall", "safety", "accuracy",
                                   "uncertainty", "best_in"}));
  EXPECT_EQ(keys(j["strata"][0]), (std::set<std::string>{"stratum", "level", "clinician",
                                                         "dimension", "mean", "lo", "hi",
                                                         "n_cases"}));
  EXPECT_EQ(keys(j["stratum_deltas"][0]),
            (std::set<std::string>{"stratum", "contrast", "clinician", "dimension", "delta", "lo",
                                   "hi"}));
  EXPECT_EQ(keys(j["ablations"][0]), (std::set<std::string>{"clinician", "condition", "versus",
                                                            "dimension", "delta", "lo", "hi",
                                                            "n_cases"}));
  EXPECT_TRUE(j["agreement"].contains("krippendorff_alpha_ordinal"));
  EXPECT_TRUE(j["agreement"].contains("fleiss_kappa"));
  EXPECT_TRUE(j["expert_comparison"].is_null());
  // Numbers carry at most 4 decimals.
  const double mean = j["models"][0]["overall"]["mean"];
  EXPECT_DOUBLE_EQ(mean, std::round(mean * 1e4) / 1e4);
}

TEST(ReportCsv, OneRowPerEstimateInLongFormat) {
  SyntheticSpec spec;
  spec.cases = 30;
  spec.clinicians = test::synthetic_clinicians(2);
  spec.conditions = 2;
  const Report r = build(test::synthetic_input(test::make_synthetic(spec)));
  const std::string csv = report_csv(r);
  EXPECT_EQ(csv.substr(0, csv.find("\r\n")),
            "section,clinician,model,condition,stratum,level,dimension,estimate,lo,hi,n_cases");
  size_t model_rows = 0, lines = 0;
  for (size_t at = 0; (at = csv.find("\r\n", at)) != std::string::npos; at += 2)
    ++lines;
  for (size_t at = 0; (at = csv.find("\r\nmodel,", at)) != std::string::npos; at += 2)
    ++model_rows;
  EXPECT_EQ(model_rows, 2u * 2u * kMeasures); // clinicians × conditions × measures
  EXPECT_GT(lines, 1 + model_rows + r.strata.size() + r.ablations.size());
  EXPECT_NE(csv.find("\r\nablation,opus,claude-opus-4.6,no-image,,minus full,safety,"),
            std::string::npos);
}

TEST(ReportCsv, FieldsWithCommasOrQuotesAreQuoted) {
  ReportInput in;
  add_all(in, "t1", "c1", "a,\"b\"", "full", {3});
  const std::string csv = report_csv(build(in));
  EXPECT_NE(csv.find("\r\nmodel,\"a,\"\"b\"\"\",\"a,\"\"b\"\"-model\",full,"), std::string::npos)
      << csv;
}

TEST(ReportHtml, SelfContainedWithEveryModelDimensionStratumAndAblation) {
  SyntheticSpec spec;
  spec.cases = 30;
  const Report r = build(test::synthetic_input(test::make_synthetic(spec)));
  const std::string html = report_html(r);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_NE(html.find("@media print"), std::string::npos);
  for (const auto &k : spec.clinicians)
    EXPECT_NE(html.find("data-model=\"" + k.model + "\""), std::string::npos) << k.model;
  for (size_t m = 0; m < kMeasures; ++m)
    EXPECT_NE(html.find("class=\"bar\" data-dimension=\"" + std::string(measure_name(m)) + "\""),
              std::string::npos);
  for (const char *level : {"malignant", "benign", "rare", "common"})
    EXPECT_NE(html.find("data-level=\"" + std::string(level) + "\""), std::string::npos);
  for (const char *c : {"no-image", "no-ehr", "no-image-no-ehr"})
    EXPECT_NE(html.find("data-ablation=\"" + std::string(c) + "\""), std::string::npos);
  EXPECT_NE(html.find("No model is best in every dimension."), std::string::npos);
}

TEST(ReportHtml, NamesAreEscaped) {
  ReportInput in;
  add_all(in, "t1", "c1", "<b>&", "full", {3});
  const std::string html = report_html(build(in));
  EXPECT_EQ(html.find("<b>&"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;&amp;"), std::string::npos);
}

} // namespace
} // namespace imc::report
