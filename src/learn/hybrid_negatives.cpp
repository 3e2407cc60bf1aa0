#include "learn/hybrid_negatives.h"

#include <algorithm>

namespace fwdlab {
namespace {

// One pass of [1/4, 1/2, 1/4] along the rows of an image (dx = 1) or its columns (dx = width),
// with clamped borders: out[p] = (in[p - d] + 2 in[p] + in[p + d]) / 4.
void blur_horizontal(const float* in, float* out, int height, int width) {
  for (int r = 0; r < height; ++r) {
    const float* row = in + r * width;
    float* dst = out + r * width;
    for (int c = 0; c < width; ++c) {
      const float left = row[std::max(c - 1, 0)];
      const float right = row[std::min(c + 1, width - 1)];
      dst[c] = 0.25f * left + 0.5f * row[c] + 0.25f * right;
    }
  }
}

void blur_vertical(const float* in, float* out, int height, int width) {
  for (int r = 0; r < height; ++r) {
    const float* up = in + std::max(r - 1, 0) * width;
    const float* mid = in + r * width;
    const float* down = in + std::min(r + 1, height - 1) * width;
    float* dst = out + r * width;
    for (int c = 0; c < width; ++c) dst[c] = 0.25f * up[c] + 0.5f * mid[c] + 0.25f * down[c];
  }
}

}  // namespace

void make_hybrid_masks(Rng& rng, int rows, int height, int width, int passes, Matrix& masks, Matrix& scratch) {
  const int pixels = height * width;
  masks.resize(rows, pixels);
  scratch.resize(1, pixels);
  for (int i = 0; i < rows; ++i) {
    float* mask = masks.row(i).data();
    for (int p = 0; p < pixels; ++p) mask[p] = (rng.next_u64() >> 63) ? 1.0f : 0.0f;
    for (int k = 0; k < passes; ++k) {
      blur_horizontal(mask, scratch.data(), height, width);
      blur_vertical(scratch.data(), mask, height, width);
    }
    for (int p = 0; p < pixels; ++p) mask[p] = mask[p] > 0.5f ? 1.0f : 0.0f;
  }
}

void make_hybrid_negatives(Rng& rng, const Matrix& x, int height, int width, Matrix& negatives, Matrix& masks,
                           Matrix& scratch) {
  const int rows = static_cast<int>(x.rows());
  make_hybrid_masks(rng, rows, height, width, kHybridBlurPasses, masks, scratch);
  negatives.resize(rows, x.cols());
  for (int i = 0; i < rows; ++i) {
    const int j = rows > 1 ? (i + 1 + static_cast<int>(rng.below(static_cast<std::uint32_t>(rows - 1)))) % rows : i;
    negatives.row(i) = x.row(j) + (x.row(i) - x.row(j)).cwiseProduct(masks.row(i));
  }
}

}  // namespace fwdlab
