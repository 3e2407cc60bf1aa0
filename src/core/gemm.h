// The matrix products that training spends its time in, behind one small interface:
//
//   C = alpha * op(A) op(B) + beta * C,   op(X) = X or X^T,   all matrices row-major float.
//
// Dense layers need three of them (see layers.cpp):
//   forward   Y  = X W           gemm(Transpose::No,  Transpose::No,  1, x,  w,  0, y);
//   dW        dW = X^T dY        gemm(Transpose::Yes, Transpose::No,  1, x,  dy, 0, dw);
//   dX        dX = dY W^T        gemm(Transpose::No,  Transpose::Yes, 1, dy, w,  0, dx);
//   accumulate dW += X^T dY      gemm(Transpose::Yes, Transpose::No,  1, x,  dy, 1, dw);
// Blocks work too, as operands or destination: gemm(No, No, 1, h.middleCols(g * s, s), w, 0, z).
//
// Two engines, chosen at compile time (Eigen's PacketMath pattern: one platform fast path, one
// portable fallback that the tests compare it against):
//   - WebAssembly with SIMD (__wasm_simd128__): register-blocked f32x4 kernels, gemm_simd128.cpp.
//     Eigen has no wasm packet math, so its own products only get clang's autovectoriser there.
//   - everywhere else: Eigen's product, written exactly as the layers wrote it before, so native
//     results (and their determinism) are bit-for-bit unchanged. It is also the reference that
//     tests/unit/test_gemm.cpp compares the SIMD kernels against (gemm_eigen, available everywhere).
//
// beta == 0 means C is only written, never read (it may hold garbage or NaN). With beta != 0, C must
// already have the shape op(A).rows() x op(B).cols().
#pragma once

#include <type_traits>

#include "core/tensor.h"

namespace fwdlab {

enum class Transpose { No, Yes };

// Any row-major float block with unit inner stride: a Matrix, a middleCols/topRows block, a Map.
using ConstMatrixRef = Eigen::Ref<const Matrix, 0, Eigen::OuterStride<>>;
using MatrixRef = Eigen::Ref<Matrix, 0, Eigen::OuterStride<>>;

namespace detail {
// The two entry points behind gemm() below. Whole matrices go to the first, natively the very
// Eigen expression on Matrix types that the layers used before (bit-for-bit the same results).
void gemm_matrices(Transpose ta, Transpose tb, float alpha, const Matrix& a, const Matrix& b, float beta,
                   Matrix& c);
void gemm_blocks(Transpose ta, Transpose tb, float alpha, const ConstMatrixRef& a, const ConstMatrixRef& b,
                 float beta, MatrixRef c);
}  // namespace detail

// C = alpha op(A) op(B) + beta C, with the fastest engine of this build. C must not alias A or B.
// Operands: Matrix or any row-major block (middleCols, topRows, Map); any other expression (such
// as x.transpose()) is first evaluated into a temporary, so use the Transpose flags instead.
// A Matrix C is resized first when beta == 0; a block C must already be op(A).rows() x op(B).cols().
// (A template only so that a block is never silently copied into a temporary Matrix by overload
// resolution.)
template <class A, class B, class C>
void gemm(Transpose ta, Transpose tb, float alpha, const A& a, const B& b, float beta, C&& c) {
  constexpr bool c_is_matrix = std::is_same_v<std::decay_t<C>, Matrix> && std::is_lvalue_reference_v<C>;
  if constexpr (c_is_matrix) {
    if (beta == 0.0f) c.resize(ta == Transpose::Yes ? a.cols() : a.rows(), tb == Transpose::Yes ? b.rows() : b.cols());
  }
  if constexpr (c_is_matrix && std::is_same_v<A, Matrix> && std::is_same_v<B, Matrix>) {
    detail::gemm_matrices(ta, tb, alpha, a, b, beta, c);
  } else {
    detail::gemm_blocks(ta, tb, alpha, ConstMatrixRef(a), ConstMatrixRef(b), beta, MatrixRef(c));
  }
}

// The portable engine (Eigen's product) on every build: the tests' reference and a benchmark baseline.
void gemm_eigen(Transpose ta, Transpose tb, float alpha, const ConstMatrixRef& a, const ConstMatrixRef& b,
                float beta, MatrixRef c);

// Name of the engine gemm() uses in this build: "wasm-simd128" or "eigen" (natively, or in a wasm
// build compiled with -DFWDLAB_GEMM_FORCE_EIGEN, the baseline scripts/bench can compare against).
const char* gemm_engine();

// The raw form of the SIMD engine: row-major op(A) is m x k, op(B) is k x n, C is m x n, each with
// its leading dimension (distance between rows). Only defined in wasm builds with SIMD.
void gemm_simd128(Transpose ta, Transpose tb, int m, int n, int k, float alpha, const float* a, int lda,
                  const float* b, int ldb, float beta, float* c, int ldc);

}  // namespace fwdlab
