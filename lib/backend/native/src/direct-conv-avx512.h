// AVX-512 versions of two direct-conv.cc loops for exactly 16 output channels (one vector):
// ConvNet-S's conv1 forward and filter gradient. Each sum takes the same products in the same
// order as the portable loops, with separate multiplies and adds (no fused multiply-add), so
// the results are the same bit for bit; only more sums are in flight at once. Taps in the
// padding read zeros from a padded window: adding a product ±0 leaves a sum unchanged (a sum
// that starts from +0 is never −0).
#pragma once
#include "kernels.h"

namespace paramdiff {

// Whether the kernels below run: AVX-512, 16 output channels, a patch of 1 to 16 values, outW ≥ 1.
bool directAvx512Fits(const ConvGeometry& g);

// Output lines [l0, l1) (line = n·outH + oy) of conv2d: for each output, Σ over the taps
// (fy, fx) and channels c in that order, from 0.
void directAvx512Lines(const float* x, const float* filter, float* y, const ConvGeometry& g, int64_t l0, int64_t l1);

// sum = the filter gradient over batch items [n0, n1): for each filter value, one chain over
// (n, oy, ox) in that order, from 0.
void directAvx512FilterItems(const float* x, const float* dy, float* sum, const ConvGeometry& g, int64_t n0, int64_t n1);

}  // namespace paramdiff
