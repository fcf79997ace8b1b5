// Standardisation over the middle axis (instance norm; batch norm as [1, N·H·W, C]) and training
// batch norm with its affine map and ReLU fused, forward and backward, for the 'native' backend.
// Pure C++, no Node-API. Sums run in an order fixed by the shapes (row-tasks.h).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace paramdiff {

// LeakyReLU's slope mask, tfjs's step(x, slope): 1 where x > 0, slope elsewhere, NaN for NaN.
// LeakyReLU is x · mask, its gradient dy · mask; slope 1 is the identity. Chosen on x's bits
// with integer masks (all ones or zero), as batchNormGrad's ReLU: GCC vectorises them, where
// float compares or selects kept a branch per element (10× slower on random signs).
inline float slopeMask(float x, float slope) {
  int32_t bits = 0, one = 0, low = 0;
  const float unit = 1.0f;
  std::memcpy(&bits, &x, sizeof bits);
  std::memcpy(&one, &unit, sizeof one);
  std::memcpy(&low, &slope, sizeof low);
  const int32_t positive = -static_cast<int32_t>(bits > 0);  // sign clear and not +0 (NaN too, overridden)
  const int32_t nan = -static_cast<int32_t>((bits & 0x7fffffff) > 0x7f800000);
  const int32_t mask = (bits & nan) | (((one & positive) | (low & ~positive)) & ~nan);
  float out = 0.0f;
  std::memcpy(&out, &mask, sizeof out);
  return out;
}

// v = LeakyReLU(x + shift) viewed as [outer, size, inner], standardised over size: xhat =
// (v − mean) · rstd with rstd = 1/√(var + eps), the biased variance; rstd is [outer, inner].
// shift [outer, size] adds one value per row (the denoiser's timestep embedding; null: none);
// slope 1 is no LeakyReLU. (Instance norm over a length, batch norm over N·H·W.) The float
// results of the ops apart: v is x + shift, then times slopeMask, as tfjs's Add and LeakyReLU.
void standardize(const float* x, const float* shift, float* xhat, float* rstd, int64_t outer, int64_t size,
                 int64_t inner, float eps, float slope);

// The gradient of standardize: dx = rstd · (dy − mean_s(dy) − xhat · mean_s(dy · xhat)), times
// slopeMask(x + shift) when x is not null. dshift [outer, size], when not null, is Σ over inner
// of dx, each row summed as reduce sums it (pointwise.h): the gradient of shift.
void standardizeGrad(const float* dy, const float* x, const float* shift, const float* xhat, const float* rstd,
                     float* dx, float* dshift, int64_t outer, int64_t size, int64_t inner, float slope);

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

// x [n, h, w, c] under a pooling: the 2×2 max pool with stride 2 (h and w even), pooled
// [n, h/2, w/2, c], or the mean over the h·w positions, pooled [n, c].
struct PoolDims {
  int64_t n, h, w, c;
};

enum class Pooling { Max2x2 = 0, Mean = 1 };

// batchNorm with ReLU, then the pooling, without writing y (norm-pool.cc): the pooled output,
// the mean, the biased variance and rstd [c]. The values of batchNorm then maxPool2x2 or the Mean
// kernel, bit for bit.
void batchNormReluPool(Pooling pooling, const float* x, const float* gamma, const float* beta, float* pooled,
                       float* mean, float* variance, float* rstd, const PoolDims& d, float eps);

// Its gradient from the pooled output's, y recomputed from x for the pool's and ReLU's masks; the
// values of the pooling's gradient then batchNormGrad, bit for bit (for c > 1).
void batchNormReluPoolGrad(Pooling pooling, const float* dyPooled, const float* x, const float* gamma,
                           const float* beta, const float* mean, const float* rstd, float* dx, float* dgamma,
                           float* dbeta, const PoolDims& d);

// Inference batch norm as a per-channel affine map, then ReLU and the pooling, one pass over x:
// pooled = pool(max(x · scale + shift, 0)), the values of the Multiply, Add, Relu and pooling
// kernels.
void affineReluPool(Pooling pooling, const float* x, const float* scale, const float* shift, float* pooled,
                    const PoolDims& d);

// The mean pooling's gradient for scale and shift, from the pooled output's: the taped ops'
// values, bit for bit (for c > 1).
void affineReluMeanGrad(const float* dyMean, const float* x, const float* scale, const float* shift, float* dscale,
                        float* dshift, const PoolDims& d);

// mean and the biased variance [outer, inner] of x [outer, size, inner] over size (two passes).
void moments(const float* x, float* mean, float* variance, int64_t outer, int64_t size, int64_t inner);

// The input gradient of training batch norm once dbeta = Σ g and dgamma = Σ g · xhat are known:
// dx = rstd · (dxhat − mean(dxhat) − xhat · mean(dxhat · xhat)) with dxhat = g · gamma, per element.
class InputGrad {
 public:
  InputGrad(const float* gamma, const float* mean, const float* rstd, const float* dbeta, const float* dgamma,
            int64_t size, int64_t inner)
      : gamma_(gamma), mean_(mean), rstd_(rstd), a_(static_cast<size_t>(inner)), b_(static_cast<size_t>(inner)) {
    const float scale = 1.0f / static_cast<float>(size);
    for (int64_t i = 0; i < inner; i++) a_[i] = gamma[i] * dbeta[i] * scale, b_[i] = gamma[i] * dgamma[i] * scale;
  }

  // dx of channel i from its g and x.
  float operator()(float g, float x, int64_t i) const {
    const float xhat = (x - mean_[i]) * rstd_[i];
    return rstd_[i] * (g * gamma_[i] - a_[i] - xhat * b_[i]);
  }

 private:
  const float* gamma_;
  const float* mean_;
  const float* rstd_;
  std::vector<float> a_, b_;
};

}  // namespace paramdiff
