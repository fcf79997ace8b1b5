// Direct NHWC convolutions for few channels (a first layer on grey images, a 1D conv over a
// handful of channels): there an im2col row holds only fH·fW·inC values and the product has
// few output channels, too little work per value for sgemm to repay copying x into patches.
// Each kernel reads x (or dy) in place and accumulates blocks of output channels in registers.
// Results do not depend on the thread count: every sum runs in an order fixed by the shapes.
#pragma once
#include "kernels.h"

namespace paramdiff {

// Whether the direct kernels are the faster choice for g: a patch of at most 16 values and at
// most 16 output channels.
bool directConvFits(const ConvGeometry& g);

// The same contracts as conv2d, conv2dBackpropInput and conv2dBackpropFilter in kernels.h.
void directConv2d(const float* x, const float* filter, float* y, const ConvGeometry& g);
void directConv2dBackpropInput(const float* dy, const float* filter, float* dx, const ConvGeometry& g);
void directConv2dBackpropFilter(const float* x, const float* dy, float* dfilter, const ConvGeometry& g);

}  // namespace paramdiff
