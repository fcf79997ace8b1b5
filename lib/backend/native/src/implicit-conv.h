// Convolutions computed straight from a zero-padded window of the input, without an im2col
// matrix (which cost more than the products themselves for ConvNet-S's conv2 and conv3). On
// CPUs with AVX-512, register tiles of output positions × 16-channel vectors accumulate with
// fused multiply-adds, each output in the order that OpenBLAS's sgemm adds the im2col matrix's
// products up at these sizes (one chain over k): results equal those of im2col + sgemm bit for
// bit. Each output is summed whole by one task: nothing depends on the thread count.
#pragma once
#include "kernels.h"

namespace paramdiff {

// How each output's sum over the taps (fy, fx) and the input channels c is taken.
enum class TapSums {
  Chain,   // one chain over (fy, fx, c) in that order: sgemm on the im2col matrix (conv2d)
  PerTap,  // a chain over c per tap, added to the total in tap order: sgemm, then col2im's sums
};

// y = conv2d(x, filter) with sums taken as `sums` says. Returns false, writing nothing, where
// the kernels do not run: no AVX-512, or outC not a multiple of 16.
bool implicitConv2d(const float* x, const float* filter, float* y, const ConvGeometry& g, TapSums sums);

// dfilter = the gradient of Σ dy ⊙ conv2d(x, filter) with respect to filter, under the same
// conditions. Its order is its own, not sgemm's: one chain over each image's output positions,
// the images' chains added in order within 8 groups of images, the groups' sums then in order.
bool implicitConv2dBackpropFilter(const float* x, const float* dy, float* dfilter, const ConvGeometry& g);

}  // namespace paramdiff
