// Every layer's backward pass against central finite differences of a scalar loss.
#include <catch2/catch.hpp>

#include <cmath>

#include "core/layers.h"
#include "core/optimizer.h"
#include "test_support.h"

using namespace fwdlab;
using test::numerical_gradient;
using test::relative_error;

namespace {
// A fixed random linear read-out turns a layer's output into a scalar: L = sum(R .* Y).
double readout(const Matrix& y, const Matrix& r) { return static_cast<double>((y.array() * r.array()).sum()); }
}  // namespace

TEST_CASE("dense layer gradients match finite differences", "[layers]") {
  Rng rng(11);
  Dense layer("d", 7, 5);
  layer.init_he(rng);
  rng.fill_normal(layer.bias.value, 0.1f);
  Matrix x(4, 7), r(4, 5), y, dx;
  rng.fill_normal(x);
  rng.fill_normal(r);
  auto loss = [&] {
    layer.forward(x, y);
    return readout(y, r);
  };
  layer.backward(x, r, &dx);  // dL/dY = R
  CHECK(relative_error(layer.weight.grad, numerical_gradient(layer.weight.value, loss)) < 1e-3);
  CHECK(relative_error(layer.bias.grad, numerical_gradient(layer.bias.value, loss)) < 1e-3);
  CHECK(relative_error(dx, numerical_gradient(x, loss)) < 1e-3);
}

TEST_CASE("relu gradient matches finite differences away from the kink", "[layers]") {
  Rng rng(12);
  Matrix z(3, 6), r(3, 6), h, dz;
  rng.fill_normal(z);
  for (Eigen::Index i = 0; i < z.size(); ++i) {
    if (std::fabs(z.data()[i]) < 0.05f) z.data()[i] = 0.5f;  // keep h = 1e-2 off the kink
  }
  rng.fill_normal(r);
  auto loss = [&] {
    relu_forward(z, h);
    return readout(h, r);
  };
  relu_backward(z, r, dz);
  CHECK(relative_error(dz, numerical_gradient(z, loss)) < 1e-3);
  CHECK(h.minCoeff() >= 0.0f);
}

TEST_CASE("per-example normalisation and its gradient", "[layers]") {
  Rng rng(13);
  Matrix x(4, 9), r(4, 9), y, dx;
  rng.fill_normal(x);
  rng.fill_normal(r);
  for (NormKind kind : {NormKind::Length, NormKind::Rms}) {
    normalize_rows(x, kind, y);
    const double expected_norm = kind == NormKind::Length ? 1.0 : 3.0;  // sqrt(9)
    for (Eigen::Index i = 0; i < y.rows(); ++i) CHECK(y.row(i).norm() == Approx(expected_norm).epsilon(1e-5));
    auto loss = [&] {
      normalize_rows(x, kind, y);
      return readout(y, r);
    };
    normalize_rows_backward(x, kind, r, dx);
    CHECK(relative_error(dx, numerical_gradient(x, loss, 1e-3)) < 5e-3);
  }
  // A zero row stays zero and has a finite gradient.
  Matrix zero = Matrix::Zero(1, 4), dzero;
  normalize_rows(zero, NormKind::Length, y);
  CHECK(y.isZero());
  normalize_rows_backward(zero, NormKind::Length, Matrix::Ones(1, 4), dzero);
  CHECK(dzero.allFinite());
}

TEST_CASE("softmax cross-entropy and its gradient", "[layers]") {
  Rng rng(14);
  Matrix logits(5, 10), probs, dlogits;
  rng.fill_normal(logits, 2.0f);
  const std::vector<int> labels = {0, 3, 9, 3, 7};
  auto loss = [&] { return softmax_cross_entropy(logits, labels, probs); };
  const double l = loss();
  softmax_cross_entropy_backward(probs, labels, dlogits);
  CHECK(relative_error(dlogits, numerical_gradient(logits, loss, 1e-2)) < 2e-3);
  // Uniform logits give log(10) exactly.
  Matrix flat = Matrix::Zero(2, 10);
  CHECK(softmax_cross_entropy(flat, {1, 2}, probs) == Approx(std::log(10.0)));
  // Huge logits do not overflow.
  Matrix huge = Matrix::Zero(1, 10);
  huge(0, 4) = 1e4f;
  CHECK(softmax_cross_entropy(huge, {4}, probs) == Approx(0.0).margin(1e-6));
  CHECK(softmax_cross_entropy(huge, {5}, probs) == Approx(1e4).epsilon(1e-6));
  CHECK(l > 0);
}

TEST_CASE("optimisers follow their update rules", "[layers]") {
  Param p;
  p.resize(1, 2);
  p.value << 1.0f, -2.0f;
  OptimizerSettings adam;
  adam.kind = OptimizerSettings::Kind::Adam;
  adam.lr = 0.1f;
  p.grad << 3.0f, -0.5f;
  optimizer_step(adam, p);
  // Adam's first step moves every weight by lr against the sign of its gradient.
  CHECK(p.value(0, 0) == Approx(0.9f).epsilon(1e-5));
  CHECK(p.value(0, 1) == Approx(-1.9f).epsilon(1e-5));

  Param q;
  q.resize(1, 1);
  q.value << 1.0f;
  OptimizerSettings sgd;
  sgd.kind = OptimizerSettings::Kind::Sgd;
  sgd.lr = 0.1f;
  sgd.momentum = 0.5f;
  sgd.weight_decay = 0.1f;
  q.grad << 1.0f;
  optimizer_step(sgd, q);  // g = 1 + 0.1 * 1 = 1.1, m = 1.1, w = 1 - 0.11
  CHECK(q.value(0, 0) == Approx(0.89f));
  q.grad << 1.0f;
  optimizer_step(sgd, q);  // g = 1 + 0.089, m = 0.55 + 1.089, w = 0.89 - 0.1639
  CHECK(q.value(0, 0) == Approx(0.89f - 0.1639f).epsilon(1e-5));

  Param d;
  d.resize(1, 1);
  d.value << 0.0f;
  OptimizerSettings decayed = sgd;
  decayed.momentum = 0;
  decayed.weight_decay = 0;
  decayed.lr_decay = 0.5;
  d.grad << 1.0f;
  optimizer_step(decayed, d);  // lr_0 = 0.1
  d.grad << 1.0f;
  optimizer_step(decayed, d);  // lr_1 = 0.1 exp(-0.5)
  CHECK(d.value(0, 0) == Approx(-0.1 - 0.1 * std::exp(-0.5)).epsilon(1e-5));
}
