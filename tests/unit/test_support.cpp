#include "test_support.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace fwdlab::test {

const DataSplit& mnist() {
  static const DataSplit split = load_dataset("mnist", FWDLAB_DATA_DIR);
  return split;
}

std::unique_ptr<Session> mnist_session(const Config& config) {
  return std::make_unique<Session>(config, std::make_shared<const Dataset>(mnist().train),
                                   std::make_shared<const Dataset>(mnist().test));
}

bool same_bits(const Matrix& a, const Matrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<std::size_t>(a.size())) == 0;
}

void random_batch(Rng& rng, int rows, int cols, Matrix& x, std::vector<int>& labels) {
  x.resize(rows, cols);
  rng.fill_uniform(x, 0.0f, 1.0f);
  labels.resize(rows);
  for (auto& y : labels) y = static_cast<int>(rng.below(10));
}

Matrix numerical_gradient(Matrix& m, const std::function<double()>& loss, double h) {
  Matrix g(m.rows(), m.cols());
  for (Eigen::Index i = 0; i < m.size(); ++i) {
    const float saved = m.data()[i];
    m.data()[i] = static_cast<float>(saved + h);
    const double plus = loss();
    m.data()[i] = static_cast<float>(saved - h);
    const double minus = loss();
    m.data()[i] = saved;
    g.data()[i] = static_cast<float>((plus - minus) / (2 * h));
  }
  return g;
}

double relative_error(const Matrix& a, const Matrix& b) {
  const double scale = std::max(1e-3, static_cast<double>(b.cwiseAbs().maxCoeff()));
  return static_cast<double>((a - b).cwiseAbs().maxCoeff()) / scale;
}

}  // namespace fwdlab::test
