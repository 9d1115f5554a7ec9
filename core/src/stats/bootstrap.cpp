// Paired cluster bootstrap of group means (imc/stats/bootstrap.h).
#include "imc/stats/bootstrap.h"

#include "imc/stats/normal.h"
#include "imc/stats/random.h"
#include "stats_error.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace imc::stats {

using detail::stats_error;

namespace {

constexpr size_t kMaxIndex = 0xFFFFFFFFu; // indices are stored as uint32_t
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Status check_shape(std::string_view fn, size_t cases, size_t groups) {
  if (cases == 0 || groups == 0)
    return stats_error(fn, "at least one case and one group",
                       std::to_string(cases) + " cases, " + std::to_string(groups) + " groups");
  if (cases > kMaxIndex || groups > kMaxIndex)
    return stats_error(fn, "at most 2^32 - 1 cases and groups",
                       std::to_string(cases) + " cases, " + std::to_string(groups) + " groups");
  return ok_status();
}

// The compressed rows the replicate loop runs over: the table's own arrays, or a copy extended
// with derived groups (the matched halves of contrasts whose groups cover different cases).
struct WorkingTable {
  size_t cases = 0;
  size_t groups = 0;
  const uint32_t *row = nullptr;
  const uint32_t *group = nullptr;
  const double *sums = nullptr;
  std::vector<uint32_t> own_row, own_group;
  std::vector<double> own_sums;

  void point_to_own() {
    row = own_row.data();
    group = own_group.data();
    sums = own_sums.data();
  }
};

// Per group, its cells in case order: cells [begin[g], begin[g + 1]) of `cell`, case in `owner`.
struct GroupColumns {
  std::vector<size_t> begin;
  std::vector<uint32_t> owner; // case
  std::vector<uint32_t> cell;  // index into the working table's cells
};

GroupColumns columns_of(const WorkingTable &t) {
  GroupColumns columns;
  columns.begin.assign(t.groups + 1, 0);
  const size_t cells = t.row[t.cases];
  for (size_t e = 0; e < cells; ++e)
    ++columns.begin[t.group[e] + 1];
  for (size_t g = 0; g < t.groups; ++g)
    columns.begin[g + 1] += columns.begin[g];
  columns.owner.resize(cells);
  columns.cell.resize(cells);
  std::vector<size_t> next(columns.begin.begin(), columns.begin.end() - 1);
  for (size_t c = 0; c < t.cases; ++c)
    for (uint32_t e = t.row[c]; e < t.row[c + 1]; ++e) {
      const size_t slot = next[t.group[e]]++;
      columns.owner[slot] = static_cast<uint32_t>(c);
      columns.cell[slot] = e;
    }
  return columns;
}

// Quantile of sorted values by linear interpolation between order statistics (Hyndman & Fan
// 1996, definition 7; the default of R and NumPy).
double quantile_of_sorted(const std::vector<double> &sorted, double p) {
  if (sorted.empty())
    return kNaN;
  const double h = (static_cast<double>(sorted.size()) - 1) * std::clamp(p, 0.0, 1.0);
  const auto lo = static_cast<size_t>(std::floor(h));
  if (lo + 1 >= sorted.size())
    return sorted.back();
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[lo + 1] - sorted[lo]);
}

// Jackknife acceleration a = Σ d³ / (6 (Σ d²)^{3/2}), d = mean(θ_(·)) − θ_(i), from the
// leave-one-case-out estimates of the cases that touch the statistic plus `untouched` cases whose
// leave-one-out estimate is the full-data one. 0 when every θ_(i) is equal.
double acceleration(const std::vector<double> &touched, size_t untouched, double untouched_value) {
  const double n = static_cast<double>(touched.size() + untouched);
  double mean = static_cast<double>(untouched) * untouched_value;
  for (double v : touched)
    mean += v;
  mean /= n;
  const double du = mean - untouched_value;
  double square = static_cast<double>(untouched) * du * du;
  double cube = static_cast<double>(untouched) * du * du * du;
  for (double v : touched) {
    const double d = mean - v;
    square += d * d;
    cube += d * d * d;
  }
  if (!(square > 0))
    return 0;
  return cube / (6 * square * std::sqrt(square));
}

struct Totals {
  std::vector<double> sum, weight;
  std::vector<size_t> cases;
  double mean(size_t g) const { return weight[g] > 0 ? sum[g] / weight[g] : kNaN; }
};

// Leave-one-case-out means of group g for its own cases (case order); false when one of them
// is undefined (the group has a single case).
bool jackknife_means(const WorkingTable &t, const GroupColumns &columns, const Totals &totals,
                     size_t g, std::vector<double> &out) {
  out.clear();
  for (size_t i = columns.begin[g]; i < columns.begin[g + 1]; ++i) {
    const uint32_t e = columns.cell[i];
    const double rest = totals.weight[g] - t.sums[2 * size_t{e} + 1];
    if (!(rest > 0))
      return false;
    out.push_back((totals.sum[g] - t.sums[2 * size_t{e}]) / rest);
  }
  return true;
}

BootstrapInterval interval_from(std::vector<double> &series, double estimate, size_t cases,
                                const BootstrapOptions &options, double accel) {
  BootstrapInterval result;
  result.estimate = estimate;
  result.cases = cases;
  series.erase(std::remove_if(series.begin(), series.end(), [](double v) { return std::isnan(v); }),
               series.end());
  result.replicates_used = series.size();
  if (series.empty() || std::isnan(estimate))
    return result;
  std::sort(series.begin(), series.end());
  double mean = 0;
  for (double v : series)
    mean += v;
  mean /= static_cast<double>(series.size());
  double squares = 0;
  for (double v : series)
    squares += (v - mean) * (v - mean);
  result.standard_error =
      series.size() > 1 ? std::sqrt(squares / static_cast<double>(series.size() - 1)) : 0.0;

  const double tail = (1 - options.confidence) / 2;
  double p_lower = tail, p_upper = 1 - tail;
  result.method = IntervalMethod::percentile;
  if (options.method == IntervalMethod::bca) {
    const auto below = std::lower_bound(series.begin(), series.end(), estimate) - series.begin();
    const auto not_above =
        std::upper_bound(series.begin(), series.end(), estimate) - series.begin();
    const double share =
        (static_cast<double>(below) + 0.5 * static_cast<double>(not_above - below)) /
        static_cast<double>(series.size());
    if (share > 0 && share < 1) {
      const double z0 = normal_quantile(share);
      auto adjusted = [&](double p, double &out) {
        const double t = z0 + normal_quantile(p);
        const double denominator = 1 - accel * t;
        if (!(denominator > 0))
          return false;
        out = normal_cdf(z0 + t / denominator);
        return true;
      };
      double lo = 0, hi = 0;
      if (adjusted(tail, lo) && adjusted(1 - tail, hi)) {
        p_lower = lo;
        p_upper = hi;
        result.method = IntervalMethod::bca;
      }
    }
  }
  result.lower = quantile_of_sorted(series, p_lower);
  result.upper = quantile_of_sorted(series, p_upper);
  return result;
}

} // namespace

double CaseGroupTable::mean(size_t group) const {
  double sum = 0, weight = 0;
  for (size_t e = 0; e < cell_group_.size(); ++e)
    if (cell_group_[e] == group) {
      sum += cell_sums_[2 * e];
      weight += cell_sums_[2 * e + 1];
    }
  return weight > 0 ? sum / weight : kNaN;
}

size_t CaseGroupTable::cases_with(size_t group) const {
  return static_cast<size_t>(std::count(cell_group_.begin(), cell_group_.end(), group));
}

Result<CaseGroupTable> CaseGroupTable::from_dense(size_t cases, size_t groups,
                                                  const std::vector<double> &values) {
  constexpr std::string_view fn = "CaseGroupTable::from_dense";
  Status shape = check_shape(fn, cases, groups);
  if (!shape)
    return shape.errors();
  if (values.size() / groups != cases || values.size() % groups != 0)
    return stats_error(fn, std::to_string(cases) + " × " + std::to_string(groups) + " values",
                       std::to_string(values.size()));
  CaseGroupTable table;
  table.groups_ = groups;
  table.row_begin_.reserve(cases + 1);
  for (size_t c = 0; c < cases; ++c) {
    for (size_t g = 0; g < groups; ++g) {
      const double v = values[c * groups + g];
      if (std::isnan(v))
        continue;
      if (std::isinf(v))
        return stats_error(fn, "finite values or NaN",
                           "an infinite value at case " + std::to_string(c) + ", group " +
                               std::to_string(g));
      table.cell_group_.push_back(static_cast<uint32_t>(g));
      table.cell_sums_.push_back(v);
      table.cell_sums_.push_back(1.0);
    }
    if (table.cell_group_.size() > kMaxIndex)
      return stats_error(fn, "at most 2^32 - 1 cells", "more");
    table.row_begin_.push_back(static_cast<uint32_t>(table.cell_group_.size()));
  }
  return table;
}

Result<CaseGroupTable> CaseGroupTableBuilder::build() const {
  constexpr std::string_view fn = "CaseGroupTableBuilder::build";
  Status shape = check_shape(fn, cases_, groups_);
  if (!shape)
    return shape.errors();
  Errors errors;
  for (size_t i = 0; i < observations_.size() && errors.size() < 10; ++i) {
    const Observation &o = observations_[i];
    std::string expected, found;
    if (o.case_index >= cases_) {
      expected = "a case index below " + std::to_string(cases_);
      found = std::to_string(o.case_index);
    } else if (o.group >= groups_) {
      expected = "a group index below " + std::to_string(groups_);
      found = std::to_string(o.group);
    } else if (!std::isfinite(o.value)) {
      expected = "a finite value";
      found = std::to_string(o.value);
    } else if (!std::isfinite(o.weight) || !(o.weight > 0)) {
      expected = "a positive finite weight";
      found = std::to_string(o.weight);
    } else {
      continue;
    }
    errors.push_back(Error{std::string(fn), "observation " + std::to_string(i), std::move(expected),
                           std::move(found)});
  }
  if (!errors.empty())
    return errors;

  // Counting sort of the observations by case, then by group within each case.
  std::vector<size_t> begin(cases_ + 1, 0);
  for (const Observation &o : observations_)
    ++begin[o.case_index + 1];
  for (size_t c = 0; c < cases_; ++c)
    begin[c + 1] += begin[c];
  std::vector<size_t> order(observations_.size());
  {
    std::vector<size_t> next(begin.begin(), begin.end() - 1);
    for (size_t i = 0; i < observations_.size(); ++i)
      order[next[observations_[i].case_index]++] = i;
  }
  CaseGroupTable table;
  table.groups_ = groups_;
  table.row_begin_.reserve(cases_ + 1);
  for (size_t c = 0; c < cases_; ++c) {
    const auto first = order.begin() + static_cast<std::ptrdiff_t>(begin[c]);
    const auto last = order.begin() + static_cast<std::ptrdiff_t>(begin[c + 1]);
    // Stable, so observations of one cell are summed in the order they were added.
    std::stable_sort(first, last, [&](size_t a, size_t b) {
      return observations_[a].group < observations_[b].group;
    });
    for (auto it = first; it != last; ++it) {
      const Observation &o = observations_[*it];
      const bool same_cell = it != first && observations_[*(it - 1)].group == o.group;
      if (!same_cell) {
        table.cell_group_.push_back(static_cast<uint32_t>(o.group));
        table.cell_sums_.push_back(0.0);
        table.cell_sums_.push_back(0.0);
      }
      table.cell_sums_[table.cell_sums_.size() - 2] += o.weight * o.value;
      table.cell_sums_.back() += o.weight;
    }
    if (table.cell_group_.size() > kMaxIndex)
      return stats_error(fn, "at most 2^32 - 1 cells", "more");
    table.row_begin_.push_back(static_cast<uint32_t>(table.cell_group_.size()));
  }
  return table;
}

namespace {

// Resolves each contrast to a pair of working-table groups. A matched contrast whose groups cover
// different cases gets two derived groups restricted to the cases they share; `work` then switches
// to its own copy of the rows with the derived cells appended to each case's row (after its own
// cells, in contrast order, so groups stay increasing within a row). `columns` are those of the
// table. Error: more than 2^32 − 1 groups or cells.
Status add_matched_groups(const std::vector<GroupContrast> &contrasts, const GroupColumns &columns,
                          WorkingTable &work, std::vector<std::pair<size_t, size_t>> &pairs) {
  struct Derived {
    uint32_t case_index, group, cell_a, cell_b;
  };
  std::vector<Derived> derived;
  const size_t groups = work.groups;
  size_t next_group = groups;
  pairs.resize(contrasts.size());
  for (size_t k = 0; k < contrasts.size(); ++k) {
    const size_t a = contrasts[k].minuend, b = contrasts[k].subtrahend;
    pairs[k] = {a, b};
    if (!contrasts[k].matched_cases_only || a == b)
      continue;
    const auto owners = [&](size_t g, size_t end) {
      return columns.owner.begin() + static_cast<std::ptrdiff_t>(columns.begin[g + end]);
    };
    if (std::equal(owners(a, 0), owners(a, 1), owners(b, 0), owners(b, 1)))
      continue; // the same cases: matching changes nothing
    const auto g = static_cast<uint32_t>(next_group);
    for (size_t i = columns.begin[a], j = columns.begin[b];
         i < columns.begin[a + 1] && j < columns.begin[b + 1];) {
      if (columns.owner[i] < columns.owner[j]) {
        ++i;
      } else if (columns.owner[j] < columns.owner[i]) {
        ++j;
      } else {
        derived.push_back(Derived{columns.owner[i], g, columns.cell[i], columns.cell[j]});
        ++i;
        ++j;
      }
    }
    pairs[k] = {next_group, next_group + 1};
    next_group += 2;
  }
  if (next_group == groups)
    return ok_status();
  const size_t cells = work.row[work.cases];
  if (next_group > kMaxIndex || cells + 2 * derived.size() > kMaxIndex)
    return stats_error("bootstrap_means",
                       "at most 2^32 - 1 groups and cells with the matched contrasts", "more");

  std::stable_sort(derived.begin(), derived.end(),
                   [](const Derived &x, const Derived &y) { return x.case_index < y.case_index; });
  work.own_row.reserve(work.cases + 1);
  work.own_row.push_back(0);
  work.own_group.reserve(cells + 2 * derived.size());
  work.own_sums.reserve(2 * (cells + 2 * derived.size()));
  auto copy_cell = [&](uint32_t e, uint32_t group) {
    work.own_group.push_back(group);
    work.own_sums.push_back(work.sums[2 * size_t{e}]);
    work.own_sums.push_back(work.sums[2 * size_t{e} + 1]);
  };
  size_t d = 0;
  for (size_t c = 0; c < work.cases; ++c) {
    for (uint32_t e = work.row[c]; e < work.row[c + 1]; ++e)
      copy_cell(e, work.group[e]);
    for (; d < derived.size() && derived[d].case_index == c; ++d) {
      copy_cell(derived[d].cell_a, derived[d].group);
      copy_cell(derived[d].cell_b, derived[d].group + 1);
    }
    work.own_row.push_back(static_cast<uint32_t>(work.own_group.size()));
  }
  work.groups = next_group;
  work.point_to_own();
  return ok_status();
}

Totals totals_of(const WorkingTable &work) {
  Totals totals;
  totals.sum.assign(work.groups, 0.0);
  totals.weight.assign(work.groups, 0.0);
  totals.cases.assign(work.groups, 0);
  for (size_t c = 0; c < work.cases; ++c)
    for (uint32_t e = work.row[c]; e < work.row[c + 1]; ++e) {
      totals.sum[work.group[e]] += work.sums[2 * size_t{e}];
      totals.weight[work.group[e]] += work.sums[2 * size_t{e} + 1];
      ++totals.cases[work.group[e]];
    }
  return totals;
}

// Every group's mean in every replicate: result[g * replicates + b], NaN where the group has no
// drawn case. Replicates run in blocks of kLanes: the case counts of a whole block are drawn
// first (one replicate after the other, from the one generator, so blocking changes no number),
// then ONE pass over the cells updates kLanes accumulators per cell. The cells are read once per
// block instead of once per replicate — reading them is what bounds the speed, as they do not
// fit in cache — and the per-cell lane loop vectorises. Each accumulator still sums its cells in
// case order, exactly as one replicate at a time would. Nothing is allocated inside the loop.
std::vector<double> replicate_means(const WorkingTable &work, size_t replicates, uint64_t seed) {
  constexpr size_t kLanes = 16;
  const size_t cases = work.cases;
  std::vector<double> mean(work.groups * replicates);
  Rng rng(seed);
  const auto case_count = static_cast<uint32_t>(cases);
  std::vector<uint32_t> draws(kLanes * cases);               // draws[lane * cases + c]
  std::vector<double> accumulator(work.groups * 2 * kLanes); // per group: sums, then weights
  const uint32_t *row = work.row;
  const uint32_t *cell_group = work.group;
  const double *sums = work.sums;
  for (size_t block = 0; block < replicates; block += kLanes) {
    const size_t lanes = std::min(kLanes, replicates - block);
    std::fill(draws.begin(), draws.end(), 0u);
    for (size_t lane = 0; lane < lanes; ++lane) {
      uint32_t *counts = draws.data() + lane * cases;
      for (size_t i = 0; i < cases; ++i)
        ++counts[rng.below(case_count)];
    }
    std::fill(accumulator.begin(), accumulator.end(), 0.0);
    double *acc = accumulator.data();
    for (size_t c = 0; c < cases; ++c) {
      double m[kLanes]; // a local copy: provably not aliased by the accumulators
      for (size_t lane = 0; lane < kLanes; ++lane)
        m[lane] = draws[lane * cases + c];
      for (uint32_t e = row[c], end = row[c + 1]; e < end; ++e) {
        const double sum = sums[2 * size_t{e}], weight = sums[2 * size_t{e} + 1];
        double *slot = acc + size_t{cell_group[e]} * 2 * kLanes;
        for (size_t lane = 0; lane < kLanes; ++lane)
          slot[lane] += m[lane] * sum;
        for (size_t lane = 0; lane < kLanes; ++lane)
          slot[kLanes + lane] += m[lane] * weight;
      }
    }
    for (size_t g = 0; g < work.groups; ++g) {
      const double *slot = acc + g * 2 * kLanes;
      for (size_t lane = 0; lane < lanes; ++lane)
        mean[g * replicates + block + lane] =
            slot[kLanes + lane] > 0 ? slot[lane] / slot[kLanes + lane] : kNaN;
    }
  }
  return mean;
}

struct ContrastCases {
  size_t cases = 0;        // cases with either group (with both, for a matched contrast)
  double acceleration = 0; // BCa jackknife acceleration of the difference; 0 when not wanted
};

// Walks the cases of groups a and b in case order; with `bca`, the jackknife acceleration of
// mean(a) − mean(b), where leaving out a case that lacks a group leaves that group's mean as is.
ContrastCases contrast_cases(const WorkingTable &work, const GroupColumns &columns,
                             const Totals &totals, size_t a, size_t b, bool bca) {
  std::vector<double> jack_a, jack_b, touched;
  const double estimate = totals.mean(a) - totals.mean(b);
  const bool jackknife = bca && !std::isnan(estimate) &&
                         jackknife_means(work, columns, totals, a, jack_a) &&
                         jackknife_means(work, columns, totals, b, jack_b);
  ContrastCases result;
  size_t i = columns.begin[a], j = columns.begin[b];
  const size_t i_end = columns.begin[a + 1], j_end = columns.begin[b + 1];
  while (i < i_end || j < j_end) {
    const bool take_a = i < i_end && (j >= j_end || columns.owner[i] <= columns.owner[j]);
    const bool take_b = j < j_end && (i >= i_end || columns.owner[j] <= columns.owner[i]);
    if (jackknife) {
      const double left = take_a ? jack_a[i - columns.begin[a]] : totals.mean(a);
      const double right = take_b ? jack_b[j - columns.begin[b]] : totals.mean(b);
      touched.push_back(left - right);
    }
    ++result.cases;
    i += take_a;
    j += take_b;
  }
  if (jackknife)
    result.acceleration = acceleration(touched, work.cases - touched.size(), estimate);
  return result;
}

} // namespace

Result<BootstrapResult> bootstrap_means(const CaseGroupTable &table,
                                        const std::vector<GroupContrast> &contrasts,
                                        const BootstrapOptions &options) {
  constexpr std::string_view fn = "bootstrap_means";
  if (options.replicates == 0)
    return stats_error(fn, "at least one replicate", "0");
  if (!(options.confidence > 0 && options.confidence < 1))
    return stats_error(fn, "a confidence level in (0, 1)", std::to_string(options.confidence));
  for (size_t k = 0; k < contrasts.size(); ++k)
    for (size_t g : {contrasts[k].minuend, contrasts[k].subtrahend})
      if (g >= table.groups())
        return stats_error(fn,
                           "contrast " + std::to_string(k) + " to name groups below " +
                               std::to_string(table.groups()),
                           std::to_string(g));

  WorkingTable work;
  work.cases = table.cases();
  work.groups = table.groups();
  work.row = table.row_begin().data();
  work.group = table.cell_group().data();
  work.sums = table.cell_sums().data();

  // Per-group columns serve the matching of contrasts, counting their cases, and the jackknife.
  const bool bca = options.method == IntervalMethod::bca;
  GroupColumns columns;
  std::vector<std::pair<size_t, size_t>> pairs;
  if (!contrasts.empty()) {
    columns = columns_of(work);
    Status matched = add_matched_groups(contrasts, columns, work, pairs);
    if (!matched)
      return matched.errors();
    if (work.groups != table.groups())
      columns = columns_of(work); // now with the derived groups
  } else if (bca) {
    columns = columns_of(work);
  }

  const Totals totals = totals_of(work);
  const size_t replicates = options.replicates;
  const std::vector<double> replicate_mean = replicate_means(work, replicates, options.seed);

  BootstrapResult result;
  std::vector<double> series(replicates), jack;
  for (size_t g = 0; g < table.groups(); ++g) {
    const auto first = replicate_mean.begin() + static_cast<std::ptrdiff_t>(g * replicates);
    series.assign(first, first + static_cast<std::ptrdiff_t>(replicates));
    double accel = 0;
    if (bca && totals.weight[g] > 0 && jackknife_means(work, columns, totals, g, jack))
      accel = acceleration(jack, work.cases - jack.size(), totals.mean(g));
    result.groups.push_back(interval_from(series, totals.mean(g), totals.cases[g], options, accel));
  }
  for (const auto &[a, b] : pairs) {
    series.resize(replicates);
    for (size_t r = 0; r < replicates; ++r)
      series[r] = replicate_mean[a * replicates + r] - replicate_mean[b * replicates + r];
    const ContrastCases contrast = contrast_cases(work, columns, totals, a, b, bca);
    result.contrasts.push_back(interval_from(series, totals.mean(a) - totals.mean(b),
                                             contrast.cases, options, contrast.acceleration));
  }
  return result;
}

} // namespace imc::stats
