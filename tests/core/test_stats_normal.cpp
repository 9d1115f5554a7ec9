// imc/stats/normal.h: Φ and Φ⁻¹ for the BCa interval.
#include "imc/stats/normal.h"

#include <gtest/gtest.h>

#include <cmath>

namespace imc::stats {
namespace {

TEST(StatsNormal, CdfMatchesTabulatedValues) {
  EXPECT_DOUBLE_EQ(normal_cdf(0), 0.5);
  EXPECT_NEAR(normal_cdf(1.959963984540054), 0.975, 1e-15);
  EXPECT_NEAR(normal_cdf(-1), 0.15865525393145705, 1e-16);
  EXPECT_NEAR(normal_cdf(-8), 6.22096057427178e-16, 1e-28); // no cancellation in the lower tail
}

TEST(StatsNormal, QuantileMatchesTabulatedValues) {
  EXPECT_NEAR(normal_quantile(0.975), 1.959963984540054, 1e-13);
  EXPECT_NEAR(normal_quantile(0.025), -1.959963984540054, 1e-13);
  EXPECT_NEAR(normal_quantile(0.5), 0.0, 1e-15);
  EXPECT_NEAR(normal_quantile(0.8413447460685429), 1.0, 1e-12);
  EXPECT_NEAR(normal_quantile(1e-10), -6.361340902404056, 1e-11);
}

TEST(StatsNormal, QuantileInvertsCdf) {
  for (double p : {1e-12, 1e-6, 0.001, 0.1, 0.3, 0.5, 0.7, 0.9, 0.999, 1 - 1e-9})
    EXPECT_NEAR(normal_cdf(normal_quantile(p)), p, 1e-14 + 1e-12 * p) << p;
}

TEST(StatsNormal, QuantileEdges) {
  EXPECT_EQ(normal_quantile(0), -INFINITY);
  EXPECT_EQ(normal_quantile(1), INFINITY);
  EXPECT_TRUE(std::isnan(normal_quantile(-0.1)));
  EXPECT_TRUE(std::isnan(normal_quantile(NAN)));
}

} // namespace
} // namespace imc::stats
