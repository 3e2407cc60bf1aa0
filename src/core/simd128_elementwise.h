// Elementwise loops that Eigen leaves scalar in WebAssembly, written with f32x4 (wasm SIMD).
//
// Why: Eigen 3.4 has no wasm packet math, so in the browser its coefficient-wise expressions run
// one float at a time, and its log/sin/cos become calls into the C library. Natively Eigen
// vectorises all of them; there these functions are not used (they are only defined in wasm
// builds with SIMD), so native results stay bit-for-bit what they were.
//   - the optimiser updates: the same operations in the same order as optimizer.cpp's Eigen
//     expressions (IEEE add, mul, div and sqrt), so the wasm results are unchanged too;
//   - Box-Muller's sqrt(-2 log u) (cos t, sin t) with f32x4 polynomial log/sin/cos, within a few
//     float roundings of the C library's (forward gradient draws one sample per weight per step);
//   - the finiteness scan of the weights.
#pragma once

#ifdef __wasm_simd128__

namespace fwdlab::simd128 {

// w = w - lr * g (momentum == 0) or m = momentum m + g; w = w - lr m. g = grad (+ weight_decay w,
// written back to grad, as optimizer_step does).
void sgd_update(int n, float lr, float momentum, float weight_decay, float* w, float* grad, float* m);

// m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; w = w - (lr / bias1) m / (sqrt(v / bias2) + eps).
void adam_update(int n, float lr, float beta1, float beta2, float bias1, float bias2, float eps, float weight_decay,
                 float* w, float* grad, float* m, float* v);

// For k < n: r = sqrt(-2 ln u1[k]), t = 2 pi u2[k] - pi (as 6.2831853 u2 - 3.14159265 in float);
// a[k] = r cos t, b[k] = r sin t. u1 in (0, 1], u2 in [0, 1).
void box_muller(int n, const float* u1, const float* u2, float* a, float* b);

// True when no x[i] is infinite or NaN.
bool all_finite(int n, const float* x);

// The f32x4 functions behind box_muller, one lane at a time (for the tests): natural log of a
// positive normal float, and cos and sin of t in [-pi, pi].
float log_lane(float x);
float cos_lane(float t);
float sin_lane(float t);

}  // namespace fwdlab::simd128

#endif  // __wasm_simd128__
