#pragma once
// Seeded pseudo-random numbers that are bit-identical on every platform, native and wasm.
//
// Why not <random>: the engines are portable but the distributions are not (libstdc++, libc++ and
// MSVC turn the same std::mt19937 stream into different std::uniform_int_distribution values), and
// a report must come out the same in the browser as on the command line. Everything here is
// integer arithmetic on uint64_t, written from the published algorithm descriptions.
#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace imc::stats {

// SplitMix64 (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number generators"; the
// constants of Vigna's splitmix64.c): a Weyl sequence passed through a 64-bit finaliser. Used here
// only to expand one 64-bit seed into the 256-bit state of Rng, as xoshiro's authors recommend.
class SplitMix64 {
public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}

  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

private:
  uint64_t state_;
};

// xoshiro256** 1.0 (Blackman & Vigna 2021, "Scrambled linear pseudorandom number generators",
// ACM TOMS 47(4)): 256 bits of state, period 2^256 − 1, passes BigCrush; about 1 ns a number.
class Rng {
public:
  // State = four consecutive SplitMix64(seed) outputs (never all zero).
  explicit Rng(uint64_t seed) {
    SplitMix64 expand(seed);
    for (uint64_t &word : s_)
      word = expand.next();
  }

  // A generator started from an explicit state, for checking against the reference outputs.
  // The state must not be all zero (the generator would then output zeros forever).
  static Rng from_state(const std::array<uint64_t, 4> &state) {
    Rng rng(0);
    rng.s_ = state;
    return rng;
  }

  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform integer in [0, bound), every value exactly equally likely; bound must be >= 1.
  // Lemire's multiply-shift with rejection (Lemire 2019, "Fast random integer generation in an
  // interval", ACM TOMOCS 29(1)) on the top 32 bits of next(): no division on the common path.
  uint32_t below(uint32_t bound) {
    uint64_t product = (next() >> 32) * uint64_t{bound};
    auto low = static_cast<uint32_t>(product);
    if (low < bound) {
      const uint32_t threshold = static_cast<uint32_t>(0u - bound) % bound; // 2^32 mod bound
      while (low < threshold) {
        product = (next() >> 32) * uint64_t{bound};
        low = static_cast<uint32_t>(product);
      }
    }
    return static_cast<uint32_t>(product >> 32);
  }

  // Uniform double in [0, 1) from the top 53 bits (every value a multiple of 2^-53).
  double uniform01() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<uint64_t, 4> s_{};
};

// Fisher–Yates shuffle (Durstenfeld's in-place form) driven by `rng`; at most 2^32 − 1 items.
template <class T> void shuffle(std::vector<T> &items, Rng &rng) {
  for (size_t i = items.size(); i > 1; --i) {
    const size_t j = rng.below(static_cast<uint32_t>(i));
    using std::swap;
    swap(items[i - 1], items[j]);
  }
}

} // namespace imc::stats
