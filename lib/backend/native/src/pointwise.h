// Float32 elementwise kernels, reductions, the max pool and its gradient for the 'native' backend:
// the memory-bound ops between the products, which on wasm run single-threaded (and, for
// reductions over leading axes, after a transpose). Pure C++, no Node-API.
// Elementwise results do not depend on how the work is split; sums are taken in an order fixed
// by the shapes alone, so every result is reproducible bit for bit whatever the thread count.
#pragma once
#include <cstdint>

#include "kernels.h"

namespace paramdiff {

// Binary ops by code (tfjs kernel in brackets).
enum class BinaryOp { Add = 0, Sub = 1, Mul = 2, Div = 3, SquaredDifference = 4 };

// out[i] = a[ai] op b[bi] over out's `rank` dims `shape`; ai and bi follow the strides (0 on a
// broadcast dim). rank ≥ 1.
void binary(BinaryOp op, const float* a, const float* b, float* out, int rank, const int64_t* shape,
            const int64_t* aStrides, const int64_t* bStrides);

// Unary ops by code; `alpha` is Step's value where x ≤ 0.
enum class UnaryOp { Relu = 0, Step = 1, Square = 2 };

void unary(UnaryOp op, const float* x, float* out, int64_t size, float alpha);

enum class ReduceOp { Sum = 0, Mean = 1 };

// x viewed as [outer, size, inner]: out[o, i] = Σ_s x[o, s, i] (Mean: divided by size).
void reduce(ReduceOp op, const float* x, float* out, int64_t outer, int64_t size, int64_t inner);

// One Adam / AdamW step over n values, the float32 expressions of lib/optim/adam-update.ts in
// the same order: k = [decay, wd, b1, 1 − b1, b2, 1 − b2, 1 − b1ᵗ, 1 − b2ᵗ, eps, lr], decoupled
// decay multiplies p by `decay`, coupled decay adds wd·p to the gradient.
void adamUpdate(const float* p, const float* g, const float* m, const float* v, float* pOut, float* mOut, float* vOut,
                int64_t n, const float* k, bool decoupled);

// One EMA step over n values, the float32 expressions of lib/optim/ema-update.ts: out = avg ·
// decay + p · rest, rest = 1 − decay rounded on its own.
void emaUpdate(const float* avg, const float* p, float* out, int64_t n, float decay, float rest);

// One SGD step with momentum over n values, the float32 expressions of lib/optim/sgd-update.ts
// in the same order: k = [wd, momentum, lr]; g' = g + p·wd (when wd ≠ 0), buf' = buf·momentum + g',
// p' = p − buf'·lr.
void sgdUpdate(const float* p, const float* g, const float* buf, float* pOut, float* bufOut, int64_t n, const float* k);

// Whether g (as for maxPoolGrad) is a 2×2 max pool with stride 2 whose windows tile x exactly
// (no padding, even sizes): the pool that maxPool2x2 computes.
bool pools2x2(const ConvGeometry& g);

// y = the max pool of x for a pools2x2 geometry: each window's maximum per channel, NaN ignored
// (−∞ for a window of NaN), as tfjs's cpu backend.
void maxPool2x2(const float* x, float* y, const ConvGeometry& g);

// dx of an NHWC max pool (g.inC channels; g.filter*, g.out*, strides, dilations and padding as
// for a conv; outC unused): each window's dy goes to the first maximum of x in the window,
// in row-major order within the window (tfjs's rule).
void maxPoolGrad(const float* dy, const float* x, float* dx, const ConvGeometry& g);

}  // namespace paramdiff
