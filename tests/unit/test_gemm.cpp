// gemm() (core/gemm.h) against Eigen's product. Natively both are Eigen (the check is trivial and
// the bit-for-bit test below guards the "native results unchanged" promise); in the wasm build under
// Node gemm() runs the f32x4 kernels, which must agree with Eigen within float rounding on every
// transpose combination, alpha/beta, ragged edges and the cache-block boundaries.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/gemm.h"
#include "core/rng.h"

using namespace fwdlab;

namespace {

const Transpose kBoth[] = {Transpose::No, Transpose::Yes};

Matrix random_matrix(Rng& rng, Eigen::Index rows, Eigen::Index cols) {
  Matrix m(rows, cols);
  rng.fill_normal(m);
  return m;
}

// An operand stored so that op(X) is rows x cols.
Matrix random_operand(Rng& rng, Transpose t, int rows, int cols) {
  return t == Transpose::Yes ? random_matrix(rng, cols, rows) : random_matrix(rng, rows, cols);
}

Matrix op(Transpose t, const Matrix& x) { return t == Transpose::Yes ? Matrix(x.transpose()) : x; }

// Largest |c - ref| relative to a rounding bound: every entry of an alpha op(A) op(B) + beta C0
// product computed in float is within about (k + 2) eps (|alpha| |op(A)| |op(B)| + |beta| |C0|).
double error_over_bound(const Matrix& c, const Matrix& ref, const Matrix& abs_scale, int k) {
  const double eps = std::numeric_limits<float>::epsilon();
  double worst = 0;
  for (Eigen::Index i = 0; i < c.rows(); ++i)
    for (Eigen::Index j = 0; j < c.cols(); ++j) {
      const double bound = 2.0 * (k + 2) * eps * abs_scale(i, j) + 1e-30;
      worst = std::max(worst, std::abs(static_cast<double>(c(i, j)) - ref(i, j)) / bound);
    }
  return worst;
}

// One product through gemm() and through Eigen; returns error / bound (must be <= 1).
double check_product(Rng& rng, Transpose ta, Transpose tb, int m, int n, int k, float alpha, float beta) {
  const Matrix a = random_operand(rng, ta, m, k), b = random_operand(rng, tb, k, n);
  const Matrix c0 = random_matrix(rng, m, n);
  Matrix c = c0, ref = c0;
  if (beta == 0.0f) c.setConstant(std::numeric_limits<float>::quiet_NaN());  // beta = 0 must not read C
  gemm(ta, tb, alpha, a, b, beta, c);
  gemm_eigen(ta, tb, alpha, a, b, beta, ref);
  const Matrix scale = std::abs(alpha) * (op(ta, a).cwiseAbs() * op(tb, b).cwiseAbs()) + std::abs(beta) * c0.cwiseAbs();
  return error_over_bound(c, ref, scale, k);
}

// Natively Eigen would spread these products over OpenMP threads, which on a loaded machine waits
// on the other cores; one thread keeps the test fast (< 1 s). Restores the previous setting.
struct OneEigenThread {
  int saved = Eigen::nbThreads();
  OneEigenThread() { Eigen::setNbThreads(1); }
  ~OneEigenThread() { Eigen::setNbThreads(saved); }
};

}  // namespace

TEST_CASE("gemm matches Eigen for every transpose, alpha and beta, ragged edges included", "[gemm]") {
  OneEigenThread one_thread;
  Rng rng(61);
  INFO("engine " << gemm_engine());
  // Sizes around the register block (4 x 8) and vector width, 1 x N and N x 1 included.
  const std::vector<int> sizes = {1, 2, 3, 4, 5, 7, 8, 9, 12, 17, 33};
  const std::pair<float, float> scalars[] = {{1.0f, 0.0f}, {1.0f, 1.0f}, {0.5f, -2.0f}, {-1.5f, 0.25f}};
  for (Transpose ta : kBoth)
    for (Transpose tb : kBoth)
      for (const auto& [alpha, beta] : scalars)
        for (int m : sizes)
          for (int n : sizes)
            for (int k : {1, 3, 4, 9, 33}) {
              INFO("ta " << (ta == Transpose::Yes) << " tb " << (tb == Transpose::Yes) << " m " << m << " n " << n
                         << " k " << k << " alpha " << alpha << " beta " << beta);
              REQUIRE(check_product(rng, ta, tb, m, n, k, alpha, beta) <= 1.0);
            }
}

TEST_CASE("gemm matches Eigen across the cache blocks and at training shapes", "[gemm]") {
  OneEigenThread one_thread;
  Rng rng(62);
  INFO("engine " << gemm_engine());
  struct Case { int m, n, k; };
  // Past kKC = 512 along K, kMC = 128 along M and kNC = 256 along N, with ragged remainders (and
  // past several blocks); narrow C computed transposed past those blocks (1030 x 3) and as dot
  // products with a long K (37 x 10 x 1030); then the products of an MLP 784-1024-10 at batch 64,
  // output layer included.
  const Case cases[] = {{5, 9, 513},      {131, 13, 7},    {6, 263, 5},      {130, 1027, 1100},
                        {1030, 3, 600},   {37, 10, 1030},  {64, 1024, 784},  {64, 10, 1024},
                        {784, 1024, 64},  {1024, 10, 64},  {64, 1024, 10}};
  for (const Case& s : cases)
    for (Transpose ta : kBoth)
      for (Transpose tb : kBoth)
        for (float beta : {0.0f, 1.0f}) {
          INFO("ta " << (ta == Transpose::Yes) << " tb " << (tb == Transpose::Yes) << " m " << s.m << " n " << s.n
                     << " k " << s.k << " beta " << beta);
          REQUIRE(check_product(rng, ta, tb, s.m, s.n, s.k, 1.0f, beta) <= 1.0);
        }
}

TEST_CASE("gemm reads and writes blocks through their leading dimension", "[gemm]") {
  Rng rng(63);
  // Operands are column ranges of wider matrices (as the local-loss heads use h.middleCols).
  const Matrix wide_a = random_matrix(rng, 13, 40), wide_b = random_matrix(rng, 21, 50);
  const auto a = wide_a.middleCols(3, 21);  // 13 x 21
  const auto b = wide_b.middleCols(5, 11);  // 21 x 11
  Matrix c;
  gemm(Transpose::No, Transpose::No, 1.0f, a, b, 0.0f, c);
  REQUIRE(c.rows() == 13);
  REQUIRE(c.cols() == 11);
  const Matrix expected = Matrix(a) * Matrix(b);
  CHECK((c - expected).cwiseAbs().maxCoeff() <= 1e-4f * expected.cwiseAbs().maxCoeff());

  // Destination block: only its columns change.
  Matrix wide_c = random_matrix(rng, 13, 30);
  const Matrix before = wide_c;
  gemm(Transpose::No, Transpose::No, 1.0f, a, b, 1.0f, wide_c.middleCols(7, 11));
  CHECK((wide_c.middleCols(7, 11) - (before.middleCols(7, 11) + expected)).cwiseAbs().maxCoeff() <= 1e-4f);
  CHECK(wide_c.leftCols(7) == before.leftCols(7));
  CHECK(wide_c.rightCols(12) == before.rightCols(12));

  // A narrow destination computed transposed (C^T = B^T A), written through its leading dimension.
  const auto at = wide_b.middleCols(20, 13);  // 21 x 13: A^T is 13 x 21
  const auto b3 = wide_b.middleCols(40, 3);   // 21 x 3
  const Matrix before2 = wide_c;
  gemm(Transpose::Yes, Transpose::No, 1.0f, at, b3, 1.0f, wide_c.middleCols(2, 3));
  const Matrix expected2 = Matrix(at).transpose() * Matrix(b3);
  CHECK((wide_c.middleCols(2, 3) - (before2.middleCols(2, 3) + expected2)).cwiseAbs().maxCoeff() <= 1e-4f);
  CHECK(wide_c.leftCols(2) == before2.leftCols(2));
  CHECK(wide_c.rightCols(25) == before2.rightCols(25));
}

TEST_CASE("gemm with an empty shared dimension scales C by beta", "[gemm]") {
  const Matrix a(3, 0), b(0, 5);
  Matrix c = Matrix::Constant(3, 5, 2.0f);
  gemm(Transpose::No, Transpose::No, 1.0f, a, b, 0.5f, c);
  CHECK(c == Matrix::Constant(3, 5, 1.0f));
  gemm(Transpose::No, Transpose::No, 1.0f, a, b, 0.0f, c);
  CHECK(c == Matrix::Zero(3, 5));
}

TEST_CASE("the portable engine gives exactly the bits of Eigen's own product", "[gemm]") {
  if (std::string(gemm_engine()) != "eigen") {
    SUCCEED("this build uses " << gemm_engine() << "; it is compared with tolerances above");
    return;
  }
  Rng rng(64);
  // The products the dense layers wrote before gemm() existed, at small (coefficient-based) and
  // large (blocked) sizes: native training must stay bit-for-bit the same.
  for (int size : {3, 17, 130}) {
    const Matrix x = random_matrix(rng, size, size + 5), w = random_matrix(rng, size + 5, size + 2);
    const Matrix dy = random_matrix(rng, size, size + 2);
    Matrix y, dw, dx, y_ref, dw_ref, dx_ref;
    gemm(Transpose::No, Transpose::No, 1.0f, x, w, 0.0f, y);
    gemm(Transpose::Yes, Transpose::No, 1.0f, x, dy, 0.0f, dw);
    gemm(Transpose::No, Transpose::Yes, 1.0f, dy, w, 0.0f, dx);
    y_ref.noalias() = x * w;
    dw_ref.noalias() = x.transpose() * dy;
    dx_ref.noalias() = dy * w.transpose();
    CHECK(y == y_ref);
    CHECK(dw == dw_ref);
    CHECK(dx == dx_ref);
  }
}
