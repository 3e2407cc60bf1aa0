// The building blocks every learning rule shares, each a forward function and the backward
// (vector-Jacobian) function that backprop and the local losses need.
// Shapes: a batch is B x D, one example per row (see tensor.h).
#pragma once

#include <string>
#include <vector>

#include "core/rng.h"
#include "core/tensor.h"

namespace fwdlab {

// A trainable tensor with its gradient and its optimiser's state. Keeping the state beside the
// value gives every layer its own optimiser state (Forward-Forward trains layers independently).
struct Param {
  std::string name;
  Matrix value;
  Matrix grad;   // filled by the learning rule before each optimiser step
  Matrix slot1;  // momentum (sgd) or first moment (adam)
  Matrix slot2;  // second moment (adam)
  long steps = 0;

  void resize(int rows, int cols);
};

// Fully connected layer: Y = X W + b, W is (in x out), b is (1 x out).
struct Dense {
  Param weight;
  Param bias;

  Dense() = default;
  Dense(const std::string& name, int in, int out);
  int in() const { return static_cast<int>(weight.value.rows()); }
  int out() const { return static_cast<int>(weight.value.cols()); }

  // He initialisation for a ReLU that follows: W ~ N(0, gain^2 * 2 / in), b = 0.
  void init_he(Rng& rng, float gain = 1.0f);

  void forward(const Matrix& x, Matrix& y) const;
  // Given dL/dY: dL/dW = X^T dY and dL/db = sum over rows of dY are written into the params'
  // grad; dL/dX = dY W^T into *dx unless dx is null.
  void backward(const Matrix& x, const Matrix& dy, Matrix* dx);
};

// h = max(z, 0).
void relu_forward(const Matrix& z, Matrix& h);
// dz = dh * [z > 0].
void relu_backward(const Matrix& z, const Matrix& dh, Matrix& dz);

// Per-example normalisation, used between Forward-Forward layers so that the next layer cannot
// read the previous layer's goodness off the length of its input.
//   length: y = x / (||x|| + eps)
//   rms:    y = x / (sqrt(mean(x^2)) + eps) = x * sqrt(D) / (||x|| + eps')
enum class NormKind { Length, Rms };
NormKind parse_norm_kind(const std::string& name);
constexpr float kNormEps = 1e-8f;
void normalize_rows(const Matrix& x, NormKind kind, Matrix& y);
// Vector-Jacobian product of normalize_rows: for y = s x / n with n = ||x|| + eps (s = 1 for
// length, sqrt(D) for rms): dx = s/n (dy - x (x.dy) / (||x|| n)).
void normalize_rows_backward(const Matrix& x, NormKind kind, const Matrix& dy, Matrix& dx);

// Mean softmax cross-entropy over the batch, L = -1/B sum_i log softmax(z_i)[y_i].
// Writes the softmax probabilities into `probs` (B x C).
double softmax_cross_entropy(const Matrix& logits, const std::vector<int>& labels, Matrix& probs);
// dL/dz = (softmax(z) - onehot(y)) / B, from the probabilities computed above.
void softmax_cross_entropy_backward(const Matrix& probs, const std::vector<int>& labels, Matrix& dlogits);

// Row-wise softmax, stable against overflow.
void softmax_rows(const Matrix& logits, Matrix& probs);
// Index of the largest entry of each row.
std::vector<int> argmax_rows(const Matrix& scores);

// True when every entry is finite.
bool all_finite(const Matrix& m);

}  // namespace fwdlab
