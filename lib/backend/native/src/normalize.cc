// See normalize.h: the statistics over the middle axis as column sums (row-tasks.h), then one
// pass that writes the output. Outputs never overlap inputs: `GCC ivdep` spares the loops over a
// row the alias checks that GCC would otherwise run before each row (rows of 16 to 64 values).
#include "normalize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "row-tasks.h"

namespace paramdiff {

// The variance from deviations (two passes), as the composite ops compute it: no cancellation.
void moments(const float* x, float* mean, float* variance, int64_t outer, int64_t size, int64_t inner) {
  const float scale = 1.0f / static_cast<float>(size);
  columnSums(outer, size, inner, mean, [x](int64_t at, int64_t) { return x[at]; });
  for (int64_t j = 0; j < outer * inner; j++) mean[j] *= scale;
  columnSums(outer, size, inner, variance, [x, mean](int64_t at, int64_t j) {
    const float d = x[at] - mean[j];
    return d * d;
  });
  for (int64_t j = 0; j < outer * inner; j++) variance[j] *= scale;
}

namespace {

// dy, or under ReLU dy where y > 0 (else +0). y is a ReLU output (+0, −0 or positive), so
// y > 0 is its bits read as a positive int32: an integer mask that vectorises, where the float
// compare (even as a multiply by the mask) kept a mispredicted branch per element.
template <bool kRelu>
inline float masked(const float* dy, const float* y, int64_t at) {
  if (!kRelu) return dy[at];
  int32_t yBits = 0, dyBits = 0;
  std::memcpy(&yBits, y + at, sizeof yBits);
  std::memcpy(&dyBits, dy + at, sizeof dyBits);
  const int32_t kept = dyBits & -static_cast<int32_t>(yBits > 0);
  float out = 0.0f;
  std::memcpy(&out, &kept, sizeof out);
  return out;
}

// batchNormGrad with the activation fixed at compile time.
template <bool kRelu>
void batchNormGradWith(const float* dy, const float* x, const float* y, const float* gamma, const float* mean,
                       const float* rstd, float* dx, float* dgamma, float* dbeta, int64_t size, int64_t inner) {
  columnSums<2>(1, size, inner, {dbeta, dgamma}, [dy, y, x, mean, rstd](int64_t at, int64_t j) {
    const float g = masked<kRelu>(dy, y, at);
    return Sums<2>{g, g * ((x[at] - mean[j]) * rstd[j])};
  });
  const InputGrad dxOf(gamma, mean, rstd, dbeta, dgamma, size, inner);
  forRows(1, size, inner, [=, &dxOf](int64_t at, int64_t) {
#pragma GCC ivdep
    for (int64_t i = 0; i < inner; i++) dx[at + i] = dxOf(masked<kRelu>(dy, y, at + i), x[at + i], i);
  });
}

}  // namespace

void standardize(const float* x, float* xhat, float* rstd, int64_t outer, int64_t size, int64_t inner, float eps) {
  std::vector<float> mean(static_cast<size_t>(outer * inner));
  moments(x, mean.data(), rstd, outer, size, inner);
  for (int64_t j = 0; j < outer * inner; j++) rstd[j] = 1.0f / std::sqrt(rstd[j] + eps);
  const float* mu = mean.data();
  forRows(outer, size, inner, [&](int64_t at, int64_t j) {
#pragma GCC ivdep
    for (int64_t i = 0; i < inner; i++) xhat[at + i] = (x[at + i] - mu[j + i]) * rstd[j + i];
  });
}

void batchNorm(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* variance,
               float* rstd, int64_t size, int64_t inner, float eps, bool relu) {
  moments(x, mean, variance, 1, size, inner);
  for (int64_t i = 0; i < inner; i++) rstd[i] = 1.0f / std::sqrt(variance[i] + eps);
  // max(v, −∞) is v: one loop for both activations, without a branch per element.
  const float floor = relu ? 0.0f : -std::numeric_limits<float>::infinity();
  forRows(1, size, inner, [&](int64_t at, int64_t) {
#pragma GCC ivdep
    for (int64_t i = 0; i < inner; i++) y[at + i] = std::max((x[at + i] - mean[i]) * rstd[i] * gamma[i] + beta[i], floor);
  });
}

void standardizeGrad(const float* dy, const float* xhat, const float* rstd, float* dx, int64_t outer, int64_t size,
                     int64_t inner) {
  const int64_t stats = outer * inner;
  const float scale = 1.0f / static_cast<float>(size);
  std::vector<float> dyMean(static_cast<size_t>(stats)), projection(static_cast<size_t>(stats));
  columnSums<2>(outer, size, inner, {dyMean.data(), projection.data()},
                [dy, xhat](int64_t at, int64_t) { return Sums<2>{dy[at], dy[at] * xhat[at]}; });
  for (int64_t j = 0; j < stats; j++) dyMean[j] *= scale, projection[j] *= scale;
  const float* a = dyMean.data();
  const float* b = projection.data();
  forRows(outer, size, inner, [&](int64_t at, int64_t j) {
#pragma GCC ivdep
    for (int64_t i = 0; i < inner; i++) dx[at + i] = rstd[j + i] * (dy[at + i] - a[j + i] - xhat[at + i] * b[j + i]);
  });
}

void batchNormGrad(const float* dy, const float* x, const float* y, const float* gamma, const float* mean,
                   const float* rstd, float* dx, float* dgamma, float* dbeta, int64_t size, int64_t inner) {
  if (y != nullptr) {
    batchNormGradWith<true>(dy, x, y, gamma, mean, rstd, dx, dgamma, dbeta, size, inner);
  } else {
    batchNormGradWith<false>(dy, x, y, gamma, mean, rstd, dx, dgamma, dbeta, size, inner);
  }
}

}  // namespace paramdiff
