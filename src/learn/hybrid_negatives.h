// Negative data for unsupervised Forward-Forward (Hinton 2022, section 3.2): hybrid images that
// keep the short-range correlations of real digits but have wrong long-range shapes.
//
//   mask = random bits, blurred `passes` times with [1/4, 1/2, 1/4] horizontally and vertically,
//          then thresholded at 0.5 (large smooth blobs of ones and zeros)
//   negative = digit A * mask + digit B * (1 - mask)
#pragma once

#include "core/rng.h"
#include "core/tensor.h"

namespace fwdlab {

// Blur passes used by the trainer: enough for blobs a few pixels across on a 28 x 28 image.
constexpr int kHybridBlurPasses = 6;

// One 0/1 mask per row of `masks` (rows x (height * width), row-major images). `scratch` is
// reused between calls. Borders are blurred with clamped (replicated) edges so they are not
// biased towards zero.
void make_hybrid_masks(Rng& rng, int rows, int height, int width, int passes, Matrix& masks, Matrix& scratch);

// negatives.row(i) = x.row(i) * mask_i + x.row(j) * (1 - mask_i) with j != i drawn uniformly
// from the other rows of the batch (j = i when the batch has a single row).
void make_hybrid_negatives(Rng& rng, const Matrix& x, int height, int width, Matrix& negatives, Matrix& masks,
                           Matrix& scratch);

}  // namespace fwdlab
