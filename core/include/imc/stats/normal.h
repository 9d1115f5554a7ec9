#pragma once
// The standard normal distribution, for the BCa bootstrap interval.
//
// normal_cdf uses std::erfc and normal_quantile std::exp, which the C++ standard does not require
// to be correctly rounded: results may differ in the last bits between C libraries (glibc natively,
// musl under Emscripten). The percentile bootstrap does not use them.

namespace imc::stats {

// Φ(x) = P(Z <= x) for Z ~ N(0, 1); accurate in both tails (no 1 − Φ cancellation for x < 0).
double normal_cdf(double x);

// Φ⁻¹(p) for p in (0, 1), to about 1e-15 relative accuracy: Halley iterations on normal_cdf from
// a rough start, using the symmetry Φ⁻¹(p) = −Φ⁻¹(1 − p) so only the lower tail is ever solved.
// Returns −inf for p == 0, +inf for p == 1, NaN outside [0, 1] or for NaN.
double normal_quantile(double p);

} // namespace imc::stats
