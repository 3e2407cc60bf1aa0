#include "core/rng.h"

#include <algorithm>
#include <cmath>

namespace fwdlab {
namespace {

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

inline std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

Rng::Rng(std::uint64_t seed) {
  std::uint64_t state = seed;
  for (auto& s : s_) s = splitmix64(state);
}

std::uint64_t Rng::next_u64() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

float Rng::uniform() { return static_cast<float>(next_u64() >> 40) * (1.0f / 16777216.0f); }

std::uint32_t Rng::below(std::uint32_t n) {
  // Lemire's multiply-shift with rejection of the biased low range.
  std::uint64_t m = (next_u64() >> 32) * n;
  std::uint32_t low = static_cast<std::uint32_t>(m);
  if (low < n) {
    const std::uint32_t threshold = static_cast<std::uint32_t>(-n) % n;
    while (low < threshold) {
      m = (next_u64() >> 32) * n;
      low = static_cast<std::uint32_t>(m);
    }
  }
  return static_cast<std::uint32_t>(m >> 32);
}

float Rng::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  // Box-Muller: u1 in (0, 1] so log(u1) is finite.
  const double u1 = (static_cast<double>(next_u64() >> 11) + 1.0) * (1.0 / 9007199254740992.0);
  const double u2 = static_cast<double>(next_u64() >> 11) * (1.0 / 9007199254740992.0);
  const double radius = std::sqrt(-2.0 * std::log(u1));
  const double angle = 6.283185307179586 * u2;
  spare_ = static_cast<float>(radius * std::sin(angle));
  has_spare_ = true;
  return static_cast<float>(radius * std::cos(angle));
}

void Rng::fill_normal(Matrix& m, float stddev) {
  float* p = m.data();
  for (Eigen::Index i = 0, n = m.size(); i < n; ++i) p[i] = stddev * normal();
}

void Rng::fill_uniform(Matrix& m, float low, float high) {
  float* p = m.data();
  for (Eigen::Index i = 0, n = m.size(); i < n; ++i) p[i] = low + (high - low) * uniform();
}

void Rng::shuffle(std::vector<int>& values) {
  for (std::size_t i = values.size(); i > 1; --i) {
    const std::uint32_t j = below(static_cast<std::uint32_t>(i));
    std::swap(values[i - 1], values[j]);
  }
}

Rng Rng::split() { return Rng(next_u64() ^ 0xD1B54A32D192ED03ull); }

void Rng::write_state(StateWriter& out) const {
  for (std::uint64_t s : s_) out.u64(s);
  out.u64(has_spare_ ? 1 : 0);
  out.floats(&spare_, 1);
}

void Rng::read_state(StateReader& in) {
  std::uint64_t s[4];
  for (auto& v : s) v = in.u64("random stream");
  if ((s[0] | s[1] | s[2] | s[3]) == 0) in.fail("random stream state is all zero (xoshiro cannot leave it)");
  const std::uint64_t spare_flag = in.u64("random stream");
  if (spare_flag > 1) in.fail("random stream flag is not 0 or 1");
  float spare;
  in.floats("random stream", &spare, 1);
  std::copy(s, s + 4, s_);
  has_spare_ = spare_flag == 1;
  spare_ = spare;
}

}  // namespace fwdlab
