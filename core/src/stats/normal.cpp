#include "imc/stats/normal.h"

#include <cmath>
#include <limits>

namespace imc::stats {

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

namespace {

// Lower tail only (p <= 0.5), where Φ(x) − p has no cancellation.
double lower_tail_quantile(double p) {
  // Start: the rational approximation of Abramowitz & Stegun 26.2.23 (error below 4.5e-4), so a
  // few Halley steps reach full precision.
  const double t = std::sqrt(-2.0 * std::log(p));
  double x = -(t - (2.515517 + 0.802853 * t + 0.010328 * t * t) /
                       (1.0 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t));
  const double inv_sqrt_2pi = 0.39894228040143267794;
  for (int iteration = 0; iteration < 50; ++iteration) {
    const double density = inv_sqrt_2pi * std::exp(-0.5 * x * x);
    if (density == 0)
      break;
    const double e = (normal_cdf(x) - p) / density;
    const double step = e / (1.0 + 0.5 * x * e); // Halley's correction for Φ'' = −x φ
    x -= step;
    if (std::fabs(step) <= 1e-16 * std::fmax(1.0, std::fabs(x)))
      break;
  }
  return x;
}

} // namespace

double normal_quantile(double p) {
  if (std::isnan(p) || p < 0 || p > 1)
    return std::numeric_limits<double>::quiet_NaN();
  if (p == 0)
    return -std::numeric_limits<double>::infinity();
  if (p == 1)
    return std::numeric_limits<double>::infinity();
  if (p > 0.5)
    return -lower_tail_quantile(1.0 - p);
  return lower_tail_quantile(p);
}

} // namespace imc::stats
