// build_report: panel means, calibration, the case bootstrap of every group and contrast,
// strata, ablations, leaderboard, agreement and the jury against experts.
#include "report_data.h"

#include "imc/stats/agreement.h"
#include "imc/stats/aggregation.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <tuple>

namespace imc::report {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Levels of a group: 0 = all cases; then each stratum's levels by enum value; then, for the
// modality deltas, "every other modality" of each modality.
constexpr size_t kMalignancyLevels = 4;
constexpr size_t kRarityLevels = 2;
constexpr size_t kModalityLevels = 9;
constexpr size_t kLevelAll = 0;
constexpr size_t kLevelMalignancy = 1;
constexpr size_t kLevelRarity = kLevelMalignancy + kMalignancyLevels;
constexpr size_t kLevelModality = kLevelRarity + kRarityLevels;
constexpr size_t kLevelOtherModality = kLevelModality + kModalityLevels;
constexpr size_t kLevels = kLevelOtherModality + kModalityLevels;

// Conditions in reading order: full first, then the ablations, then anything else by name.
int condition_rank(const std::string &name) {
  static const char *const kOrder[] = {"full", "no-image", "no-ehr", "no-image-no-ehr"};
  for (int i = 0; i < 4; ++i)
    if (name == kOrder[i])
      return i;
  return 4;
}

bool condition_before(const std::string &a, const std::string &b) {
  const int ra = condition_rank(a), rb = condition_rank(b);
  return ra != rb ? ra < rb : a < b;
}

Estimate estimate_of(const stats::BootstrapInterval &b) {
  Estimate e;
  e.mean = b.estimate;
  e.lo = b.lower;
  e.hi = b.upper;
  e.n_cases = b.cases;
  return e;
}

template <class T> std::optional<double> optional_of(const Result<T> &r) {
  if (!r)
    return std::nullopt;
  return double(r.value());
}

// The dense key of a group (model, condition, level, measure, raw?) and its compact index.
class GroupIndex {
public:
  GroupIndex(size_t models, size_t conditions)
      : conditions_(conditions), dense_(models * conditions * kLevels * kMeasures * 2, -1) {}

  size_t key(size_t model, size_t condition, size_t level, size_t measure, bool raw) const {
    return (((model * conditions_ + condition) * kLevels + level) * kMeasures + measure) * 2 +
           (raw ? 1 : 0);
  }
  // The group's index, created on first use.
  size_t at(size_t key) {
    int32_t &slot = dense_[key];
    if (slot < 0) {
      slot = static_cast<int32_t>(count_++);
      sums_.push_back(0);
      weights_.push_back(0);
    }
    return static_cast<size_t>(slot);
  }
  // -1 when the group has no observation.
  int64_t find(size_t key) const { return dense_[key]; }
  size_t count() const { return count_; }

  void observe(size_t group, double value) {
    sums_[group] += value;
    weights_[group] += 1;
  }
  double point_mean(size_t group) const { return sums_[group] / weights_[group]; }

private:
  size_t conditions_;
  std::vector<int32_t> dense_;
  size_t count_ = 0;
  std::vector<double> sums_, weights_;
};

struct ContrastInfo {
  enum class Kind { stratum, ablation, leader } kind;
  size_t model = 0;
  size_t measure = 0;
  std::string stratum;   // stratum
  std::string contrast;  // stratum: "malignant - benign"
  std::string condition; // ablation
};

// Majority vote and mean of one panel's scores (slots: -1 absent, 0 unscored, 1..5).
stats::PanelScores panel_of(const int8_t *slots, size_t jurors) {
  stats::PanelScores scores(jurors);
  for (size_t j = 0; j < jurors; ++j)
    if (slots[j] >= 1)
      scores[j] = slots[j];
  return scores;
}

AgreementValues agreement_values(const stats::RatingMatrix &ratings) {
  AgreementValues out;
  if (auto a = stats::krippendorff_alpha(ratings, stats::Metric::ordinal)) {
    out.alpha_ordinal = a->alpha;
    out.units = a->units_used;
  }
  if (auto a = stats::krippendorff_alpha(ratings, stats::Metric::interval))
    out.alpha_interval = a->alpha;
  if (auto k = stats::fleiss_kappa(ratings)) {
    out.fleiss_kappa = k->kappa;
    out.fleiss_items = k->items_used;
  }
  return out;
}

// Fits the calibration of one dimension; fills `summary`. Returns the map to apply, if any.
std::optional<stats::CalibrationMap> calibrate(const stats::CalibrationData &data,
                                               size_t annotated_transcripts,
                                               const CalibrationOptions &options,
                                               CalibrationSummary &summary) {
  if (options.method == CalibrationChoice::none) {
    summary.note = "calibration is off (--calibration none or the jury config)";
    return std::nullopt;
  }
  if (annotated_transcripts < 2) {
    summary.note = "needs expert annotations of at least 2 transcripts, found " +
                   std::to_string(annotated_transcripts);
    return std::nullopt;
  }
  summary.folds = std::min<size_t>(size_t(options.folds), annotated_transcripts);
  const stats::CalibrationMethod methods[] = {stats::CalibrationMethod::identity,
                                              stats::CalibrationMethod::linear,
                                              stats::CalibrationMethod::isotonic};
  std::optional<stats::CalibrationMethod> best;
  double best_mae = 0;
  for (auto method : methods) {
    auto cv = stats::cross_validate(data, method, summary.folds, options.seed);
    if (!cv)
      continue;
    summary.cv_mae_rmse[stats::to_string(method)] = {cv->mae, cv->rmse};
    const bool wanted =
        options.method == CalibrationChoice::automatic ||
        (options.method == CalibrationChoice::linear &&
         method == stats::CalibrationMethod::linear) ||
        (options.method == CalibrationChoice::isotonic &&
         method == stats::CalibrationMethod::isotonic);
    if (wanted && (!best || cv->mae < best_mae)) {
      best = method;
      best_mae = cv->mae;
    }
  }
  if (annotated_transcripts < size_t(options.min_annotated)) {
    summary.note = std::to_string(annotated_transcripts) +
                   " annotated transcripts; a map is applied from " +
                   std::to_string(options.min_annotated) + " on";
    return std::nullopt;
  }
  if (!best) {
    summary.note = std::string("the ") + to_string(options.method) +
                   " map cannot be fitted to these annotations";
    return std::nullopt;
  }
  if (*best == stats::CalibrationMethod::identity) {
    summary.note = "no map predicts the experts better than the raw scores (cross-validated)";
    return std::nullopt;
  }
  auto map = stats::fit_calibration(data, *best);
  if (!map) {
    summary.note = "fitting failed: " + map.errors().front().message();
    return std::nullopt;
  }
  summary.method = stats::to_string(*best);
  summary.applied = true;
  summary.map = *map;
  return *map;
}


// Each juror's verdict per transcript and dimension, the last row added counting: -1 none,
// 0 a verdict without a score, 1..5 the score.
struct Slots {
  size_t transcripts = 0;
  size_t jurors = 0;
  std::vector<int8_t> value;     // [(t * 3 + dimension) * jurors + juror]
  std::vector<char> allowed;     // per juror
  std::vector<char> included;    // per transcript: at least one verdict counts
  const int8_t *of(size_t t, size_t dim) const { return &value[(t * 3 + dim) * jurors]; }
};

Slots verdict_slots(const ReportInput::Data &d) {
  Slots s;
  s.transcripts = d.transcripts.size();
  s.jurors = d.jurors.size();
  s.allowed.assign(s.jurors, 1);
  if (!d.allowed_jurors.empty())
    for (size_t j = 0; j < s.jurors; ++j)
      s.allowed[j] = std::find(d.allowed_jurors.begin(), d.allowed_jurors.end(),
                               d.jurors.names()[j]) != d.allowed_jurors.end();
  s.value.assign(s.transcripts * 3 * s.jurors, -1);
  s.included.assign(s.transcripts, 0);
  for (size_t i = 0; i < d.verdicts.size(); ++i) {
    const auto &v = d.verdicts[i];
    if (i < d.transcripts[v.transcript].valid_from || !s.allowed[v.juror])
      continue;
    s.value[(size_t(v.transcript) * 3 + v.dimension) * s.jurors + v.juror] = v.score;
    s.included[v.transcript] = 1;
  }
  return s;
}

// Agreement between the jurors over (transcript, dimension) items with a score.
Agreement agreement_of(const ReportInput::Data &d, const Slots &slots) {
  Agreement out;
  std::vector<size_t> columns;
  for (size_t j = 0; j < slots.jurors; ++j)
    if (slots.allowed[j])
      columns.push_back(j);
  std::sort(columns.begin(), columns.end(),
            [&](size_t a, size_t b) { return d.jurors.names()[a] < d.jurors.names()[b]; });
  for (size_t j : columns)
    out.jurors.push_back(d.jurors.names()[j]);
  std::array<stats::RatingMatrix, 3> by_dimension;
  size_t pooled_rows = 0;
  for (size_t t = 0; t < slots.transcripts; ++t) {
    if (!slots.included[t])
      continue;
    for (size_t dim = 0; dim < 3; ++dim) {
      const int8_t *s = slots.of(t, dim);
      std::vector<std::optional<double>> row(columns.size());
      size_t scored = 0;
      for (size_t c = 0; c < columns.size(); ++c)
        if (s[columns[c]] >= 1) {
          row[c] = s[columns[c]];
          ++scored;
        }
      if (scored == 0)
        continue;
      by_dimension[dim].push_back(std::move(row));
      ++pooled_rows;
    }
  }
  for (size_t dim = 0; dim < 3; ++dim)
    out.by_dimension[dim] = agreement_values(by_dimension[dim]);
  stats::RatingMatrix pooled;
  pooled.reserve(pooled_rows);
  for (auto &rows : by_dimension)
    for (auto &row : rows)
      pooled.push_back(std::move(row));
  out.pooled = agreement_values(pooled);
  return out;
}
} // namespace

Agreement build_agreement(const ReportInput &input) {
  return agreement_of(input.data(), verdict_slots(input.data()));
}

const char *measure_name(size_t measure) {
  static const char *const kNames[] = {"safety", "accuracy", "uncertainty", "overall"};
  return measure < kMeasures ? kNames[measure] : "";
}

Result<Report> build_report(const ReportInput &input, const ReportOptions &options) {
  const ReportInput::Data &d = input.data();
  if (options.replicates == 0)
    return Error{"report", "", "at least 1 bootstrap replicate", "0"};
  if (!(options.confidence > 0 && options.confidence < 1))
    return Error{"report", "", "a confidence level in (0, 1)", std::to_string(options.confidence)};
  if (d.verdicts.empty())
    return Error{"report", "", "jury verdicts of complete transcripts (run `imc score` first)",
                 "none"};

  const size_t T = d.transcripts.size();
  const size_t M = d.models.size();
  const size_t C = d.conditions.size();

  const Slots slots = verdict_slots(d);
  const size_t J = slots.jurors;
  auto slots_of = [&](size_t t, size_t dim) { return slots.of(t, dim); };
  const std::vector<char> &included = slots.included;

  Report report;
  report.run_id = options.run_id;
  report.generated_at = options.generated_at;
  report.replicates = options.replicates;
  report.seed = options.seed;
  report.confidence = options.confidence;

  // --- Panel means -----------------------------------------------------------------------------
  std::vector<double> raw(T * 3, kNaN);
  std::vector<char> case_seen(d.cases.size(), 0);
  for (size_t t = 0; t < T; ++t) {
    for (size_t dim = 0; dim < 3; ++dim) {
      const int8_t *s = slots_of(t, dim);
      int sum = 0, n = 0;
      for (size_t j = 0; j < J; ++j) {
        if (s[j] < 0)
          continue;
        ++report.verdicts;
        if (s[j] >= 1) {
          sum += s[j];
          ++n;
        }
      }
      report.verdicts_scored += size_t(n);
      if (n > 0)
        raw[t * 3 + dim] = double(sum) / n;
    }
    if (included[t]) {
      ++report.transcripts;
      case_seen[d.transcripts[t].case_index] = 1;
    }
  }
  report.cases = size_t(std::count(case_seen.begin(), case_seen.end(), 1));
  if (report.verdicts_scored == 0)
    return Error{"report", "", "at least one usable jury score",
                 std::to_string(report.verdicts) + " verdicts, none with a score"};

  // --- The jury against the experts, and calibration -------------------------------------------
  std::vector<double> value = raw; // what the report averages: calibrated where a map applies
  bool calibrated = false;
  if (!d.annotations.empty()) {
    ExpertComparison ex;
    std::set<std::string> annotators;
    std::set<size_t> annotated;
    struct Item {
      size_t t;
      std::array<std::optional<int>, 3> scores;
    };
    std::vector<Item> items;
    for (const ExpertAnnotation &a : d.annotations) {
      auto it = d.transcript_index.find(a.transcript_id);
      if (it == d.transcript_index.end() || !included[it->second]) {
        ++ex.annotations_ignored;
        continue;
      }
      ++ex.annotations;
      annotators.insert(a.annotator);
      annotated.insert(it->second);
      items.push_back(Item{it->second, a.scores});
    }
    ex.annotators.assign(annotators.begin(), annotators.end());
    ex.transcripts = annotated.size();
    if (ex.annotations > 0) {
      for (size_t dim = 0; dim < 3; ++dim) {
        DimensionComparison &dc = ex.dimensions[dim];
        std::vector<int> jury_int, expert_int;
        stats::CalibrationData data;
        std::set<size_t> transcripts_here;
        for (const Item &item : items) {
          const double mean = raw[item.t * 3 + dim];
          if (!item.scores[dim] || std::isnan(mean))
            continue;
          const auto vote = stats::majority_vote(panel_of(slots_of(item.t, dim), J));
          jury_int.push_back(vote ? vote->score : 0);
          expert_int.push_back(*item.scores[dim]);
          data.jury.push_back(mean);
          data.expert.push_back(*item.scores[dim]);
          data.cluster.push_back(item.t);
          transcripts_here.insert(item.t);
        }
        dc.items = data.jury.size();
        if (dc.items == 0) {
          dc.calibration.note = "no annotated transcript has a jury score for this dimension";
          continue;
        }
        if (auto cmp = stats::compare_scores(jury_int, expert_int))
          dc.majority = *cmp;
        dc.pearson = optional_of(stats::pearson(data.jury, data.expert));
        dc.spearman = optional_of(stats::spearman(data.jury, data.expert));
        dc.mae = optional_of(stats::mean_absolute_error(data.jury, data.expert));
        dc.bias = optional_of(stats::mean_bias(data.jury, data.expert));
        if (auto map = calibrate(data, transcripts_here.size(), options.calibration,
                                 dc.calibration)) {
          calibrated = true;
          for (size_t t = 0; t < T; ++t)
            if (!std::isnan(raw[t * 3 + dim]))
              value[t * 3 + dim] = map->apply(raw[t * 3 + dim]);
        }
      }
    }
    report.expert = std::move(ex);
  }
  report.score_source = calibrated ? "calibrated" : "raw";

  // --- Groups and observations -----------------------------------------------------------------
  std::vector<std::optional<CaseLabels>> labels(d.cases.size());
  for (size_t c = 0; c < d.cases.size(); ++c)
    if (auto it = d.labels.find(d.cases.names()[c]); it != d.labels.end())
      labels[c] = it->second;
  const int64_t full = d.conditions.find(kFullCondition);
  // Modalities of the labelled cases under `full`: with two or more, each gets "X - other".
  std::vector<char> modality_present(kModalityLevels, 0);
  for (size_t t = 0; t < T; ++t)
    if (included[t] && int64_t(d.transcripts[t].condition_index) == full)
      if (const auto &l = labels[d.transcripts[t].case_index])
        modality_present[size_t(l->modality)] = 1;
  const bool modality_deltas =
      std::count(modality_present.begin(), modality_present.end(), 1) >= 2;

  // Each included transcript adds its value of each measure to its group under every level it
  // belongs to (all cases; under `full` also its stratum levels), and, when calibrated, its raw
  // value to the raw group. Two passes: the first creates the groups (so the table's group
  // indices are compact) and their point means, the second fills the table.
  GroupIndex groups(M, C);
  std::vector<size_t> levels;
  auto for_each_observation = [&](auto &&visit) {
    for (size_t t = 0; t < T; ++t) {
      if (!included[t])
        continue;
      const auto &entry = d.transcripts[t];
      levels.assign(1, kLevelAll);
      if (int64_t(entry.condition_index) == full)
        if (const auto &l = labels[entry.case_index]) {
          levels.push_back(kLevelMalignancy + size_t(l->malignancy));
          levels.push_back(kLevelRarity + size_t(l->rarity));
          levels.push_back(kLevelModality + size_t(l->modality));
          if (modality_deltas)
            for (size_t m = 0; m < kModalityLevels; ++m)
              if (modality_present[m] && m != size_t(l->modality))
                levels.push_back(kLevelOtherModality + m);
        }
      std::array<double, kMeasures> v{}, r{};
      for (size_t dim = 0; dim < 3; ++dim) {
        v[dim] = value[t * 3 + dim];
        r[dim] = raw[t * 3 + dim];
      }
      v[kOverall] = (v[0] + v[1] + v[2]) / 3; // NaN unless all three exist
      r[kOverall] = (r[0] + r[1] + r[2]) / 3;
      for (size_t m = 0; m < kMeasures; ++m) {
        if (std::isnan(v[m]))
          continue;
        for (size_t level : levels)
          visit(entry.case_index,
                groups.key(entry.model_index, entry.condition_index, level, m, false), v[m]);
        if (calibrated)
          visit(entry.case_index,
                groups.key(entry.model_index, entry.condition_index, kLevelAll, m, true), r[m]);
      }
    }
  };
  for_each_observation(
      [&](uint32_t, size_t key, double v) { groups.observe(groups.at(key), v); });
  stats::CaseGroupTableBuilder table_builder(d.cases.size(), groups.count());
  for_each_observation([&](uint32_t case_index, size_t key, double v) {
    table_builder.add(case_index, size_t(groups.find(key)), v);
  });
  auto table = table_builder.build();
  if (!table)
    return table.errors();

  // Models in (clinician, model) order; conditions in reading order.
  std::vector<size_t> model_order(M);
  std::iota(model_order.begin(), model_order.end(), size_t{0});
  std::sort(model_order.begin(), model_order.end(), [&](size_t a, size_t b) {
    return std::tie(d.models[a].clinician, d.models[a].model) <
           std::tie(d.models[b].clinician, d.models[b].model);
  });
  std::vector<size_t> condition_order(C);
  std::iota(condition_order.begin(), condition_order.end(), size_t{0});
  std::sort(condition_order.begin(), condition_order.end(), [&](size_t a, size_t b) {
    return condition_before(d.conditions.names()[a], d.conditions.names()[b]);
  });
  auto group_of = [&](size_t model, size_t condition, size_t level, size_t measure,
                      bool raw_scores = false) {
    return groups.find(groups.key(model, condition, level, measure, raw_scores));
  };

  // --- Leaderboard (point estimates first: its contrasts go into the same bootstrap) -----------
  struct Leader {
    size_t model;
    std::array<double, kMeasures> means;
  };
  std::vector<Leader> leaders;
  if (full >= 0)
    for (size_t m : model_order) {
      if (group_of(m, size_t(full), kLevelAll, kOverall) < 0 &&
          group_of(m, size_t(full), kLevelAll, 0) < 0)
        continue;
      Leader l{m, {}};
      for (size_t k = 0; k < kMeasures; ++k) {
        const int64_t g = group_of(m, size_t(full), kLevelAll, k);
        l.means[k] = g < 0 ? kNaN : groups.point_mean(size_t(g));
      }
      leaders.push_back(l);
    }
  std::stable_sort(leaders.begin(), leaders.end(), [](const Leader &a, const Leader &b) {
    const double x = std::isnan(a.means[kOverall]) ? -1 : a.means[kOverall];
    const double y = std::isnan(b.means[kOverall]) ? -1 : b.means[kOverall];
    return x > y;
  });

  // --- Contrasts -------------------------------------------------------------------------------
  std::vector<stats::GroupContrast> contrasts;
  std::vector<ContrastInfo> infos;
  auto add_contrast = [&](int64_t a, int64_t b, bool matched, ContrastInfo info) {
    if (a < 0 || b < 0)
      return;
    contrasts.push_back(stats::GroupContrast{size_t(a), size_t(b), matched});
    infos.push_back(std::move(info));
  };
  for (size_t m : model_order) {
    if (full < 0)
      break;
    const size_t f = size_t(full);
    for (size_t k = 0; k < kMeasures; ++k) {
      const auto mal = [&](Malignancy x) {
        return group_of(m, f, kLevelMalignancy + size_t(x), k);
      };
      const auto rar = [&](Rarity x) { return group_of(m, f, kLevelRarity + size_t(x), k); };
      add_contrast(mal(Malignancy::malignant), mal(Malignancy::benign), false,
                   {ContrastInfo::Kind::stratum, m, k, "malignancy", "malignant - benign", ""});
      add_contrast(rar(Rarity::rare), rar(Rarity::common), false,
                   {ContrastInfo::Kind::stratum, m, k, "rarity", "rare - common", ""});
      for (size_t x = 0; x < kModalityLevels && modality_deltas; ++x)
        add_contrast(group_of(m, f, kLevelModality + x, k),
                     group_of(m, f, kLevelOtherModality + x, k), false,
                     {ContrastInfo::Kind::stratum, m, k, "modality",
                      std::string(to_string(Modality(x))) + " - other", ""});
    }
  }
  for (size_t m : model_order) {
    if (full < 0)
      break;
    for (size_t c : condition_order) {
      if (int64_t(c) == full)
        continue;
      for (size_t k = 0; k < kMeasures; ++k)
        add_contrast(group_of(m, c, kLevelAll, k), group_of(m, size_t(full), kLevelAll, k), true,
                     {ContrastInfo::Kind::ablation, m, k, "", "", d.conditions.names()[c]});
    }
  }
  for (size_t i = 1; i < leaders.size(); ++i)
    add_contrast(group_of(leaders[i].model, size_t(full), kLevelAll, kOverall),
                 group_of(leaders[0].model, size_t(full), kLevelAll, kOverall), true,
                 {ContrastInfo::Kind::leader, leaders[i].model, kOverall, "", "", ""});

  stats::BootstrapOptions bootstrap;
  bootstrap.replicates = options.replicates;
  bootstrap.seed = options.seed;
  bootstrap.confidence = options.confidence;
  auto boot = stats::bootstrap_means(*table, contrasts, bootstrap);
  if (!boot)
    return boot.errors();
  auto interval = [&](int64_t g) { return g < 0 ? Estimate{} : estimate_of(boot->groups[g]); };

  // --- Models ----------------------------------------------------------------------------------
  auto model_rows = [&](bool raw_scores) {
    std::vector<ModelResult> rows;
    for (size_t m : model_order)
      for (size_t c : condition_order) {
        ModelResult row;
        bool any = false;
        for (size_t k = 0; k < kMeasures; ++k) {
          const int64_t g = group_of(m, c, kLevelAll, k, raw_scores);
          row.measures[k] = interval(g);
          any = any || g >= 0;
          row.n_cases = std::max(row.n_cases, row.measures[k].n_cases);
        }
        if (!any)
          continue;
        row.key = d.models[m];
        row.condition = d.conditions.names()[c];
        rows.push_back(std::move(row));
      }
    return rows;
  };
  report.models = model_rows(false);
  if (calibrated && report.expert)
    report.raw_models = model_rows(true);

  // --- Leaderboard -----------------------------------------------------------------------------
  std::array<double, 3> best{};
  best.fill(kNaN);
  for (const Leader &l : leaders)
    for (size_t k = 0; k < 3; ++k)
      if (!std::isnan(l.means[k]) && (std::isnan(best[k]) || l.means[k] > best[k]))
        best[k] = l.means[k];
  for (size_t i = 0; i < leaders.size(); ++i) {
    LeaderboardRow row;
    row.rank = i + 1;
    if (i > 0 && leaders[i].means[kOverall] == leaders[i - 1].means[kOverall])
      row.rank = report.leaderboard.back().rank;
    row.key = d.models[leaders[i].model];
    row.means = leaders[i].means;
    for (size_t k = 0; k < 3; ++k)
      if (leaders.size() > 1 && !std::isnan(row.means[k]) && row.means[k] >= best[k])
        row.best_in.push_back(measure_name(k));
    report.leaderboard.push_back(std::move(row));
  }
  if (leaders.size() == 1) {
    report.dominance_note = "Only one clinician model was scored under the full condition.";
  } else if (leaders.size() > 1) {
    std::string dominant;
    for (const auto &row : report.leaderboard)
      if (row.best_in.size() == 3)
        dominant = row.key.model.empty() ? row.key.clinician : row.key.model;
    report.dominance_note = dominant.empty()
                                ? "No model is best in every dimension."
                                : dominant + " is best in every dimension.";
  }

  // --- Strata ----------------------------------------------------------------------------------
  if (full >= 0) {
    const size_t f = size_t(full);
    struct StratumLevel {
      const char *stratum;
      size_t level;
      std::string name;
    };
    std::vector<StratumLevel> all_levels;
    for (size_t x = 0; x < kMalignancyLevels; ++x)
      all_levels.push_back({"malignancy", kLevelMalignancy + x, to_string(Malignancy(x))});
    for (size_t x = 0; x < kRarityLevels; ++x)
      all_levels.push_back({"rarity", kLevelRarity + x, to_string(Rarity(x))});
    for (size_t x = 0; x < kModalityLevels; ++x)
      all_levels.push_back({"modality", kLevelModality + x, to_string(Modality(x))});
    for (const StratumLevel &s : all_levels)
      for (size_t m : model_order)
        for (size_t k = 0; k < kMeasures; ++k) {
          const int64_t g = group_of(m, f, s.level, k);
          if (g < 0)
            continue;
          report.strata.push_back(StratumResult{s.stratum, s.name, d.models[m], k, interval(g)});
        }
  }

  // --- Deltas ----------------------------------------------------------------------------------
  for (size_t i = 0; i < infos.size(); ++i) {
    const ContrastInfo &info = infos[i];
    const Estimate e = estimate_of(boot->contrasts[i]);
    if (!e.defined())
      continue; // a matched contrast without a shared case says nothing
    switch (info.kind) {
    case ContrastInfo::Kind::stratum:
      report.stratum_deltas.push_back(
          StratumDelta{info.stratum, info.contrast, d.models[info.model], info.measure, e});
      break;
    case ContrastInfo::Kind::ablation:
      report.ablations.push_back(
          Ablation{d.models[info.model], info.condition, kFullCondition, info.measure, e});
      break;
    case ContrastInfo::Kind::leader:
      for (auto &row : report.leaderboard)
        if (row.key.clinician == d.models[info.model].clinician &&
            row.key.model == d.models[info.model].model)
          row.behind_leader = e;
      break;
    }
  }
  // Stratum deltas grouped by stratum and contrast, then model and measure.
  std::stable_sort(report.stratum_deltas.begin(), report.stratum_deltas.end(),
                   [](const StratumDelta &a, const StratumDelta &b) {
                     const auto rank = [](const std::string &s) {
                       return s == "malignancy" ? 0 : s == "rarity" ? 1 : 2;
                     };
                     return std::make_pair(rank(a.stratum), a.contrast) <
                            std::make_pair(rank(b.stratum), b.contrast);
                   });

  // --- Agreement -------------------------------------------------------------------------------
  if (options.agreement)
    report.agreement = agreement_of(d, slots);

  report.cases_without_labels = input.cases_without_labels();
  return report;
}

} // namespace imc::report
