// Float32 kernels over OpenBLAS for the 'native' tfjs backend: batched matmul and NHWC conv2d
// (forward and both gradients) as blocked im2col + sgemm, run on the pool of pool.h.
// Pure C++, no Node-API: addon.cc binds them.
#pragma once
#include <cstdint>

namespace paramdiff {

// out[i] = op(a[aIndex[i]]) · op(b[bIndex[i]]) for i < batch (the indices spell out the batch
// broadcast). op transposes when the flag is set: a holds [m, k] (or [k, m]) matrices, b [k, n]
// (or [n, k]), out [m, n].
void batchMatMul(const float* a, const float* b, float* out, const int32_t* aIndex, const int32_t* bIndex,
                 int64_t batch, int64_t m, int64_t k, int64_t n, bool transA, bool transB);

// The geometry of one NHWC conv2d, as tfjs's computeConv2DInfo resolves it.
struct ConvGeometry {
  int64_t batch, inH, inW, inC;       // x [batch, inH, inW, inC]
  int64_t filterH, filterW, outC;     // filter [filterH, filterW, inC, outC]
  int64_t outH, outW;                 // y [batch, outH, outW, outC]
  int64_t strideH, strideW, dilationH, dilationW;
  int64_t padTop, padLeft;            // bottom/right padding follows from the sizes above
};

// y = conv2d(x, filter).
void conv2d(const float* x, const float* filter, float* y, const ConvGeometry& g);
// dx = the gradient of Σ dy ⊙ conv2d(x, filter) with respect to x.
void conv2dBackpropInput(const float* dy, const float* filter, float* dx, const ConvGeometry& g);
// dfilter = the gradient of Σ dy ⊙ conv2d(x, filter) with respect to filter.
void conv2dBackpropFilter(const float* x, const float* dy, float* dfilter, const ConvGeometry& g);

// Activations fused after a product (tfjs's _FusedMatMul / FusedConv2D), by tfjs name.
enum class Activation { Linear = 0, Relu = 1 };

// out[i] = act(out[i] + bias[i % biasSize]) over `size` values; bias may be null.
void biasActivation(float* out, int64_t size, const float* bias, int64_t biasSize, Activation act);

// Makes OpenBLAS single-threaded: the kernels split their work into tasks for the pool instead.
void init();

// Threads of the pool (PARAMDIFF_NATIVE_THREADS, else the CPUs this process may use).
int threads();

}  // namespace paramdiff
