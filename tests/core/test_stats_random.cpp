// imc/stats/random.h: the seeded generator every statistic draws from.
#include "imc/stats/random.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

namespace imc::stats {
namespace {

TEST(StatsRandom, SplitMix64MatchesTheReferenceOutputsForSeedZero) {
  // First outputs of Vigna's splitmix64.c (and Java's SplittableRandom) from state 0.
  SplitMix64 g(0);
  EXPECT_EQ(g.next(), 0xE220A8397B1DCDAFull);
  EXPECT_EQ(g.next(), 0x6E789E6AA1B965F4ull);
  EXPECT_EQ(g.next(), 0x06C45D188009454Full);
}

TEST(StatsRandom, Xoshiro256StarStarMatchesTheReferenceOutputs) {
  // Outputs of the reference xoshiro256starstar.c from the state {1, 2, 3, 4}, as used by
  // independent ports (e.g. Rust's rand_xoshiro tests). The first is rotl(2·5, 7)·9 = 11520.
  Rng g = Rng::from_state({1, 2, 3, 4});
  const uint64_t expected[] = {11520u,
                               0u,
                               1509978240u,
                               1215971899390074240u,
                               1216172134540287360u,
                               607988272756665600u,
                               16172922978634559625u,
                               8476171486693032832u,
                               10595114339597558777u,
                               2904607092377533576u};
  for (uint64_t e : expected)
    EXPECT_EQ(g.next(), e);
}

TEST(StatsRandom, SeedingExpandsTheSeedWithSplitMix64) {
  SplitMix64 expand(42);
  const std::array<uint64_t, 4> state = {expand.next(), expand.next(), expand.next(),
                                         expand.next()};
  Rng seeded(42), explicit_state = Rng::from_state(state);
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(seeded.next(), explicit_state.next());
}

TEST(StatsRandom, BelowStaysInRangeAndIsUniform) {
  Rng g(7);
  constexpr uint32_t kBound = 7;
  constexpr int kDraws = 70000;
  std::array<int, kBound> count{};
  for (int i = 0; i < kDraws; ++i) {
    const uint32_t v = g.below(kBound);
    ASSERT_LT(v, kBound);
    ++count[v];
  }
  // Chi-square with 6 degrees of freedom: P(χ² > 22.46) = 0.001.
  double chi2 = 0;
  for (int c : count) {
    const double expected = double(kDraws) / kBound;
    chi2 += (c - expected) * (c - expected) / expected;
  }
  EXPECT_LT(chi2, 22.46);
  EXPECT_EQ(g.below(1), 0u);
}

TEST(StatsRandom, BelowHandlesBoundsNearTwoToThe32) {
  Rng g(3);
  const uint32_t bound = 0xFFFFFFFFu; // threshold (2^32 mod bound) = 1: rejection path exercised
  for (int i = 0; i < 1000; ++i)
    EXPECT_LT(g.below(bound), bound);
}

TEST(StatsRandom, Uniform01IsInTheUnitInterval) {
  Rng g(11);
  double sum = 0;
  for (int i = 0; i < 10000; ++i) {
    const double u = g.uniform01();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  EXPECT_NEAR(sum / 10000, 0.5, 0.01);
}

TEST(StatsRandom, ShuffleIsADeterministicPermutation) {
  std::vector<int> a(50), b(50);
  std::iota(a.begin(), a.end(), 0);
  std::iota(b.begin(), b.end(), 0);
  Rng ga(5), gb(5);
  shuffle(a, ga);
  shuffle(b, gb);
  EXPECT_EQ(a, b);
  std::vector<int> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int> identity(50);
  std::iota(identity.begin(), identity.end(), 0);
  EXPECT_EQ(sorted, identity);
  EXPECT_NE(a, identity);
}

} // namespace
} // namespace imc::stats
