// The WebAssembly SIMD engine of gemm.h: C = alpha op(A) op(B) + beta C, row-major floats.
//
// Why: Eigen 3.4 has no wasm packet math, so in the browser its products only get clang's
// autovectoriser (about 0.3 of the wasm SIMD peak at the training shapes). This file is the
// classic GotoBLAS/BLIS scheme, sized for what V8 makes of f32x4 code on x86-64 (16 xmm
// registers, no fused multiply-add):
//
//   for jc over columns of C in steps of kNC           (B block: kKC x kNC)
//     for pc over the shared dimension in steps of kKC (cache blocking along K)
//       pack op(B)[pc.., jc..] into kNR-wide panels:  panel[p * kNR + j], contiguous, zero-padded
//       for ic over rows of C in steps of kMC
//         pack op(A)[ic.., pc..] into kMR-tall panels: panel[p * kMR + i], contiguous, zero-padded
//         for each B panel (jr), for each A panel (ir):
//           micro-kernel: a kMR x kNR tile of C in kMR * kNR / 4 f32x4 registers, kc steps of
//           "kNR/4 vector loads of B, kMR splats of A, kMR * kNR / 4 mul + add".
//
// Packing makes every operand contiguous whatever the transposes (A and B^T, whose rows run along
// K, go through 4x4 register transposes), so one micro-kernel serves C = A B, A^T B and A B^T alike,
// and zero padding lets it always run the full tile (only the store is clipped at ragged edges).
// The B panel (kKC * kNR floats = 8 KB) stays in L1 while the A panels stream through it from L2.
#ifdef __wasm_simd128__

#include <wasm_simd128.h>

#include <algorithm>
#include <vector>

#include "core/gemm.h"

namespace fwdlab {

namespace {

// Register block. 4 x 8 keeps 8 accumulators + 2 B vectors + 1 splat + 1 product = 12 live
// vectors, inside the 15 xmm registers V8 allocates; the 8 independent accumulator chains cover
// the add latency. Each k step loads 6 vectors for 16 arithmetic instructions. Measured under
// Node 20 on the dev machine (Zen 4), in fractions of the peak probe: 4 x 8 0.82-0.89; 3 x 8 0.7;
// 6 x 8, 4 x 12, 5 x 8, 3 x 12, 8 x 8 0.5-0.65 (V8 spills); unrolling the k loop by 2 or 4: 0.55-0.65.
constexpr int kMR = 4;
constexpr int kNR = 8;
constexpr int kNV = kNR / 4;  // f32x4 vectors per tile row

// Cache blocks: an A block kMC x kKC (128 KB) stays in L2 while the B panels stream past it;
// a B block kKC x kNC (1 MB) is reused by every A block of its column range.
constexpr int kKC = 256;  // 128, 192 and 512 measured the same within noise
constexpr int kMC = 128 / kMR * kMR;    // a whole number of A panels
constexpr int kNC = 1024 / kNR * kNR;  // a whole number of B panels

// 4 x 4 transpose of the rows r0..r3.
inline void transpose4(v128_t& r0, v128_t& r1, v128_t& r2, v128_t& r3) {
  const v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5);
  const v128_t t1 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7);
  const v128_t t2 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5);
  const v128_t t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
  r0 = wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5);
  r1 = wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7);
  r2 = wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5);
  r3 = wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7);
}

// Packs one panel: `lines` (<= W) lines of kc steps into dst[p * W + l], zero-filling lines
// lines..W-1. Element (line l, step p) of the source sits at src[l * line_stride + p * step_stride].
// Full panels whose lines are contiguous along the steps (A, or B^T) use 4 x 4 register transposes.
template <int W>
void pack_panel(const float* src, int line_stride, int step_stride, int lines, int kc, float* dst) {
  int p = 0;
  if constexpr (W % 4 == 0) {
    if (lines == W && step_stride == 1) {
      for (; p + 4 <= kc; p += 4) {
        for (int l = 0; l < W; l += 4) {
          const float* s = src + l * line_stride + p;
          v128_t r0 = wasm_v128_load(s), r1 = wasm_v128_load(s + line_stride);
          v128_t r2 = wasm_v128_load(s + 2 * line_stride), r3 = wasm_v128_load(s + 3 * line_stride);
          transpose4(r0, r1, r2, r3);
          wasm_v128_store(dst + (p + 0) * W + l, r0);
          wasm_v128_store(dst + (p + 1) * W + l, r1);
          wasm_v128_store(dst + (p + 2) * W + l, r2);
          wasm_v128_store(dst + (p + 3) * W + l, r3);
        }
      }
    }
  }
  // Everything else (a partial panel, the last kc % 4 steps): element by element.
  for (; p < kc; ++p) {
    for (int l = 0; l < lines; ++l) dst[p * W + l] = src[l * line_stride + p * step_stride];
    for (int l = lines; l < W; ++l) dst[p * W + l] = 0.0f;
  }
}

// Packs `lines` lines of kc steps into consecutive W-wide panels (panel q at dst + q * W * kc).
// When the lines of each step are contiguous (line_stride == 1: B, or A^T), the full panels are
// filled a few steps at a time across all panels, so the source is read along its rows. Panel by
// panel it would be read as W-float scraps of kc different rows, and with a row stride of 4 KB
// (1024 floats) every scrap maps to the same L1 set: each line would be fetched twice from L2.
template <int W>
void pack_block(const float* src, int line_stride, int step_stride, int lines, int kc, float* dst) {
  int full = 0;  // lines packed by the row-wise copy
  if constexpr (W % 4 == 0) {
    if (line_stride == 1) {
      full = lines / W * W;
      constexpr int kSteps = 8;
      for (int p0 = 0; p0 < kc; p0 += kSteps) {
        const int p1 = std::min(kc, p0 + kSteps);
        for (int l = 0; l < full; l += W) {
          float* d = dst + l * kc;
          for (int p = p0; p < p1; ++p)
            for (int v = 0; v < W / 4; ++v)
              wasm_v128_store(d + p * W + 4 * v, wasm_v128_load(src + p * step_stride + l + 4 * v));
        }
      }
    }
  }
  for (int l = full; l < lines; l += W)
    pack_panel<W>(src + l * line_stride, line_stride, step_stride, std::min(W, lines - l), kc, dst + l * kc);
}

// C[0..mr, 0..nr] = alpha * sum_p a[p][0..kMR]^T b[p][0..kNR] + beta * C   (mr <= kMR, nr <= kNR).
// a and b are packed panels; beta == 0 never reads C.
void micro_kernel(int kc, const float* a, const float* b, float alpha, float beta, float* c, int ldc, int mr,
                  int nr) {
  v128_t acc[kMR][kNV];
  for (int r = 0; r < kMR; ++r)
    for (int v = 0; v < kNV; ++v) acc[r][v] = wasm_f32x4_splat(0.0f);

  for (int p = 0; p < kc; ++p) {
    v128_t bv[kNV];
    for (int v = 0; v < kNV; ++v) bv[v] = wasm_v128_load(b + 4 * v);
    for (int r = 0; r < kMR; ++r) {
      const v128_t ar = wasm_v128_load32_splat(a + r);
      for (int v = 0; v < kNV; ++v) acc[r][v] = wasm_f32x4_add(acc[r][v], wasm_f32x4_mul(ar, bv[v]));
    }
    a += kMR;
    b += kNR;
  }

  if (alpha != 1.0f) {
    const v128_t va = wasm_f32x4_splat(alpha);
    for (int r = 0; r < kMR; ++r)
      for (int v = 0; v < kNV; ++v) acc[r][v] = wasm_f32x4_mul(acc[r][v], va);
  }
  const v128_t vb = wasm_f32x4_splat(beta);

  if (mr == kMR && nr == kNR) {
    for (int r = 0; r < kMR; ++r) {
      for (int v = 0; v < kNV; ++v) {
        float* cp = c + r * ldc + 4 * v;
        v128_t x = acc[r][v];
        if (beta == 1.0f) x = wasm_f32x4_add(x, wasm_v128_load(cp));
        else if (beta != 0.0f) x = wasm_f32x4_add(x, wasm_f32x4_mul(vb, wasm_v128_load(cp)));
        wasm_v128_store(cp, x);
      }
    }
    return;
  }
  // Ragged tile: spill the accumulators and write only the part inside C.
  alignas(16) float tile[kMR][kNR];
  for (int r = 0; r < kMR; ++r)
    for (int v = 0; v < kNV; ++v) wasm_v128_store(&tile[r][4 * v], acc[r][v]);
  for (int r = 0; r < mr; ++r) {
    float* cr = c + r * ldc;
    for (int j = 0; j < nr; ++j) cr[j] = beta == 0.0f ? tile[r][j] : tile[r][j] + beta * cr[j];
  }
}

// C = beta C, the whole product when k == 0 or alpha == 0 (beta == 0 writes zeros, never reads).
void scale(int m, int n, float beta, float* c, int ldc) {
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
}

// Packing buffers, allocated once at their largest size (single-threaded wasm: one set).
float* a_buffer() {
  static std::vector<float> buffer(static_cast<std::size_t>(kMC) * kKC);
  return buffer.data();
}
float* b_buffer() {
  static std::vector<float> buffer(static_cast<std::size_t>(kKC) * kNC);
  return buffer.data();
}

}  // namespace

void gemm_simd128(Transpose ta, Transpose tb, int m, int n, int k, float alpha, const float* a, int lda,
                  const float* b, int ldb, float beta, float* c, int ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0.0f) return scale(m, n, beta, c, ldc);

  // op(A)(i, p) = a[i * a_row + p * a_step]; op(B)(p, j) = b[p * b_step + j * b_col].
  const int a_row = ta == Transpose::Yes ? 1 : lda, a_step = ta == Transpose::Yes ? lda : 1;
  const int b_col = tb == Transpose::Yes ? ldb : 1, b_step = tb == Transpose::Yes ? 1 : ldb;
  float* const apack = a_buffer();
  float* const bpack = b_buffer();

  for (int jc = 0; jc < n; jc += kNC) {
    const int nc = std::min(kNC, n - jc);
    for (int pc = 0; pc < k; pc += kKC) {
      const int kc = std::min(kKC, k - pc);
      const float beta_here = pc == 0 ? beta : 1.0f;  // later K blocks add onto the first one's result
      pack_block<kNR>(b + pc * b_step + jc * b_col, b_col, b_step, nc, kc, bpack);
      for (int ic = 0; ic < m; ic += kMC) {
        const int mc = std::min(kMC, m - ic);
        pack_block<kMR>(a + ic * a_row + pc * a_step, a_row, a_step, mc, kc, apack);
        for (int jr = 0; jr < nc; jr += kNR)
          for (int ir = 0; ir < mc; ir += kMR)
            micro_kernel(kc, apack + ir * kc, bpack + jr * kc, alpha, beta_here, c + (ic + ir) * ldc + jc + jr, ldc,
                         std::min(kMR, mc - ir), std::min(kNR, nc - jr));
      }
    }
  }
}

}  // namespace fwdlab

#endif  // __wasm_simd128__
