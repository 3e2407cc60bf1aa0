// The f32x4 elementwise loops of the wasm build (core/simd128_elementwise.h) against plain
// scalar code: the optimiser updates bit for bit (same IEEE operations in the same order), the
// polynomial log/sin/cos and Box-Muller within a few float roundings, the finiteness scan exactly.
// Natively these functions do not exist (Eigen vectorises there): the cases just say so.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "core/rng.h"
#include "core/simd128_elementwise.h"

#ifdef __wasm_simd128__

using namespace fwdlab;

namespace {

std::vector<float> random_values(Rng& rng, int n, float scale) {
  std::vector<float> v(n);
  for (float& x : v) x = scale * rng.normal();
  return v;
}

}  // namespace

TEST_CASE("simd128: the optimiser updates equal the scalar formulas bit for bit", "[simd128]") {
  Rng rng(71);
  for (int n : {1, 3, 4, 7, 64, 1027}) {
    for (float wd : {0.0f, 0.01f}) {
      INFO("n " << n << " weight decay " << wd);
      const auto w0 = random_values(rng, n, 1.0f), g0 = random_values(rng, n, 0.1f);
      const auto m0 = random_values(rng, n, 0.05f);
      std::vector<float> v0 = random_values(rng, n, 0.01f);
      for (float& x : v0) x = x * x;  // second moments are >= 0

      // Adam, step t = 3: bias corrections as optimizer_step computes them.
      const float lr = 1e-3f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
      const float bias1 = 1.0f - static_cast<float>(std::pow(0.9, 3.0)), bias2 = 1.0f - static_cast<float>(std::pow(0.999, 3.0));
      auto w = w0, g = g0, m = m0, v = v0;
      simd128::adam_update(n, lr, b1, b2, bias1, bias2, eps, wd, w.data(), g.data(), m.data(), v.data());
      for (int i = 0; i < n; ++i) {
        const float gi = wd > 0 ? g0[i] + wd * w0[i] : g0[i];
        const float mi = b1 * m0[i] + (1.0f - b1) * gi;
        const float vi = b2 * v0[i] + (1.0f - b2) * (gi * gi);
        const float wi = w0[i] - (lr / bias1) * mi / (std::sqrt(vi / bias2) + eps);
        REQUIRE(g[i] == gi);
        REQUIRE(m[i] == mi);
        REQUIRE(v[i] == vi);
        REQUIRE(w[i] == wi);
      }

      for (float momentum : {0.0f, 0.9f}) {
        auto ws = w0, gs = g0, ms = m0;
        simd128::sgd_update(n, 0.05f, momentum, wd, ws.data(), gs.data(), ms.data());
        for (int i = 0; i < n; ++i) {
          const float gi = wd > 0 ? g0[i] + wd * w0[i] : g0[i];
          const float mi = momentum > 0 ? momentum * m0[i] + gi : m0[i];
          const float wi = w0[i] - 0.05f * (momentum > 0 ? mi : gi);
          REQUIRE(gs[i] == gi);
          REQUIRE(ms[i] == mi);
          REQUIRE(ws[i] == wi);
        }
      }
    }
  }
}

TEST_CASE("simd128: log, cos and sin are within a few float roundings", "[simd128]") {
  const double eps = std::numeric_limits<float>::epsilon();
  double worst_log = 0, worst_trig = 0;
  // log over the uniforms Box-Muller feeds it (24-bit, (0, 1]) and beyond.
  for (double x = std::ldexp(1.0, -24); x <= 4.0; x *= 1.0007) {
    const float xf = static_cast<float>(x);
    const double exact = std::log(static_cast<double>(xf));
    worst_log = std::max(worst_log, std::abs(simd128::log_lane(xf) - exact) / (std::abs(exact) + 1.0));
  }
  for (int i = 0; i <= 200000; ++i) {
    const float t = static_cast<float>(-M_PI + 2 * M_PI * i / 200000.0);
    worst_trig = std::max(worst_trig, std::abs(simd128::cos_lane(t) - std::cos(static_cast<double>(t))));
    worst_trig = std::max(worst_trig, std::abs(simd128::sin_lane(t) - std::sin(static_cast<double>(t))));
  }
  INFO("log error " << worst_log / eps << " eps, trig error " << worst_trig / eps << " eps");
  CHECK(worst_log < 4 * eps);
  CHECK(worst_trig < 4 * eps);
}

TEST_CASE("simd128: Box-Muller pairs follow r (cos t, sin t)", "[simd128]") {
  Rng rng(72);
  for (int n : {1, 2, 5, 256}) {
    std::vector<float> u1(n), u2(n), a(n), b(n);
    for (int k = 0; k < n; ++k) {
      u1[k] = static_cast<float>((rng.next_u64() >> 40) + 1) / 16777216.0f;
      u2[k] = static_cast<float>(rng.next_u64() >> 40) / 16777216.0f;
    }
    simd128::box_muller(n, u1.data(), u2.data(), a.data(), b.data());
    for (int k = 0; k < n; ++k) {
      const double r = std::sqrt(-2.0 * std::log(static_cast<double>(u1[k])));
      const double t = static_cast<double>(6.2831853f * u2[k] - 3.14159265f);
      INFO("n " << n << " k " << k << " u1 " << u1[k] << " u2 " << u2[k]);
      REQUIRE(std::abs(a[k] - r * std::cos(t)) <= 1e-6 * (1 + r));
      REQUIRE(std::abs(b[k] - r * std::sin(t)) <= 1e-6 * (1 + r));
    }
  }
}

TEST_CASE("simd128: the finiteness scan finds an infinity or a NaN anywhere", "[simd128]") {
  for (int n : {1, 4, 9, 1000}) {
    std::vector<float> x(n, 1e30f);
    CHECK(simd128::all_finite(n, x.data()));
    for (int at : {0, n / 2, n - 1}) {
      for (float bad : {std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                        std::numeric_limits<float>::quiet_NaN()}) {
        auto y = x;
        y[at] = bad;
        INFO("n " << n << " at " << at << " value " << bad);
        CHECK_FALSE(simd128::all_finite(n, y.data()));
      }
    }
  }
}

#else

TEST_CASE("simd128: elementwise loops exist only in wasm SIMD builds", "[simd128]") {
  SUCCEED("native builds use Eigen's vectorised expressions");
}

#endif
