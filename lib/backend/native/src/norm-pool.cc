// Batch norm + ReLU + 2×2 max pool (normalize.h): the pooled output straight from x, and the
// gradient from the pooled output's with y recomputed from x. The same expressions in the same
// order as batchNorm, maxPool2x2, maxPoolGrad and batchNormGrad (normalize.cc, pointwise.cc), so
// the values are the unfused kernels' bit for bit (for c > 1; with one channel the sums' order differs).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "normalize.h"
#include "row-tasks.h"

namespace paramdiff {
namespace {

// y under ReLU, one element, as batchNorm computes it.
inline float bnRelu(float x, float mean, float rstd, float gamma, float beta) {
  return std::max((x - mean) * rstd * gamma + beta, 0.0f);
}

// The x offsets of pooled row p's window, in maxPool2x2's (row-major) order.
struct WindowCorners {
  int64_t at[4];
};

inline WindowCorners cornersOf(int64_t p, const PoolDims& d) {
  const int64_t ow = d.w / 2, oh = d.h / 2, c = d.c;
  const int64_t ox = p % ow, oy = p / ow % oh, image = p / (ow * oh);
  const int64_t top = ((image * d.h + 2 * oy) * d.w + 2 * ox) * c;
  return {{top, top + c, top + d.w * c, top + d.w * c + c}};
}

// The pool's maximum of f(x, channel) over each window, pooled [n, h/2, w/2, c]: maxPool2x2's order.
template <typename F>
void poolOf(const float* x, float* pooled, const PoolDims& d, F f) {
  const int64_t c = d.c;
  forRows(1, d.n * (d.h / 2) * (d.w / 2), c, [=](int64_t at, int64_t) {
    const WindowCorners w = cornersOf(at / c, d);
#pragma GCC ivdep
    for (int64_t i = 0; i < c; i++) {
      float best = -std::numeric_limits<float>::infinity();
      for (int q = 0; q < 4; q++) {
        const float v = f(x[w.at[q] + i], i);
        best = v > best ? v : best;
      }
      pooled[at + i] = best;
    }
  });
}

// g = ∂L/∂(the affine output) for the rows [begin, end) of x, written into `out` (dx's buffer: the
// input gradient then overwrites it in place), two image lines (a line of windows) at a time: each
// window's four y values are computed once. maxPoolGrad's g (dy to the window's first maximum, +0
// elsewhere), then ReLU's mask (kept where y > 0), as integer masks on the bits as those kernels do.
class PooledGrad {
 public:
  PooledGrad(const float* dyPooled, const float* x, const float* gamma, const float* beta, const float* mean,
             const float* rstd, const PoolDims& d, float* out, int64_t begin, int64_t end)
      : dyPooled_(dyPooled), x_(x), gamma_(gamma), beta_(beta), mean_(mean), rstd_(rstd), d_(d), out_(out),
        begin_(begin), end_(end), ys_(static_cast<size_t>(2 * d.w * d.c)), elsewhere_(static_cast<size_t>(d.c)) {}

  // Row s's c values of g (s in [begin, end)).
  const float* row(int64_t s) {
    const int64_t pair = s / (2 * d_.w);
    if (pair != pair_) fill(pair);
    return out_ + s * d_.c;
  }

 private:
  void fill(int64_t pair) {
    pair_ = pair;
    const int64_t c = d_.c, w = d_.w, first = pair * 2 * w;
    // y of the two lines first: with the ReLU inside the window loop, GCC would not vectorise it.
    const float* x = x_ + first * c;
    const float* mean = mean_;
    const float* rstd = rstd_;
    const float* gamma = gamma_;
    const float* beta = beta_;
    float* y = ys_.data();
    for (int64_t at = 0; at < 2 * w * c; at += c) {
#pragma GCC ivdep
      for (int64_t i = 0; i < c; i++) y[at + i] = bnRelu(x[at + i], mean[i], rstd[i], gamma[i], beta[i]);
    }
    for (int64_t ox = 0; ox < w / 2; ox++) {
      const int64_t rows[4] = {2 * ox, 2 * ox + 1, w + 2 * ox, w + 2 * ox + 1};  // within the two lines
      const int64_t local[4] = {rows[0] * c, rows[1] * c, rows[2] * c, rows[3] * c};
      float* to[4];  // rows outside [begin, end) are another task's: their g goes nowhere
      for (int q = 0; q < 4; q++) {
        const int64_t s = first + rows[q];
        to[q] = s >= begin_ && s < end_ ? out_ + s * c : elsewhere_.data();
      }
      const float* dy = dyPooled_ + (pair * (w / 2) + ox) * c;
#pragma GCC ivdep
      for (int64_t i = 0; i < c; i++) {
        float best = -std::numeric_limits<float>::infinity();
        int32_t firstMax = -1;
        for (int32_t q = 0; q < 4; q++) {
          const float v = y[local[q] + i];
          const int32_t larger = -static_cast<int32_t>(v > best);
          firstMax = (firstMax & ~larger) | (q & larger);
          best = v > best ? v : best;
        }
        const float grad = 0.0f + dy[i];
        int32_t bits = 0;
        std::memcpy(&bits, &grad, sizeof bits);
        for (int32_t q = 0; q < 4; q++) {
          int32_t yBits = 0;
          std::memcpy(&yBits, y + local[q] + i, sizeof yBits);
          const int32_t kept = bits & -static_cast<int32_t>(firstMax == q) & -static_cast<int32_t>(yBits > 0);
          std::memcpy(to[q] + i, &kept, sizeof kept);
        }
      }
    }
  }

  const float* dyPooled_;
  const float* x_;
  const float* gamma_;
  const float* beta_;
  const float* mean_;
  const float* rstd_;
  PoolDims d_;
  float* out_;
  int64_t begin_, end_;
  std::vector<float> ys_, elsewhere_;
  int64_t pair_ = -1;
};

}  // namespace

void batchNormReluPool(const float* x, const float* gamma, const float* beta, float* pooled, float* mean,
                       float* variance, float* rstd, const PoolDims& d, float eps) {
  moments(x, mean, variance, 1, d.n * d.h * d.w, d.c);
  for (int64_t i = 0; i < d.c; i++) rstd[i] = 1.0f / std::sqrt(variance[i] + eps);
  poolOf(x, pooled, d, [=](float v, int64_t i) { return bnRelu(v, mean[i], rstd[i], gamma[i], beta[i]); });
}

void batchNormReluPoolGrad(const float* dyPooled, const float* x, const float* gamma, const float* beta,
                           const float* mean, const float* rstd, float* dx, float* dgamma, float* dbeta,
                           const PoolDims& d) {
  const int64_t c = d.c, size = d.n * d.h * d.w;
  // g into dx while the sums are taken, then dx from g in place.
  columnSumsByRow<2>(size, c, {dbeta, dgamma}, [=](int64_t begin, int64_t end) {
    return [=, rows = PooledGrad(dyPooled, x, gamma, beta, mean, rstd, d, dx, begin, end)](int64_t s, float* terms) mutable {
      const float* g = rows.row(s);
      const float* xs = x + s * c;
#pragma GCC ivdep
      for (int64_t i = 0; i < c; i++) terms[i] = g[i], terms[c + i] = g[i] * ((xs[i] - mean[i]) * rstd[i]);
    };
  });
  const InputGrad dxOf(gamma, mean, rstd, dbeta, dgamma, size, c);
  forRows(1, size, c, [&](int64_t at, int64_t) {
#pragma GCC ivdep
    for (int64_t i = 0; i < c; i++) dx[at + i] = dxOf(dx[at + i], x[at + i], i);
  });
}

void affineReluPool(const float* x, const float* scale, const float* shift, float* pooled, const PoolDims& d) {
  poolOf(x, pooled, d, [=](float v, int64_t i) { return std::max(v * scale[i] + shift[i], 0.0f); });
}

}  // namespace paramdiff
