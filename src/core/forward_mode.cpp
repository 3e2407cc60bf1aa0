#include "core/forward_mode.h"

#include <algorithm>
#include <cmath>

#include "core/gemm.h"
#include "core/simd128_elementwise.h"
namespace fwdlab {

void dense_tangent(const Dense& layer, const Matrix& x, const Matrix* x_dot, const DenseTangent* param_dot,
                   Matrix& z_dot) {
  // z_dot = x V + x_dot W + b_v
  if (param_dot) {
    gemm(Transpose::No, Transpose::No, 1.0f, x, param_dot->weight, 0.0f, z_dot);  // x V
    if (x_dot) gemm(Transpose::No, Transpose::No, 1.0f, *x_dot, layer.weight.value, 1.0f, z_dot);  // + x_dot W
    z_dot.rowwise() += param_dot->bias.row(0);
  } else if (x_dot) {
    gemm(Transpose::No, Transpose::No, 1.0f, *x_dot, layer.weight.value, 0.0f, z_dot);
  } else {
    z_dot.setZero(x.rows(), layer.out());
  }
}

void dense_jvp(const Dense& layer, const Matrix& x, const Matrix* x_dot, const DenseTangent* param_dot,
               Matrix& z, Matrix& z_dot) {
  layer.forward(x, z);
  dense_tangent(layer, x, x_dot, param_dot, z_dot);
}

void relu_tangent(const Matrix& z, const Matrix& z_dot, Matrix& h_dot) {
  // h_dot = z_dot * [z > 0]
  h_dot = (z.array() > 0.0f).select(z_dot, 0.0f);
}

void relu_jvp(const Matrix& z, const Matrix& z_dot, Matrix& h, Matrix& h_dot) {
  relu_forward(z, h);
  relu_tangent(z, z_dot, h_dot);
}

void normalize_rows_jvp(const Matrix& x, NormKind kind, const Matrix& x_dot, Matrix& y, Matrix& y_dot) {
  normalize_rows(x, kind, y);
  const float s = kind == NormKind::Rms ? std::sqrt(static_cast<float>(x.cols())) : 1.0f;
  y_dot.resize(x.rows(), x.cols());
  for (Eigen::Index r = 0; r < x.rows(); ++r) {
    // y_dot = s/n (x_dot - x (x . x_dot) / (||x|| n)),  n = ||x|| + eps
    const float len = x.row(r).norm();
    const float n = len + kNormEps;
    const float projection = len > 0 ? x.row(r).dot(x_dot.row(r)) / (len * n) : 0.0f;
    y_dot.row(r) = (s / n) * (x_dot.row(r) - projection * x.row(r));
  }
}

void softmax_cross_entropy_tangent_rows(const Matrix& probs, const std::vector<int>& labels,
                                        const Matrix& logits_dot, ColumnVector& d) {
  // d_i = (p_i - onehot(y_i)) . z_dot_i / B
  const float inv_batch = 1.0f / static_cast<float>(probs.rows());
  d = (probs.array() * logits_dot.array()).rowwise().sum().matrix();
  for (Eigen::Index r = 0; r < probs.rows(); ++r) d(r) = (d(r) - logits_dot(r, labels[r])) * inv_batch;
}

double softmax_cross_entropy_jvp(const Matrix& logits, const Matrix& logits_dot, const std::vector<int>& labels,
                                 Matrix& probs, double* loss_dot) {
  const double loss = softmax_cross_entropy(logits, labels, probs);
  ColumnVector d;
  softmax_cross_entropy_tangent_rows(probs, labels, logits_dot, d);
  *loss_dot = d.cast<double>().sum();
  return loss;
}

void fill_standard_normal(Rng& rng, Matrix& m) {
  // Box-Muller on 24-bit uniforms: one 64-bit draw gives u1 in (0, 1] and u2 in [0, 1), and
  // the pair (r cos t, r sin t) with r = sqrt(-2 log u1), t = 2 pi u2 - pi. Chunks keep the
  // scratch on the stack and let Eigen vectorise log, sin and cos.
  constexpr int kChunk = 256;
  constexpr float kScale = 1.0f / 16777216.0f;
  Eigen::Array<float, kChunk, 1> u1, u2, r;
  float* out = m.data();
  const Eigen::Index n = m.size();
  for (Eigen::Index start = 0; start < n; start += 2 * kChunk) {
    const Eigen::Index count = std::min<Eigen::Index>(2 * kChunk, n - start);
    const int pairs = static_cast<int>((count + 1) / 2);
    for (int k = 0; k < pairs; ++k) {
      const std::uint64_t bits = rng.next_u64();
      u1[k] = static_cast<float>((bits >> 40) + 1) * kScale;
      u2[k] = static_cast<float>((bits >> 8) & 0xFFFFFF) * kScale;
    }
#ifdef __wasm_simd128__
    // Eigen's log, sin and cos are scalar library calls in wasm (half of a forward-gradient step).
    simd128::box_muller(pairs, u1.data(), u2.data(), u1.data(), r.data());
#else
    r = (-2.0f * u1.log()).sqrt();
    u2 = 6.2831853f * u2 - 3.14159265f;
    u1 = r * u2.cos();
    r = r * u2.sin();
#endif
    for (int k = 0; k < pairs; ++k) {
      out[start + 2 * k] = u1[k];
      if (2 * k + 1 < count) out[start + 2 * k + 1] = r[k];
    }
  }
}

void CosineAccumulator::add(const Matrix& a, const Matrix& b) {
  dot += static_cast<double>((a.array() * b.array()).sum());
  aa += static_cast<double>(a.squaredNorm());
  bb += static_cast<double>(b.squaredNorm());
}

double CosineAccumulator::value() const {
  return aa > 0 && bb > 0 ? dot / std::sqrt(aa * bb) : 0.0;
}

}  // namespace fwdlab
