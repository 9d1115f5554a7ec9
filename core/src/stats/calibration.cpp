// Jury-to-expert calibration (imc/stats/calibration.h).
#include "imc/stats/calibration.h"

#include "imc/stats/random.h"
#include "stats_error.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

namespace imc::stats {

using detail::attributed_to;
using detail::stats_error;

namespace {

double weight_of(const CalibrationData &data, size_t i) {
  return data.weight.empty() ? 1.0 : data.weight[i];
}

Status check_data(std::string_view fn, const CalibrationData &data) {
  const size_t n = data.jury.size();
  auto size_error = [&](const char *what, size_t found) {
    return stats_error(fn, std::string(what) + " for each of the " + std::to_string(n) + " items",
                       std::to_string(found));
  };
  if (data.expert.size() != n)
    return size_error("an expert score", data.expert.size());
  if (!data.weight.empty() && data.weight.size() != n)
    return size_error("a weight (or none at all)", data.weight.size());
  if (!data.cluster.empty() && data.cluster.size() != n)
    return size_error("a cluster (or none at all)", data.cluster.size());
  if (n == 0)
    return stats_error(fn, "at least one annotated item", "none");
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(data.jury[i]) || !std::isfinite(data.expert[i]))
      return stats_error(fn, "finite scores", "a non-finite score at item " + std::to_string(i));
    const double w = weight_of(data, i);
    if (!(w > 0) || !std::isfinite(w))
      return stats_error(fn, "a positive finite weight at item " + std::to_string(i),
                         std::to_string(w));
  }
  return ok_status();
}

double clamp_score(double x) { return std::clamp(x, 1.0, 5.0); }

// The items with the indices `keep`, as a data set of their own.
CalibrationData subset(const CalibrationData &data, const std::vector<size_t> &keep) {
  CalibrationData part;
  for (size_t i : keep) {
    part.jury.push_back(data.jury[i]);
    part.expert.push_back(data.expert[i]);
    if (!data.weight.empty())
      part.weight.push_back(data.weight[i]);
  }
  return part;
}

} // namespace

const char *to_string(CalibrationMethod method) {
  switch (method) {
  case CalibrationMethod::identity:
    return "identity";
  case CalibrationMethod::linear:
    return "linear";
  case CalibrationMethod::isotonic:
    return "isotonic";
  }
  return "?";
}

double CalibrationMap::apply(double jury_score) const {
  if (std::isnan(jury_score))
    return jury_score;
  switch (method) {
  case CalibrationMethod::identity:
    return clamp_score(jury_score);
  case CalibrationMethod::linear:
    return clamp_score(intercept + slope * jury_score);
  case CalibrationMethod::isotonic: {
    if (knot_jury.empty())
      return clamp_score(jury_score);
    if (jury_score <= knot_jury.front())
      return clamp_score(knot_expert.front());
    if (jury_score >= knot_jury.back())
      return clamp_score(knot_expert.back());
    const size_t hi = static_cast<size_t>(
        std::upper_bound(knot_jury.begin(), knot_jury.end(), jury_score) - knot_jury.begin());
    const size_t lo = hi - 1;
    const double t = (jury_score - knot_jury[lo]) / (knot_jury[hi] - knot_jury[lo]);
    return clamp_score(knot_expert[lo] + t * (knot_expert[hi] - knot_expert[lo]));
  }
  }
  return jury_score;
}

std::vector<CalibratedScore> apply_calibration(const CalibrationMap &map,
                                               const std::vector<double> &raw) {
  std::vector<CalibratedScore> out;
  out.reserve(raw.size());
  for (double x : raw)
    out.push_back(CalibratedScore{x, map.apply(x)});
  return out;
}

std::vector<double> pool_adjacent_violators(const std::vector<double> &y,
                                            const std::vector<double> &w) {
  struct Block {
    double value;
    double weight;
    size_t length;
  };
  std::vector<Block> blocks;
  blocks.reserve(y.size());
  for (size_t i = 0; i < y.size(); ++i) {
    blocks.push_back(Block{y[i], w[i], 1});
    // Pool backwards while the newest block undercuts its predecessor.
    while (blocks.size() > 1 && blocks[blocks.size() - 2].value > blocks.back().value) {
      const Block last = blocks.back();
      blocks.pop_back();
      Block &prev = blocks.back();
      const double weight = prev.weight + last.weight;
      prev.value = (prev.value * prev.weight + last.value * last.weight) / weight;
      prev.weight = weight;
      prev.length += last.length;
    }
  }
  std::vector<double> fitted;
  fitted.reserve(y.size());
  for (const Block &b : blocks)
    fitted.insert(fitted.end(), b.length, b.value);
  return fitted;
}

Result<CalibrationMap> fit_isotonic(const CalibrationData &data) {
  Status valid = check_data("fit_isotonic", data);
  if (!valid)
    return valid.errors();
  std::vector<size_t> order(data.jury.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return data.jury[a] < data.jury[b]; });
  // Pool tied jury scores into one point.
  std::vector<double> x, y, w;
  for (size_t i : order) {
    const double wi = weight_of(data, i);
    if (!x.empty() && x.back() == data.jury[i]) {
      const double total = w.back() + wi;
      y.back() = (y.back() * w.back() + data.expert[i] * wi) / total;
      w.back() = total;
    } else {
      x.push_back(data.jury[i]);
      y.push_back(data.expert[i]);
      w.push_back(wi);
    }
  }
  CalibrationMap map;
  map.method = CalibrationMethod::isotonic;
  map.knot_jury = std::move(x);
  map.knot_expert = pool_adjacent_violators(y, w);
  return map;
}

Result<CalibrationMap> fit_linear(const CalibrationData &data) {
  constexpr std::string_view fn = "fit_linear";
  Status valid = check_data(fn, data);
  if (!valid)
    return valid.errors();
  double total = 0, mean_x = 0, mean_y = 0;
  for (size_t i = 0; i < data.jury.size(); ++i) {
    const double wi = weight_of(data, i);
    total += wi;
    mean_x += wi * data.jury[i];
    mean_y += wi * data.expert[i];
  }
  mean_x /= total;
  mean_y /= total;
  double sxx = 0, sxy = 0;
  for (size_t i = 0; i < data.jury.size(); ++i) {
    const double wi = weight_of(data, i);
    const double dx = data.jury[i] - mean_x;
    sxx += wi * dx * dx;
    sxy += wi * dx * (data.expert[i] - mean_y);
  }
  // Checked on the values, not on sxx: rounding in the mean can leave sxx a tiny positive number
  // for constant scores, which would give an enormous slope.
  const bool varies =
      std::any_of(data.jury.begin(), data.jury.end(), [&](double x) { return x != data.jury[0]; });
  if (!varies || !(sxx > 0))
    return stats_error(fn, "at least two different jury scores",
                       "every jury score equal to " + std::to_string(data.jury[0]));
  CalibrationMap map;
  map.method = CalibrationMethod::linear;
  map.slope = sxy / sxx;
  map.intercept = mean_y - map.slope * mean_x;
  return map;
}

Result<CalibrationMap> fit_calibration(const CalibrationData &data, CalibrationMethod method) {
  switch (method) {
  case CalibrationMethod::identity:
    return CalibrationMap{};
  case CalibrationMethod::linear:
    return fit_linear(data);
  case CalibrationMethod::isotonic:
    return fit_isotonic(data);
  }
  return CalibrationMap{};
}

Result<CrossValidatedError> cross_validate(const CalibrationData &data, CalibrationMethod method,
                                           size_t folds, uint64_t seed) {
  constexpr std::string_view fn = "cross_validate";
  Status valid = check_data(fn, data);
  if (!valid)
    return valid.errors();
  const size_t n = data.jury.size();
  auto cluster_of = [&](size_t i) { return data.cluster.empty() ? uint64_t{i} : data.cluster[i]; };

  std::vector<uint64_t> clusters(n);
  for (size_t i = 0; i < n; ++i)
    clusters[i] = cluster_of(i);
  std::sort(clusters.begin(), clusters.end());
  clusters.erase(std::unique(clusters.begin(), clusters.end()), clusters.end());
  if (folds < 2 || folds > clusters.size())
    return stats_error(
        fn, "between 2 and " + std::to_string(clusters.size()) + " folds (the number of clusters)",
        std::to_string(folds));
  std::vector<size_t> position(clusters.size());
  std::iota(position.begin(), position.end(), size_t{0});
  Rng rng(seed);
  shuffle(position, rng);
  // fold_of_cluster[c] for the c-th smallest cluster id.
  std::vector<size_t> fold_of_cluster(clusters.size());
  for (size_t p = 0; p < position.size(); ++p)
    fold_of_cluster[position[p]] = p % folds;
  std::vector<size_t> fold(n);
  for (size_t i = 0; i < n; ++i) {
    const auto c =
        std::lower_bound(clusters.begin(), clusters.end(), cluster_of(i)) - clusters.begin();
    fold[i] = fold_of_cluster[static_cast<size_t>(c)];
  }

  CrossValidatedError result;
  result.method = method;
  result.folds = folds;
  result.items = n;
  result.prediction.assign(n, 0.0);
  std::vector<size_t> train, test;
  for (size_t f = 0; f < folds; ++f) {
    train.clear();
    test.clear();
    for (size_t i = 0; i < n; ++i)
      (fold[i] == f ? test : train).push_back(i);
    Result<CalibrationMap> map = fit_calibration(subset(data, train), method);
    if (!map) {
      Errors errors = attributed_to(fn, map.errors());
      for (Error &e : errors)
        e.pointer = "training set without fold " + std::to_string(f);
      return errors;
    }
    for (size_t i : test)
      result.prediction[i] = map->apply(data.jury[i]);
  }
  double total = 0, absolute = 0, squared = 0;
  for (size_t i = 0; i < n; ++i) {
    const double w = weight_of(data, i);
    const double e = result.prediction[i] - data.expert[i];
    total += w;
    absolute += w * std::fabs(e);
    squared += w * e * e;
  }
  result.mae = absolute / total;
  result.rmse = std::sqrt(squared / total);
  return result;
}

} // namespace imc::stats
