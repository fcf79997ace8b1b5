// Standardisation over the middle axis (instance norm; batch norm as [1, N·H·W, C]) and training
// batch norm with its affine map and ReLU fused, forward and backward, for the 'native' backend.
// Pure C++, no Node-API. Sums run in an order fixed by the shapes (row-tasks.h).
#pragma once
#include <cstdint>

namespace paramdiff {

// x viewed as [outer, size, inner], standardised over size: xhat = (x − mean) · rstd with
// rstd = 1/√(var + eps), the biased variance; rstd is [outer, inner]. (Instance norm over a
// length, batch norm over N·H·W.)
void standardize(const float* x, float* xhat, float* rstd, int64_t outer, int64_t size, int64_t inner, float eps);

// The gradient of standardize: dx = rstd · (dy − mean_s(dy) − xhat · mean_s(dy · xhat)).
void standardizeGrad(const float* dy, const float* xhat, const float* rstd, float* dx, int64_t outer, int64_t size,
                     int64_t inner);

// Training batch norm of x [size, inner] (N·H·W positions of C channels) with the statistics of
// standardize: y = act(xhat · gamma + beta), act ReLU or the identity; also mean and the biased
// variance [inner] (for the running estimates) and rstd [inner] (for the gradient).
void batchNorm(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* variance,
               float* rstd, int64_t size, int64_t inner, float eps, bool relu);

// Its gradient, with xhat = (x − mean) · rstd recomputed and g = dy (under ReLU, dy where y > 0;
// y null: no activation): dbeta = Σ g, dgamma = Σ g · xhat and dx as standardizeGrad gives it
// for dy = g · gamma.
void batchNormGrad(const float* dy, const float* x, const float* y, const float* gamma, const float* mean,
                   const float* rstd, float* dx, float* dgamma, float* dbeta, int64_t size, int64_t inner);

}  // namespace paramdiff
