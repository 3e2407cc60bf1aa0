// Helpers shared by the unit tests: the real data, finite differences, small random batches.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/dataset.h"
#include "core/rng.h"
#include "core/tensor.h"
#include "learn/session.h"

namespace fwdlab::test {

// The real MNIST, prepared by scripts/prepare-data (loaded once per test process).
const DataSplit& mnist();

// A Session of `config` on the real MNIST (training and test sets shared, not copied).
std::unique_ptr<Session> mnist_session(const Config& config);

// Same shape and the same float bits (a bit-identical run, a restored weight).
bool same_bits(const Matrix& a, const Matrix& b);

// A random batch: x uniform in [0, 1), labels uniform in 0..9.
void random_batch(Rng& rng, int rows, int cols, Matrix& x, std::vector<int>& labels);

// Central finite difference of `loss` with respect to every entry of `m`, in double precision
// around float parameters: (L(m + h e_i) - L(m - h e_i)) / 2h.
Matrix numerical_gradient(Matrix& m, const std::function<double()>& loss, double h = 1e-2);

// Max |a - b| / max(1e-3, max|b|): a scale-aware relative error for comparing gradients.
double relative_error(const Matrix& a, const Matrix& b);

}  // namespace fwdlab::test
