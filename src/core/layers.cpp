#include "core/layers.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "core/gemm.h"
#include "core/simd128_elementwise.h"

namespace fwdlab {

void Param::resize(int rows, int cols) {
  value.setZero(rows, cols);
  grad.setZero(rows, cols);
  slot1.setZero(rows, cols);
  slot2.setZero(rows, cols);
  steps = 0;
}

Dense::Dense(const std::string& name, int in, int out) {
  weight.name = name + ".weight";
  bias.name = name + ".bias";
  weight.resize(in, out);
  bias.resize(1, out);
}

void Dense::init_he(Rng& rng, float gain) {
  rng.fill_normal(weight.value, gain * std::sqrt(2.0f / static_cast<float>(in())));
  bias.value.setZero();
}

void Dense::forward(const Matrix& x, Matrix& y) const {
  gemm(Transpose::No, Transpose::No, 1.0f, x, weight.value, 0.0f, y);  // Y = X W
  y.rowwise() += bias.value.row(0);
}

void Dense::backward(const Matrix& x, const Matrix& dy, Matrix* dx) {
  gemm(Transpose::Yes, Transpose::No, 1.0f, x, dy, 0.0f, weight.grad);  // dW = X^T dY
  bias.grad = dy.colwise().sum();
  if (dx) gemm(Transpose::No, Transpose::Yes, 1.0f, dy, weight.value, 0.0f, *dx);  // dX = dY W^T
}

void relu_forward(const Matrix& z, Matrix& h) { h = z.cwiseMax(0.0f); }

void relu_backward(const Matrix& z, const Matrix& dh, Matrix& dz) {
  dz = (z.array() > 0.0f).select(dh, 0.0f);
}

NormKind parse_norm_kind(const std::string& name) {
  if (name == "length") return NormKind::Length;
  if (name == "rms") return NormKind::Rms;
  throw std::invalid_argument("unknown normalisation '" + name + "'; expected length or rms");
}

namespace {
float norm_scale(NormKind kind, Eigen::Index dims) {
  return kind == NormKind::Rms ? std::sqrt(static_cast<float>(dims)) : 1.0f;
}
}  // namespace

void normalize_rows(const Matrix& x, NormKind kind, Matrix& y) {
  const float s = norm_scale(kind, x.cols());
  y.resize(x.rows(), x.cols());
  for (Eigen::Index r = 0; r < x.rows(); ++r) {
    const float n = x.row(r).norm() + kNormEps;
    y.row(r) = x.row(r) * (s / n);
  }
}

void normalize_rows_backward(const Matrix& x, NormKind kind, const Matrix& dy, Matrix& dx) {
  const float s = norm_scale(kind, x.cols());
  dx.resize(x.rows(), x.cols());
  for (Eigen::Index r = 0; r < x.rows(); ++r) {
    const float len = x.row(r).norm();
    const float n = len + kNormEps;
    const float projection = len > 0 ? x.row(r).dot(dy.row(r)) / (len * n) : 0.0f;
    dx.row(r) = (s / n) * (dy.row(r) - projection * x.row(r));
  }
}

void softmax_rows(const Matrix& logits, Matrix& probs) {
  probs.resize(logits.rows(), logits.cols());
  for (Eigen::Index r = 0; r < logits.rows(); ++r) {
    const float top = logits.row(r).maxCoeff();
    probs.row(r) = (logits.row(r).array() - top).exp();
    probs.row(r) /= probs.row(r).sum();
  }
}

double softmax_cross_entropy(const Matrix& logits, const std::vector<int>& labels, Matrix& probs) {
  softmax_rows(logits, probs);
  double total = 0.0;
  for (Eigen::Index r = 0; r < logits.rows(); ++r) {
    // log softmax computed from the logits directly: exact even when the probability underflows.
    const float top = logits.row(r).maxCoeff();
    const double log_sum = top + std::log(static_cast<double>((logits.row(r).array() - top).exp().sum()));
    total += log_sum - logits(r, labels[r]);
  }
  return total / static_cast<double>(logits.rows());
}

void softmax_cross_entropy_backward(const Matrix& probs, const std::vector<int>& labels, Matrix& dlogits) {
  dlogits = probs;
  for (Eigen::Index r = 0; r < probs.rows(); ++r) dlogits(r, labels[r]) -= 1.0f;
  dlogits /= static_cast<float>(probs.rows());
}

std::vector<int> argmax_rows(const Matrix& scores) {
  std::vector<int> out(scores.rows());
  for (Eigen::Index r = 0; r < scores.rows(); ++r) {
    Eigen::Index best = 0;
    scores.row(r).maxCoeff(&best);
    out[r] = static_cast<int>(best);
  }
  return out;
}

bool all_finite(const Matrix& m) {
#ifdef __wasm_simd128__
  return simd128::all_finite(static_cast<int>(m.size()), m.data());  // Eigen's scan is scalar in wasm
#else
  // A float is infinite or NaN exactly when its 8 exponent bits are all ones. Testing the bits
  // with integer operations lets the compiler vectorise the loop (an OR of 0/1 flags), where
  // Eigen's allFinite() compares element by element: the Session runs this over every weight
  // after every step, and it was a third of a 1024x1024 step (docs/robustness.md).
  constexpr std::uint32_t kExponent = 0x7f800000u;
  const float* data = m.data();
  const Eigen::Index n = m.size();
  std::uint32_t bad = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, data + i, sizeof bits);
    bad |= static_cast<std::uint32_t>((bits & kExponent) == kExponent);
  }
  return bad == 0;
#endif
}

}  // namespace fwdlab
