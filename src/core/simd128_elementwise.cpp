// f32x4 elementwise loops for the wasm build; see simd128_elementwise.h for why.
#ifdef __wasm_simd128__

#include "core/simd128_elementwise.h"

#include <wasm_simd128.h>

#include <cmath>

namespace fwdlab::simd128 {

namespace {

inline v128_t splat(float x) { return wasm_f32x4_splat(x); }

// ln x for positive normal floats. x = m 2^e with m in [sqrt(1/2), sqrt(2)); then with
// s = (m - 1) / (m + 1), ln m = 2 atanh s = 2 (s + s^3/3 + s^5/5 + s^7/7 + s^9/9 + ...), |s| <= 0.172:
// the first omitted term, 2 s^11 / 11, is below 1e-9. e ln 2 is added in two parts (ln 2 = hi + lo,
// hi with few mantissa bits so that e hi is exact).
v128_t log4(v128_t x) {
  const v128_t bits = x;
  v128_t e = wasm_i32x4_sub(wasm_i32x4_shr(bits, 23), wasm_i32x4_splat(127));
  v128_t m = wasm_v128_or(wasm_v128_and(bits, wasm_i32x4_splat(0x007FFFFF)), wasm_i32x4_splat(0x3F800000));  // [1, 2)
  const v128_t big = wasm_f32x4_gt(m, splat(1.41421356f));
  m = wasm_v128_bitselect(wasm_f32x4_mul(m, splat(0.5f)), m, big);
  e = wasm_i32x4_sub(e, big);  // big lanes are -1: e + 1
  const v128_t s = wasm_f32x4_div(wasm_f32x4_sub(m, splat(1.0f)), wasm_f32x4_add(m, splat(1.0f)));
  const v128_t z = wasm_f32x4_mul(s, s);
  v128_t p = splat(1.0f / 9.0f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), splat(1.0f / 7.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), splat(1.0f / 5.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), splat(1.0f / 3.0f));
  const v128_t log_m = wasm_f32x4_add(wasm_f32x4_add(s, s), wasm_f32x4_mul(wasm_f32x4_add(s, s), wasm_f32x4_mul(z, p)));
  const v128_t ef = wasm_f32x4_convert_i32x4(e);
  const float ln2_hi = 0.693145751953125f, ln2_lo = 1.42860682030941723212e-6f;
  return wasm_f32x4_add(wasm_f32x4_mul(ef, splat(ln2_hi)), wasm_f32x4_add(wasm_f32x4_mul(ef, splat(ln2_lo)), log_m));
}

// cos t and sin t for |t| <= pi (a few ulp). t = q pi/2 + r with q = round(2t / pi) in -2..2 and
// |r| <= pi/4 (pi/2 in two parts; q hi is exact for small q); then Taylor series of sin r to r^9
// and cos r to r^10 (next terms below 3e-9), rotated by the quadrant q:
//   q mod 4 = 0: (cos r, sin r); 1: (-sin r, cos r); 2: (-cos r, -sin r); 3: (sin r, -cos r).
void sincos4(v128_t t, v128_t& c, v128_t& s) {
  const v128_t q = wasm_f32x4_nearest(wasm_f32x4_mul(t, splat(0.636619772f)));
  const v128_t qi = wasm_i32x4_trunc_sat_f32x4(q);
  const float pio2_hi = 1.57079637050628662109375f, pio2_lo = -4.37113900018624283e-8f;
  const v128_t r = wasm_f32x4_sub(wasm_f32x4_sub(t, wasm_f32x4_mul(q, splat(pio2_hi))), wasm_f32x4_mul(q, splat(pio2_lo)));
  const v128_t z = wasm_f32x4_mul(r, r);
  v128_t ps = splat(1.0f / 362880.0f);
  ps = wasm_f32x4_add(wasm_f32x4_mul(ps, z), splat(-1.0f / 5040.0f));
  ps = wasm_f32x4_add(wasm_f32x4_mul(ps, z), splat(1.0f / 120.0f));
  ps = wasm_f32x4_add(wasm_f32x4_mul(ps, z), splat(-1.0f / 6.0f));
  const v128_t sin_r = wasm_f32x4_add(r, wasm_f32x4_mul(wasm_f32x4_mul(r, z), ps));
  v128_t pc = splat(-1.0f / 3628800.0f);
  pc = wasm_f32x4_add(wasm_f32x4_mul(pc, z), splat(1.0f / 40320.0f));
  pc = wasm_f32x4_add(wasm_f32x4_mul(pc, z), splat(-1.0f / 720.0f));
  pc = wasm_f32x4_add(wasm_f32x4_mul(pc, z), splat(1.0f / 24.0f));
  const v128_t cos_r =
      wasm_f32x4_add(wasm_f32x4_sub(splat(1.0f), wasm_f32x4_mul(z, splat(0.5f))), wasm_f32x4_mul(wasm_f32x4_mul(z, z), pc));
  // Odd quadrants swap the two; the sign bit comes from bit 1 of q (sin) and of q + 1 (cos).
  const v128_t odd = wasm_i32x4_eq(wasm_v128_and(qi, wasm_i32x4_splat(1)), wasm_i32x4_splat(1));
  const v128_t sin_sign = wasm_i32x4_shl(wasm_v128_and(qi, wasm_i32x4_splat(2)), 30);
  const v128_t cos_sign = wasm_i32x4_shl(wasm_v128_and(wasm_i32x4_add(qi, wasm_i32x4_splat(1)), wasm_i32x4_splat(2)), 30);
  s = wasm_v128_xor(wasm_v128_bitselect(cos_r, sin_r, odd), sin_sign);
  c = wasm_v128_xor(wasm_v128_bitselect(sin_r, cos_r, odd), cos_sign);
}

// Box-Muller on four pairs.
void box_muller4(v128_t u1, v128_t u2, v128_t& a, v128_t& b) {
  const v128_t r = wasm_f32x4_sqrt(wasm_f32x4_mul(splat(-2.0f), log4(u1)));
  const v128_t t = wasm_f32x4_sub(wasm_f32x4_mul(splat(6.2831853f), u2), splat(3.14159265f));
  v128_t c, s;
  sincos4(t, c, s);
  a = wasm_f32x4_mul(r, c);
  b = wasm_f32x4_mul(r, s);
}

}  // namespace

void sgd_update(int n, float lr, float momentum, float weight_decay, float* w, float* grad, float* m) {
  const v128_t vlr = splat(lr), vmom = splat(momentum), vwd = splat(weight_decay);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t wi = wasm_v128_load(w + i), g = wasm_v128_load(grad + i);
    if (weight_decay > 0) {
      g = wasm_f32x4_add(g, wasm_f32x4_mul(vwd, wi));
      wasm_v128_store(grad + i, g);
    }
    if (momentum > 0) {
      const v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(vmom, wasm_v128_load(m + i)), g);
      wasm_v128_store(m + i, mi);
      wi = wasm_f32x4_sub(wi, wasm_f32x4_mul(vlr, mi));
    } else {
      wi = wasm_f32x4_sub(wi, wasm_f32x4_mul(vlr, g));
    }
    wasm_v128_store(w + i, wi);
  }
  for (; i < n; ++i) {
    if (weight_decay > 0) grad[i] += weight_decay * w[i];
    if (momentum > 0) {
      m[i] = momentum * m[i] + grad[i];
      w[i] -= lr * m[i];
    } else {
      w[i] -= lr * grad[i];
    }
  }
}

void adam_update(int n, float lr, float beta1, float beta2, float bias1, float bias2, float eps, float weight_decay,
                 float* w, float* grad, float* m, float* v) {
  const float step = lr / bias1;
  const v128_t vb1 = splat(beta1), vc1 = splat(1.0f - beta1), vb2 = splat(beta2), vc2 = splat(1.0f - beta2);
  const v128_t vstep = splat(step), vbias2 = splat(bias2), veps = splat(eps), vwd = splat(weight_decay);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t wi = wasm_v128_load(w + i), g = wasm_v128_load(grad + i);
    if (weight_decay > 0) {
      g = wasm_f32x4_add(g, wasm_f32x4_mul(vwd, wi));
      wasm_v128_store(grad + i, g);
    }
    const v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(vb1, wasm_v128_load(m + i)), wasm_f32x4_mul(vc1, g));
    const v128_t vi = wasm_f32x4_add(wasm_f32x4_mul(vb2, wasm_v128_load(v + i)), wasm_f32x4_mul(vc2, wasm_f32x4_mul(g, g)));
    wasm_v128_store(m + i, mi);
    wasm_v128_store(v + i, vi);
    const v128_t denom = wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_div(vi, vbias2)), veps);
    wasm_v128_store(w + i, wasm_f32x4_sub(wi, wasm_f32x4_div(wasm_f32x4_mul(vstep, mi), denom)));
  }
  for (; i < n; ++i) {
    if (weight_decay > 0) grad[i] += weight_decay * w[i];
    const float g = grad[i];
    m[i] = beta1 * m[i] + (1.0f - beta1) * g;
    v[i] = beta2 * v[i] + (1.0f - beta2) * (g * g);
    w[i] -= step * m[i] / (std::sqrt(v[i] / bias2) + eps);
  }
}

void box_muller(int n, const float* u1, const float* u2, float* a, float* b) {
  int k = 0;
  for (; k + 4 <= n; k += 4) {
    v128_t x, y;
    box_muller4(wasm_v128_load(u1 + k), wasm_v128_load(u2 + k), x, y);
    wasm_v128_store(a + k, x);
    wasm_v128_store(b + k, y);
  }
  if (k < n) {  // the last 1-3 pairs, padded with u1 = 1, u2 = 0.5 (r = 0)
    alignas(16) float p1[4] = {1.0f, 1.0f, 1.0f, 1.0f}, p2[4] = {0.5f, 0.5f, 0.5f, 0.5f}, pa[4], pb[4];
    for (int j = 0; k + j < n; ++j) {
      p1[j] = u1[k + j];
      p2[j] = u2[k + j];
    }
    v128_t x, y;
    box_muller4(wasm_v128_load(p1), wasm_v128_load(p2), x, y);
    wasm_v128_store(pa, x);
    wasm_v128_store(pb, y);
    for (int j = 0; k + j < n; ++j) {
      a[k + j] = pa[j];
      b[k + j] = pb[j];
    }
  }
}

bool all_finite(int n, const float* x) {
  // x * 0 is 0 for finite x and NaN for an infinity or a NaN; NaN survives every later add.
  v128_t acc = splat(0.0f);
  const v128_t zero = splat(0.0f);
  int i = 0;
  for (; i + 4 <= n; i += 4) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(x + i), zero));
  float sum = (wasm_f32x4_extract_lane(acc, 0) + wasm_f32x4_extract_lane(acc, 1)) +
              (wasm_f32x4_extract_lane(acc, 2) + wasm_f32x4_extract_lane(acc, 3));
  for (; i < n; ++i) sum += x[i] * 0.0f;
  return sum == 0.0f;
}

float log_lane(float x) { return wasm_f32x4_extract_lane(log4(splat(x)), 0); }
float cos_lane(float t) {
  v128_t c, s;
  sincos4(splat(t), c, s);
  return wasm_f32x4_extract_lane(c, 0);
}
float sin_lane(float t) {
  v128_t c, s;
  sincos4(splat(t), c, s);
  return wasm_f32x4_extract_lane(s, 0);
}

}  // namespace fwdlab::simd128

#endif  // __wasm_simd128__
