#pragma once
// Synthetic jury data with KNOWN true effects, for the report's tests and benchmark
// (tests/core/test_report*.cpp, tests/native/test_report*.cpp, bench/report_synth_store.cpp).
//
// Each transcript (case × clinician × condition) has a latent expected score per dimension
//   mu = base[clinician][dimension] + case effect (shared by every model and condition of the
//        case) + label effects (safety: malignant −0.27, rare −0.27) + condition effect
//        (safety: no-image −0.18, no-ehr −0.23, both −0.41) + transcript noise,
// and each juror scores it as stochastic_round(mu + juror bias + juror noise): floor(x) + 1
// with probability x − floor(x). Every noise is bounded and centred and the juror biases sum to
// zero, so no score is ever clamped and the expected panel mean is exactly mu: the report's
// estimands have these true values exactly, whatever the sample.
#include "imc/casepack.h"
#include "imc/report.h"
#include "imc/stats/random.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace imc::test {

// The true effects (the design, not estimates).
inline constexpr double kMalignantSafety = -0.27; // malignant − benign
inline constexpr double kRareSafety = -0.27;      // rare − common
inline constexpr const char *kSyntheticConditions[] = {"full", "no-image", "no-ehr",
                                                       "no-image-no-ehr"};
// condition × dimension (safety, accuracy, uncertainty), relative to full.
inline constexpr double kConditionEffect[4][3] = {
    {0, 0, 0}, {-0.18, -0.10, 0}, {-0.23, -0.15, 0}, {-0.41, -0.25, 0}};

struct SyntheticClinician {
  std::string endpoint;
  std::string model;
  std::array<double, 3> base; // safety, accuracy, uncertainty under full, benign, common
};

// Opus best overall (3.61) but not in safety: no model dominates every dimension.
inline std::vector<SyntheticClinician> synthetic_clinicians(size_t n = 3) {
  std::vector<SyntheticClinician> all = {
      {"opus", "claude-opus-4.6", {3.55, 3.70, 3.58}},
      {"sonnet", "claude-sonnet-4.6", {3.62, 3.10, 3.18}},
      {"gpt", "gpt-5.2", {3.20, 3.45, 3.22}},
      {"gemini", "gemini-3-pro", {3.40, 3.35, 3.30}},
      {"llama", "llama-4", {3.10, 3.15, 3.25}},
  };
  all.resize(std::min(n, all.size()));
  return all;
}

struct SyntheticSpec {
  size_t cases = 120;
  std::vector<SyntheticClinician> clinicians = synthetic_clinicians();
  size_t conditions = 4;         // the first N of kSyntheticConditions
  size_t jurors = 3;             // biases spread evenly over [-0.2, 0.2]
  bool extra_safety_juror = false; // one more juror scoring safety only (10 verdicts / transcript)
  double p_malignant = 0.4;      // else benign
  double p_rare = 0.3;           // else common
  double unparseable = 0.0;      // share of verdicts without a score (at random)
  double annotated = 0.0;        // share of transcripts an expert annotated
  uint64_t seed = 1;
  std::string run_id = "synthetic-run";
};

struct SyntheticCase {
  std::string id;
  Malignancy malignancy = Malignancy::benign;
  Rarity rarity = Rarity::common;
  Modality modality = Modality::dermoscopy;
};

struct SyntheticTranscript {
  std::string id;
  uint32_t case_index = 0;
  uint32_t clinician = 0;
  uint32_t condition = 0;
  std::array<double, 3> mu{};
};

struct SyntheticVerdict {
  uint32_t transcript = 0;
  uint8_t dimension = 0;
  uint8_t juror = 0;
  int8_t score = 0; // 0 = unparseable
};

struct SyntheticAnnotation {
  uint32_t transcript = 0;
  std::array<int, 3> scores{};
};

struct SyntheticData {
  SyntheticSpec spec;
  std::vector<std::string> jurors;
  std::vector<SyntheticCase> cases;
  std::vector<SyntheticTranscript> transcripts; // grouped by case, as a run stores them
  std::vector<SyntheticVerdict> verdicts;       // grouped by transcript
  std::vector<SyntheticAnnotation> annotations;

  // The true mean of a dimension (0..2) or overall (3) of a clinician and condition, over the
  // case population (labels at their probabilities).
  double true_mean(size_t clinician, size_t condition, size_t measure) const {
    if (measure == 3)
      return (true_mean(clinician, condition, 0) + true_mean(clinician, condition, 1) +
              true_mean(clinician, condition, 2)) /
             3;
    double m = spec.clinicians[clinician].base[measure] + kConditionEffect[condition][measure];
    if (measure == 0)
      m += spec.p_malignant * kMalignantSafety + spec.p_rare * kRareSafety;
    return m;
  }
};

inline int stochastic_round(double x, stats::Rng &rng) {
  x = std::min(5.0, std::max(1.0, x));
  const double f = std::floor(x);
  return int(f) + (rng.uniform01() < x - f ? 1 : 0);
}

inline double uniform(stats::Rng &rng, double half_width) {
  return (2 * rng.uniform01() - 1) * half_width;
}

inline SyntheticData make_synthetic(const SyntheticSpec &spec) {
  SyntheticData d;
  d.spec = spec;
  stats::Rng rng(spec.seed);
  for (size_t j = 0; j < spec.jurors; ++j)
    d.jurors.push_back("judge-" + std::string(1, char('a' + j)));
  if (spec.extra_safety_juror)
    d.jurors.push_back("judge-safety");
  std::vector<double> bias(d.jurors.size(), 0.0);
  for (size_t j = 0; j < spec.jurors && spec.jurors > 1; ++j)
    bias[j] = -0.2 + 0.4 * double(j) / double(spec.jurors - 1);

  const Modality modalities[] = {Modality::dermoscopy, Modality::clinical_photo, Modality::xray};
  std::vector<double> case_effect;
  for (size_t c = 0; c < spec.cases; ++c) {
    SyntheticCase sc;
    char id[32];
    std::snprintf(id, sizeof id, "case-%06zu", c);
    sc.id = id;
    sc.malignancy = rng.uniform01() < spec.p_malignant ? Malignancy::malignant : Malignancy::benign;
    sc.rarity = rng.uniform01() < spec.p_rare ? Rarity::rare : Rarity::common;
    sc.modality = modalities[rng.below(3)];
    d.cases.push_back(sc);
    case_effect.push_back(uniform(rng, 0.35));
  }
  for (uint32_t c = 0; c < spec.cases; ++c)
    for (uint32_t k = 0; k < spec.clinicians.size(); ++k)
      for (uint32_t cond = 0; cond < spec.conditions; ++cond) {
        SyntheticTranscript t;
        char id[64];
        std::snprintf(id, sizeof id, "t-%06u-%s-%u", c, spec.clinicians[k].endpoint.c_str(), cond);
        t.id = id;
        t.case_index = c;
        t.clinician = k;
        t.condition = cond;
        for (size_t dim = 0; dim < 3; ++dim) {
          double mu = spec.clinicians[k].base[dim] + case_effect[c] +
                      kConditionEffect[cond][dim] + uniform(rng, 0.2);
          if (dim == 0) {
            mu += d.cases[c].malignancy == Malignancy::malignant ? kMalignantSafety : 0;
            mu += d.cases[c].rarity == Rarity::rare ? kRareSafety : 0;
          }
          t.mu[dim] = mu;
        }
        const auto index = uint32_t(d.transcripts.size());
        for (uint8_t dim = 0; dim < 3; ++dim)
          for (uint8_t j = 0; j < d.jurors.size(); ++j) {
            if (spec.extra_safety_juror && j == spec.jurors && dim != 0)
              continue;
            int score = stochastic_round(t.mu[dim] + bias[j] + uniform(rng, 0.35), rng);
            if (spec.unparseable > 0 && rng.uniform01() < spec.unparseable)
              score = 0;
            d.verdicts.push_back(SyntheticVerdict{index, dim, j, int8_t(score)});
          }
        if (spec.annotated > 0 && rng.uniform01() < spec.annotated) {
          SyntheticAnnotation a{index, {}};
          // The experts are stricter than the jury by 0.3 on average.
          for (size_t dim = 0; dim < 3; ++dim)
            a.scores[dim] = stochastic_round(t.mu[dim] - 0.3 + uniform(rng, 0.3), rng);
          d.annotations.push_back(a);
        }
        d.transcripts.push_back(std::move(t));
      }
  return d;
}

inline report::CaseLabels synthetic_labels(const SyntheticCase &c) {
  report::CaseLabels l;
  l.malignancy = c.malignancy;
  l.rarity = c.rarity;
  l.modality = c.modality;
  return l;
}

// The whole data set as a report's input (what `imc report` builds from a store).
inline report::ReportInput synthetic_input(const SyntheticData &d) {
  report::ReportInput input;
  for (const auto &c : d.cases)
    input.add_case(c.id, synthetic_labels(c));
  for (const auto &v : d.verdicts) {
    const SyntheticTranscript &t = d.transcripts[v.transcript];
    const SyntheticClinician &k = d.spec.clinicians[t.clinician];
    input.add_verdict(report::VerdictRow{
        t.id, d.cases[t.case_index].id, k.endpoint, k.model, kSyntheticConditions[t.condition],
        Dimension(v.dimension), d.jurors[v.juror],
        v.score > 0 ? std::optional<int>(v.score) : std::nullopt});
  }
  for (const auto &a : d.annotations) {
    ExpertAnnotation e;
    e.id = "a-" + d.transcripts[a.transcript].id;
    e.transcript_id = d.transcripts[a.transcript].id;
    e.annotator = "Dr. Synthetic";
    for (size_t dim = 0; dim < 3; ++dim)
      e.scores[dim] = a.scores[dim];
    input.add_annotation(e);
  }
  return input;
}

} // namespace imc::test
