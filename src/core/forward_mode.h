// Forward-mode differentiation (Jacobian-vector products, jvp) of the layers in layers.h.
//
// Each function takes a value and its tangent (the directional derivative of that value along
// the direction being probed) and returns the layer's output together with the output's tangent,
// exactly, in the same pass: no finite differences. Same B x D row-major batch convention as
// layers.h; a tangent always has the shape of its value.
//
// Chaining them computes a loss f and its directional derivative f_dot = grad f . v in one
// forward pass, which is all the forward-gradient rules need.
#pragma once

#include <vector>

#include "core/layers.h"
#include "core/rng.h"
#include "core/tensor.h"

namespace fwdlab {

// Tangents of a Dense layer's parameters: (V, b_v) with the shapes of (W, b).
struct DenseTangent {
  Matrix weight;  // V   (in x out)
  Matrix bias;    // b_v (1 x out)
};

// Dense: z = x W + b and  z_dot = x V + x_dot W + b_v.
// Any tangent may be null (= zero): `x_dot` for an input that does not depend on the direction
// (the images, or a block input behind a stop-gradient), `param_dot` when only activities are
// perturbed. With both null, z_dot is zero.
void dense_jvp(const Dense& layer, const Matrix& x, const Matrix* x_dot, const DenseTangent* param_dot,
               Matrix& z, Matrix& z_dot);

// The tangent part of dense_jvp alone, for a primal z already computed.
void dense_tangent(const Dense& layer, const Matrix& x, const Matrix* x_dot, const DenseTangent* param_dot,
                   Matrix& z_dot);

// ReLU: h = max(z, 0) and  h_dot = z_dot * [z > 0].
void relu_jvp(const Matrix& z, const Matrix& z_dot, Matrix& h, Matrix& h_dot);
void relu_tangent(const Matrix& z, const Matrix& z_dot, Matrix& h_dot);

// Row normalisation (normalize_rows): y = s x / n with n = ||x|| + eps, s = 1 (length) or
// sqrt(D) (rms). Differentiating:  y_dot = s/n (x_dot - x (x . x_dot) / (||x|| n)).
void normalize_rows_jvp(const Matrix& x, NormKind kind, const Matrix& x_dot, Matrix& y, Matrix& y_dot);

// Mean softmax cross-entropy L = -1/B sum_i log softmax(z_i)[y_i] and its tangent
//   L_dot = 1/B sum_i (softmax(z_i) - onehot(y_i)) . z_dot_i.
// Writes the softmax into `probs`; returns L and sets *loss_dot.
double softmax_cross_entropy_jvp(const Matrix& logits, const Matrix& logits_dot, const std::vector<int>& labels,
                                 Matrix& probs, double* loss_dot);

// The same tangent split by example: d_i = (softmax(z_i) - onehot(y_i)) . z_dot_i / B, so that
// L_dot = sum_i d_i. This is what activity perturbation needs when each example carries its own
// perturbation. `probs` comes from softmax_cross_entropy (or the jvp above).
void softmax_cross_entropy_tangent_rows(const Matrix& probs, const std::vector<int>& labels,
                                        const Matrix& logits_dot, ColumnVector& d);

// Standard normal samples for tangents, drawn from `rng`'s stream. Same distribution as
// Rng::fill_normal but vectorised (float Box-Muller through Eigen's SIMD log/sin/cos), about an
// order of magnitude faster: forward gradient with weight perturbation needs one sample per
// parameter per step. Deterministic for a given seed on a given build.
void fill_standard_normal(Rng& rng, Matrix& m);

// Cosine similarity <a, b> / (|a| |b|) accumulated over several tensors (0 if either is zero).
struct CosineAccumulator {
  double dot = 0, aa = 0, bb = 0;
  void add(const Matrix& a, const Matrix& b);
  double value() const;
};

}  // namespace fwdlab
