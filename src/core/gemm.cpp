#include "core/gemm.h"

#include <cassert>

namespace fwdlab {

namespace {

// c = alpha a b + beta c in Eigen's own words. alpha == 1, beta == 0 on Matrix types is exactly the
// expression the layers used before this interface existed (`c.noalias() = a * b`), hence the same bits.
template <class A, class B, class C>
void eigen_product(float alpha, const A& a, const B& b, float beta, C& c) {
  if (beta == 0.0f) {
    if (alpha == 1.0f) c.noalias() = a * b;
    else c.noalias() = alpha * a * b;
    return;
  }
  if (beta != 1.0f) c *= beta;
  if (alpha == 1.0f) c.noalias() += a * b;
  else c.noalias() += alpha * a * b;
}

template <class A, class B, class C>
void eigen_gemm(Transpose ta, Transpose tb, float alpha, const A& a, const B& b, float beta, C& c) {
  const bool at = ta == Transpose::Yes, bt = tb == Transpose::Yes;
  if (!at && !bt) eigen_product(alpha, a, b, beta, c);
  else if (at && !bt) eigen_product(alpha, a.transpose(), b, beta, c);
  else if (!at && bt) eigen_product(alpha, a, b.transpose(), beta, c);
  else eigen_product(alpha, a.transpose(), b.transpose(), beta, c);
}

// FWDLAB_GEMM_FORCE_EIGEN (a compile definition) keeps Eigen in a wasm build too: the baseline
// that scripts/bench compares the kernels' training speed against.
#if defined(__wasm_simd128__) && !defined(FWDLAB_GEMM_FORCE_EIGEN)
#define FWDLAB_GEMM_SIMD128 1
#endif

#ifdef FWDLAB_GEMM_SIMD128
// Hands any row-major operands with unit inner stride to the raw SIMD engine.
template <class A, class B, class C>
void simd_gemm(Transpose ta, Transpose tb, float alpha, const A& a, const B& b, float beta, C& c) {
  const auto k = ta == Transpose::Yes ? a.rows() : a.cols();
  assert(k == (tb == Transpose::Yes ? b.cols() : b.rows()));
  assert(c.rows() == (ta == Transpose::Yes ? a.cols() : a.rows()));
  assert(c.cols() == (tb == Transpose::Yes ? b.rows() : b.cols()));
  gemm_simd128(ta, tb, static_cast<int>(c.rows()), static_cast<int>(c.cols()), static_cast<int>(k), alpha, a.data(),
               static_cast<int>(a.outerStride()), b.data(), static_cast<int>(b.outerStride()), beta, c.data(),
               static_cast<int>(c.outerStride()));
}
#define FWDLAB_GEMM_ENGINE simd_gemm
#else
#define FWDLAB_GEMM_ENGINE eigen_gemm
#endif

}  // namespace

const char* gemm_engine() {
#ifdef FWDLAB_GEMM_SIMD128
  return "wasm-simd128";
#else
  return "eigen";
#endif
}

namespace detail {

void gemm_matrices(Transpose ta, Transpose tb, float alpha, const Matrix& a, const Matrix& b, float beta,
                   Matrix& c) {
  FWDLAB_GEMM_ENGINE(ta, tb, alpha, a, b, beta, c);
}

void gemm_blocks(Transpose ta, Transpose tb, float alpha, const ConstMatrixRef& a, const ConstMatrixRef& b,
                 float beta, MatrixRef c) {
  FWDLAB_GEMM_ENGINE(ta, tb, alpha, a, b, beta, c);
}

}  // namespace detail

void gemm_eigen(Transpose ta, Transpose tb, float alpha, const ConstMatrixRef& a, const ConstMatrixRef& b,
                float beta, MatrixRef c) {
  eigen_gemm(ta, tb, alpha, a, b, beta, c);
}

}  // namespace fwdlab
