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
//         block kernel: for each B panel (jr), for each A panel (ir):
//           micro-kernel: a kMR x kNR tile of C in kMR * kNR / 4 f32x4 registers, kc steps of
//           "kNR/4 vector loads of B, kMR splats of A, kMR * kNR / 4 mul + add".
//
// Packing makes every operand contiguous whatever the transposes (A and B^T, whose rows run along
// K, go through 4x4 register transposes), so one micro-kernel serves C = A B, A^T B and A B^T alike,
// and zero padding lets it always run the full tile (only the store is clipped at ragged edges).
// The B panel (kKC * kNR floats = 16 KB) stays in L1 while the A panels stream through it from L2.
//
// Narrow products (the 10-class output layer) waste most of a 4 x 8 tile, so they take other
// routes (gemm_simd128 at the bottom): C = A B with few columns and rows of A along K is a set of
// dot products (dot_kernel); other narrow C are computed transposed, C^T = op(B)^T op(A)^T, which
// puts the long side along the vectors.
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
// Node 20 on the dev machine (Zen 4), in fractions of the peak probe: 4 x 8 0.82-0.92; 3 x 8 0.7;
// 6 x 8, 5 x 8, 3 x 12 0.5-0.6 (V8 spills); unrolling the k loop by 2 or 4 in the source: 0.55-0.7
// (V8 unrolls it itself, see block_kernel).
constexpr int kMR = 4;
constexpr int kNR = 8;
constexpr int kNV = kNR / 4;  // f32x4 vectors per tile row

// Cache blocks: an A block kMC x kKC (256 KB) stays in L2 while the B panels stream past it;
// a B block kKC x kNC (512 KB) is reused by every A block of its column range. The packed B block
// and the rows it is packed from fit the 1 MB L2 together, so the kernel reads it back from L2.
// Measured against kKC x kNC = 256 x 1024 (a 1 MB block): +2 to 8% at the training shapes;
// 512 x 512 and 384 x 512 were within noise of 512 x 256, 512 x 768 a little below.
constexpr int kKC = 512;
constexpr int kMC = 128 / kMR * kMR;   // a whole number of A panels
constexpr int kNC = 256 / kNR * kNR;   // a whole number of B panels

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

// op(X)(i, p) = data[i * row + p * step]: any row-major operand, transposed or not. For op(B) the
// Operand describes op(B)^T, so that "lines" (i) are always the side the panels run across.
struct Operand {
  const float* data;
  int row, step;
  const float* at(int i, int p) const { return data + i * row + p * step; }
};

// Packs one panel: `lines` (<= W) lines of kc steps into dst[p * W + l], zero-filling lines
// lines..W-1. Element (line l, step p) of the source sits at src[l * line_stride + p * step_stride].
// Full panels whose lines are contiguous along the steps (A, or B^T) use 4 x 4 register transposes.
// The loops walk pointers: index products (p * stride) cost V8 a multiply and a register each.
template <int W>
void pack_panel(const float* src, int line_stride, int step_stride, int lines, int kc, float* dst) {
  int p = 0;
  if constexpr (W % 4 == 0) {
    if (lines == W && step_stride == 1) {
      const float* s = src;
      float* d = dst;
      for (; p + 4 <= kc; p += 4, s += 4, d += 4 * W) {
        for (int l = 0; l < W; l += 4) {
          const float* q = s + l * line_stride;
          v128_t r0 = wasm_v128_load(q), r1 = wasm_v128_load(q + line_stride);
          v128_t r2 = wasm_v128_load(q + 2 * line_stride), r3 = wasm_v128_load(q + 3 * line_stride);
          transpose4(r0, r1, r2, r3);
          wasm_v128_store(d + l, r0);
          wasm_v128_store(d + W + l, r1);
          wasm_v128_store(d + 2 * W + l, r2);
          wasm_v128_store(d + 3 * W + l, r3);
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
        const int steps = std::min(kc - p0, kSteps);
        const float* s_row = src + p0 * step_stride;
        float* d_panel = dst + p0 * W;
        for (int l = 0; l < full; l += W, d_panel += W * kc) {
          const float* s = s_row + l;
          float* d = d_panel;
          for (int p = 0; p < steps; ++p, s += step_stride, d += W)
            for (int v = 0; v < W / 4; ++v) wasm_v128_store(d + 4 * v, wasm_v128_load(s + 4 * v));
        }
      }
    }
  }
  for (int l = full; l < lines; l += W)
    pack_panel<W>(src + l * line_stride, line_stride, step_stride, std::min(W, lines - l), kc, dst + l * kc);
}

// Tile (r, j) of the result = alpha * sum_p a[p][r] b[p][j] + beta * (its element of C), for
// r < mr <= kMR, j < nr <= kNR. a and b are packed panels; beta == 0 never reads C. The tile's
// element (r, j) is C[r * ldc + j], or C[j * ldc + r] when kTransposed (the caller computes C^T).
template <bool kTransposed>
__attribute__((always_inline)) inline void micro_kernel(int kc, const float* a, const float* b, float alpha,
                                                        float beta, float* c, int ldc, int mr, int nr) {
  v128_t acc[kMR][kNV];
  for (int r = 0; r < kMR; ++r)
    for (int v = 0; v < kNV; ++v) acc[r][v] = wasm_f32x4_splat(0.0f);

  // The loop ends on a pointer, not a counter: V8 then keeps no step count, one add and one
  // compare fewer per step of 22 instructions (+2 to 5% at the training shapes).
  for (const float* const a_end = a + kc * kMR; a != a_end; a += kMR, b += kNR) {
    v128_t bv[kNV];
    for (int v = 0; v < kNV; ++v) bv[v] = wasm_v128_load(b + 4 * v);
    for (int r = 0; r < kMR; ++r) {
      const v128_t ar = wasm_v128_load32_splat(a + r);
      for (int v = 0; v < kNV; ++v) acc[r][v] = wasm_f32x4_add(acc[r][v], wasm_f32x4_mul(ar, bv[v]));
    }
  }

  if (alpha != 1.0f) {
    const v128_t va = wasm_f32x4_splat(alpha);
    for (int r = 0; r < kMR; ++r)
      for (int v = 0; v < kNV; ++v) acc[r][v] = wasm_f32x4_mul(acc[r][v], va);
  }
  const v128_t vb = wasm_f32x4_splat(beta);
  const auto store = [&](float* cp, v128_t x) {
    if (beta == 1.0f) x = wasm_f32x4_add(x, wasm_v128_load(cp));
    else if (beta != 0.0f) x = wasm_f32x4_add(x, wasm_f32x4_mul(vb, wasm_v128_load(cp)));
    wasm_v128_store(cp, x);
  };

  if (mr == kMR && nr == kNR) {
    if constexpr (kTransposed) {
      static_assert(kMR == 4, "the transposed store moves 4 x 4 blocks");
      for (int v = 0; v < kNV; ++v) {
        transpose4(acc[0][v], acc[1][v], acc[2][v], acc[3][v]);  // acc[q][v] is now row 4v + q of C
        for (int q = 0; q < 4; ++q) store(c + (4 * v + q) * ldc, acc[q][v]);
      }
    } else {
      for (int r = 0; r < kMR; ++r)
        for (int v = 0; v < kNV; ++v) store(c + r * ldc + 4 * v, acc[r][v]);
    }
    return;
  }
  // Ragged tile: spill the accumulators and write only the part inside C.
  alignas(16) float tile[kMR][kNR];
  for (int r = 0; r < kMR; ++r)
    for (int v = 0; v < kNV; ++v) wasm_v128_store(&tile[r][4 * v], acc[r][v]);
  for (int r = 0; r < mr; ++r) {
    for (int j = 0; j < nr; ++j) {
      float& cell = kTransposed ? c[j * ldc + r] : c[r * ldc + j];
      cell = beta == 0.0f ? tile[r][j] : tile[r][j] + beta * cell;
    }
  }
}

// All the tiles of an mc x nc block of C from packed A (mc rows) and packed B (nc columns).
// Its own wasm function, called through a pointer so that neither LLVM nor Binaryen inlines it
// into the driver: V8 then allocates the kernel's registers by themselves, whatever the driver
// around it looks like (the kernel inlined into a larger function measured 0.80-0.92 of the peak
// depending on unrelated edits there). Its k loop is nested in two loops, which is what makes
// V8 unroll it (about 4 times: one stack check per 4 k steps instead of one per step; the same
// kernel as an unnested loop ran at 0.73).
template <bool kTransposed>
void block_kernel(int mc, int nc, int kc, const float* apack, const float* bpack, float alpha, float beta, float* c,
                  int ldc) {
  for (int jr = 0; jr < nc; jr += kNR) {
    for (int ir = 0; ir < mc; ir += kMR) {
      float* tile = kTransposed ? c + jr * ldc + ir : c + ir * ldc + jr;
      micro_kernel<kTransposed>(kc, apack + ir * kc, bpack + jr * kc, alpha, beta, tile, ldc, std::min(kMR, mc - ir),
                                std::min(kNR, nc - jr));
    }
  }
}
using BlockKernel = void (*)(int, int, int, const float*, const float*, float, float, float*, int);
BlockKernel volatile block_kernel_rows = block_kernel<false>;
BlockKernel volatile block_kernel_transposed = block_kernel<true>;

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
constexpr int kBBufferFloats = kKC * kNC;
float* b_buffer() {
  static std::vector<float> buffer(static_cast<std::size_t>(kBBufferFloats));
  return buffer.data();
}

// The GotoBLAS loops above. C(i, j) is c[i * ldc + j], or c[j * ldc + i] when kTransposed.
template <bool kTransposed>
void blocked(int m, int n, int k, float alpha, Operand a, Operand bt, float beta, float* c, int ldc) {
  float* const apack = a_buffer();
  float* const bpack = b_buffer();
  BlockKernel kernel = kTransposed ? block_kernel_transposed : block_kernel_rows;
  // A short K (the weight gradients: K is the batch) leaves the B block small: widen it to the
  // same kKC x kNC floats, so that A is packed fewer times.
  const int nc_max = std::max(kNC, kBBufferFloats / std::min(k, kKC) / kNR * kNR);
  for (int jc = 0; jc < n; jc += nc_max) {
    const int nc = std::min(nc_max, n - jc);
    for (int pc = 0; pc < k; pc += kKC) {
      const int kc = std::min(kKC, k - pc);
      const float beta_here = pc == 0 ? beta : 1.0f;  // later K blocks add onto the first one's result
      pack_block<kNR>(bt.at(jc, pc), bt.row, bt.step, nc, kc, bpack);
      for (int ic = 0; ic < m; ic += kMC) {
        const int mc = std::min(kMC, m - ic);
        pack_block<kMR>(a.at(ic, pc), a.row, a.step, mc, kc, apack);
        kernel(mc, nc, kc, apack, bpack, alpha, beta_here, kTransposed ? c + jc * ldc + ic : c + ic * ldc + jc, ldc);
      }
    }
  }
}

// --- narrow C as dot products -------------------------------------------------------------------
// C(i, j) = alpha dot(a row i, bt row j) + beta C(i, j), both rows contiguous along k. A tile is
// R rows x N columns of C in R * N f32x4 partial sums (each lane sums every 4th step), reduced at
// the end. 4 x 2 holds 8 sums + 2 rows of bt + 1 of a + 1 product = 12 vectors, the same as the
// 4 x 8 micro-kernel, and loads the same 6 vectors per 16 arithmetic instructions; for 10 columns
// it wastes nothing (a 4 x 8 tile computes 16 columns for 10) and packs only the small bt.
template <int R, int N>
void dot_tile(int k, float alpha, const float* a, int lda, const float* bt, int ldbt, float beta, float* c, int ldc) {
  v128_t acc[R][N];
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < N; ++j) acc[r][j] = wasm_f32x4_splat(0.0f);
  int p = 0;
  for (; p + 4 <= k; p += 4) {
    v128_t b[N];
    for (int j = 0; j < N; ++j) b[j] = wasm_v128_load(bt + j * ldbt + p);
    for (int r = 0; r < R; ++r) {
      const v128_t x = wasm_v128_load(a + r * lda + p);
      for (int j = 0; j < N; ++j) acc[r][j] = wasm_f32x4_add(acc[r][j], wasm_f32x4_mul(x, b[j]));
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int j = 0; j < N; ++j) {
      const v128_t s = acc[r][j];
      float sum = (wasm_f32x4_extract_lane(s, 0) + wasm_f32x4_extract_lane(s, 1)) +
                  (wasm_f32x4_extract_lane(s, 2) + wasm_f32x4_extract_lane(s, 3));
      for (int q = p; q < k; ++q) sum += a[r * lda + q] * bt[j * ldbt + q];
      float& cell = c[r * ldc + j];
      cell = beta == 0.0f ? alpha * sum : alpha * sum + beta * cell;
    }
  }
}

// The dot tiles over all of C (m x n), bt holding op(B)^T (n rows of k).
template <int R>
void dot_rows(int n, int k, float alpha, const float* a, int lda, const float* bt, int ldbt, float beta, float* c,
              int ldc) {
  int j = 0;
  for (; j + 2 <= n; j += 2) dot_tile<R, 2>(k, alpha, a, lda, bt + j * ldbt, ldbt, beta, c + j, ldc);
  if (j < n) dot_tile<R, 1>(k, alpha, a, lda, bt + j * ldbt, ldbt, beta, c + j, ldc);
}

void dot_kernel_impl(int m, int n, int k, float alpha, const float* a, int lda, const float* bt, int ldbt, float beta,
                     float* c, int ldc) {
  int i = 0;
  for (; i + 4 <= m; i += 4) dot_rows<4>(n, k, alpha, a + i * lda, lda, bt, ldbt, beta, c + i * ldc, ldc);
  for (; i < m; ++i) dot_rows<1>(n, k, alpha, a + i * lda, lda, bt, ldbt, beta, c + i * ldc, ldc);
}
// Its own wasm function for the same reasons as block_kernel.
using DotKernel = void (*)(int, int, int, float, const float*, int, const float*, int, float, float*, int);
DotKernel volatile dot_kernel = dot_kernel_impl;

// dst (cols x rows, leading dimension ldd) = src^T (src: rows x cols, leading dimension lds), in
// 4 x 4 register transposes where whole blocks fit.
void transpose_into(int rows, int cols, const float* src, int lds, float* dst, int ldd) {
  int p = 0;
  for (; p + 4 <= rows; p += 4) {
    const float* s = src + p * lds;
    int j = 0;
    for (; j + 4 <= cols; j += 4) {
      v128_t r0 = wasm_v128_load(s + j), r1 = wasm_v128_load(s + lds + j);
      v128_t r2 = wasm_v128_load(s + 2 * lds + j), r3 = wasm_v128_load(s + 3 * lds + j);
      transpose4(r0, r1, r2, r3);
      wasm_v128_store(dst + j * ldd + p, r0);
      wasm_v128_store(dst + (j + 1) * ldd + p, r1);
      wasm_v128_store(dst + (j + 2) * ldd + p, r2);
      wasm_v128_store(dst + (j + 3) * ldd + p, r3);
    }
    for (; j < cols; ++j)
      for (int q = 0; q < 4; ++q) dst[j * ldd + p + q] = s[q * lds + j];
  }
  for (; p < rows; ++p)
    for (int j = 0; j < cols; ++j) dst[j * ldd + p] = src[p * lds + j];
}

constexpr int kDotMaxColumns = 12;  // up to here the dot products beat 4 x 8 tiles (10: 0.8 vs 0.45)

// Fraction of the micro-kernel's work that lands inside an m x n result (the rest is zero padding).
double tile_use(int m, int n) {
  const auto round_up = [](int x, int to) { return (x + to - 1) / to * to; };
  return static_cast<double>(m) / round_up(m, kMR) * static_cast<double>(n) / round_up(n, kNR);
}

}  // namespace

void gemm_simd128(Transpose ta, Transpose tb, int m, int n, int k, float alpha, const float* a, int lda,
                  const float* b, int ldb, float beta, float* c, int ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0.0f) return scale(m, n, beta, c, ldc);

  // op(A)(i, p) and op(B)^T(j, p), whatever the transposes.
  const Operand oa = ta == Transpose::Yes ? Operand{a, 1, lda} : Operand{a, lda, 1};
  const Operand obt = tb == Transpose::Yes ? Operand{b, ldb, 1} : Operand{b, 1, ldb};

  // Few columns, rows of op(A) along K (the output layer's forward product): dot products, with
  // op(B)^T copied into contiguous rows unless B^T already is that.
  if (n <= kDotMaxColumns && ta == Transpose::No && k >= 16 && n * (k + 8) <= kBBufferFloats) {
    if (tb == Transpose::Yes) return dot_kernel(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    const int ldbt = (k + 3) / 4 * 4 + 4;  // not a multiple of 4 KB: the rows' lines spread over L1 sets
    float* const bt = b_buffer();
    transpose_into(k, n, b, ldb, bt, ldbt);
    return dot_kernel(m, n, k, alpha, a, lda, bt, ldbt, beta, c, ldc);
  }
  // Other narrow C (the output layer's weight gradient X^T dY): C^T = op(B)^T op(A)^T, whose tiles
  // run along the long side. Only when it fills clearly more of the tiles (the store is dearer).
  if (tile_use(n, m) > 1.15 * tile_use(m, n)) return blocked<true>(n, m, k, alpha, obt, oa, beta, c, ldc);
  blocked<false>(m, n, k, alpha, oa, obt, beta, c, ldc);
}

}  // namespace fwdlab

#endif  // __wasm_simd128__
