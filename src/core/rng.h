// A small, fast, seeded random number generator.
//
// xoshiro256** (Blackman & Vigna) seeded through splitmix64. Its output depends only on the seed,
// not on the standard library, so the same seed gives a bit-identical run on the same build,
// native or wasm. Normal samples use the Box-Muller transform.
#pragma once

#include <cstdint>
#include <vector>

#include "core/state_stream.h"
#include "core/tensor.h"

namespace fwdlab {

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 1);

  std::uint64_t next_u64();
  // Uniform in [0, 1) with 24 random bits (exactly representable as float).
  float uniform();
  // Uniform integer in [0, n), n > 0, without modulo bias.
  std::uint32_t below(std::uint32_t n);
  // Standard normal N(0, 1).
  float normal();

  void fill_normal(Matrix& m, float stddev = 1.0f);
  void fill_uniform(Matrix& m, float low, float high);
  // Fisher-Yates shuffle.
  void shuffle(std::vector<int>& values);

  // A new generator whose stream is independent of this one (for per-worker streams).
  Rng split();

  // The full generator state (including a cached Box-Muller sample), for checkpoints.
  void write_state(StateWriter& out) const;
  void read_state(StateReader& in);

 private:
  std::uint64_t s_[4];
  bool has_spare_ = false;
  float spare_ = 0.0f;
};

}  // namespace fwdlab
