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

// v = LeakyReLU(x + shift) for `rows` rows of `inner` values from row `row` (shift null: x).
// Without the shift, x itself: x + 0 would turn −0 into +0.
void leakyShifted(const float* x, const float* shift, float* v, int64_t row, int64_t rows, int64_t inner, float slope) {
  for (int64_t q = row; q < row + rows; q++) {
    const float* xq = x + q * inner;
    float* vq = v + q * inner;
    const float s = shift ? shift[q] : 0.0f;
#pragma GCC ivdep
    for (int64_t i = 0; i < inner; i++) {
      const float u = shift ? xq[i] + s : xq[i];
      vq[i] = u * slopeMask(u, slope);
    }
  }
}

// standardizeGrad with the LeakyReLU fixed at compile time. With wholeSlabs, each slab's sums
// and dx come in one task while the slab is in cache (as standardize).
template <bool kLeaky>
void standardizeGradWith(const float* dy, const float* x, const float* shift, const float* xhat, const float* rstd,
                         float* dx, float* dshift, int64_t outer, int64_t size, int64_t inner, float slope) {
  const float scale = 1.0f / static_cast<float>(size);
  const auto sums = [dy, xhat](int64_t at, int64_t) { return Sums<2>{dy[at], dy[at] * xhat[at]}; };
  // dx of `rows` rows from row `row`, given their slab's mean(dy) a, mean(dy · xhat) b and rstd
  // [inner], and dshift of those rows.
  const auto write = [&](int64_t row, int64_t rows, const float* a, const float* b, const float* r) {
    for (int64_t q = row; q < row + rows; q++) {
      const int64_t at = q * inner;
      const float s = shift ? shift[q] : 0.0f;  // slopeMask(x + 0) is slopeMask(x): ±0 both take the slope
#pragma GCC ivdep
      for (int64_t i = 0; i < inner; i++) {
        const float g = r[i] * (dy[at + i] - a[i] - xhat[at + i] * b[i]);
        dx[at + i] = kLeaky ? g * slopeMask(x[at + i] + s, slope) : g;
      }
      if (dshift) dshift[q] = contiguousSums<1>([dx](int64_t k, int64_t) { return Sums<1>{dx[k]}; }, at, inner, 0)[0];
    }
  };
  if (wholeSlabs(outer, size, inner)) {
    forSlabs(outer, size, inner, [&](int64_t o) {
      std::vector<float> means(static_cast<size_t>(2 * inner), 0.0f);
      addRows<2>(means.data(), inner, o * size * inner, size, inner, 0, sums);
      for (float& m : means) m *= scale;
      write(o * size, size, means.data(), means.data() + inner, rstd + o * inner);
    });
    return;
  }
  const int64_t stats = outer * inner;
  std::vector<float> dyMean(static_cast<size_t>(stats)), projection(static_cast<size_t>(stats));
  columnSums<2>(outer, size, inner, {dyMean.data(), projection.data()}, sums);
  for (int64_t j = 0; j < stats; j++) dyMean[j] *= scale, projection[j] *= scale;
  forRows(outer, size, inner, [&](int64_t at, int64_t j) {
    write(at / inner, 1, dyMean.data() + j, projection.data() + j, rstd + j);
  });
}

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

void standardize(const float* x, const float* shift, float* xhat, float* rstd, int64_t outer, int64_t size,
                 int64_t inner, float eps, float slope) {
  // v = LeakyReLU(x + shift) goes into xhat first, then is standardised in place; x as it is
  // needs no copy. With wholeSlabs, each slab's v, moments and output come in one task while the
  // slab is in cache: x is read from memory once, not three times, and the sums are columnSums'
  // own, so the results are the same bit for bit.
  const bool leakyOrShifted = shift != nullptr || slope != 1.0f;
  const float* v = leakyOrShifted ? xhat : x;
  // xhat of `rows` rows from `at`, given their slab's mean and rstd [inner].
  const auto write = [&](int64_t at, int64_t rows, const float* mu, const float* r) {
    for (int64_t s = 0; s < rows; s++, at += inner) {
#pragma GCC ivdep
      for (int64_t i = 0; i < inner; i++) xhat[at + i] = (v[at + i] - mu[i]) * r[i];
    }
  };
  if (wholeSlabs(outer, size, inner)) {
    const float scale = 1.0f / static_cast<float>(size);
    forSlabs(outer, size, inner, [&](int64_t o) {
      const int64_t at = o * size * inner;
      if (leakyOrShifted) leakyShifted(x, shift, xhat, o * size, size, inner, slope);
      std::vector<float> moments(static_cast<size_t>(2 * inner), 0.0f);
      float* mu = moments.data();
      float* variance = mu + inner;
      addRows<1>(mu, inner, at, size, inner, 0, [v](int64_t a, int64_t) { return Sums<1>{v[a]}; });
      for (int64_t i = 0; i < inner; i++) mu[i] *= scale;
      addRows<1>(variance, inner, at, size, inner, 0, [v, mu](int64_t a, int64_t i) {
        const float d = v[a] - mu[i];
        return Sums<1>{d * d};
      });
      float* r = rstd + o * inner;
      for (int64_t i = 0; i < inner; i++) r[i] = 1.0f / std::sqrt(variance[i] * scale + eps);
      write(at, size, mu, r);
    });
    return;
  }
  if (leakyOrShifted) {
    forRows(outer, size, inner, [&](int64_t at, int64_t) { leakyShifted(x, shift, xhat, at / inner, 1, inner, slope); });
  }
  std::vector<float> mean(static_cast<size_t>(outer * inner));
  moments(v, mean.data(), rstd, outer, size, inner);
  for (int64_t j = 0; j < outer * inner; j++) rstd[j] = 1.0f / std::sqrt(rstd[j] + eps);
  forRows(outer, size, inner, [&](int64_t at, int64_t j) { write(at, 1, mean.data() + j, rstd + j); });
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

void standardizeGrad(const float* dy, const float* x, const float* shift, const float* xhat, const float* rstd,
                     float* dx, float* dshift, int64_t outer, int64_t size, int64_t inner, float slope) {
  if (x != nullptr) {
    standardizeGradWith<true>(dy, x, shift, xhat, rstd, dx, dshift, outer, size, inner, slope);
  } else {
    standardizeGradWith<false>(dy, x, shift, xhat, rstd, dx, dshift, outer, size, inner, slope);
  }
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
