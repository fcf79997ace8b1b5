// Batch norm + ReLU + 2×2 max pool or global average pool (normalize.h): the pooled output straight
// from x, and the gradient from the pooled output's with y recomputed from x. The same expressions in the same
// order as batchNorm, maxPool2x2, maxPoolGrad, the Mean kernel, the spatial mean's gradient and
// batchNormGrad (normalize.cc, pointwise.cc, lib/nn/spatial-mean.ts), so
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

// The pool's maximum of f(x, channel) over each window, pooled [n, h/2, w/2, c]: maxPool2x2's order.
// A task takes whole lines of windows, so no window's position is divided out of its index.
template <typename F>
void poolOf(const float* x, float* pooled, const PoolDims& d, F f) {
  const int64_t c = d.c, ow = d.w / 2, lines = d.n * (d.h / 2);
  forRowBlocks(lines, ow * c, [=](int64_t begin, int64_t end) {
    for (int64_t line = begin; line < end; line++) {  // line = image · h/2 + oy: x rows 2·line, 2·line + 1
      for (int64_t ox = 0; ox < ow; ox++) {
        const int64_t top = (2 * line * d.w + 2 * ox) * c, at = (line * ow + ox) * c;
        const int64_t corners[4] = {top, top + c, top + d.w * c, top + d.w * c + c};
#pragma GCC ivdep
        for (int64_t i = 0; i < c; i++) {
          float best = -std::numeric_limits<float>::infinity();
          for (int q = 0; q < 4; q++) {
            const float v = f(x[corners[q] + i], i);
            best = v > best ? v : best;
          }
          pooled[at + i] = best;
        }
      }
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
    const int64_t span = 2 * d_.w;
    if (s < pair_ * span || s >= (pair_ + 1) * span) fill(s / span);  // divides once per two lines
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

// g for global average pooling: the spatial mean's gradient dy / P at every position of the
// image (as its broadcasting division computes it), then ReLU's mask, into `out`.
class MeanGrad {
 public:
  MeanGrad(const float* dyMean, const float* x, const float* gamma, const float* beta, const float* mean,
           const float* rstd, int64_t positions, int64_t c, float* out)
      : dyMean_(dyMean), x_(x), gamma_(gamma), beta_(beta), mean_(mean), rstd_(rstd), positions_(positions), c_(c),
        out_(out) {}

  const float* row(int64_t s) {
    const int64_t c = c_;
    const float* xs = x_ + s * c;
    if (s < image_ * positions_ || s >= (image_ + 1) * positions_) image_ = s / positions_;  // divides once per image
    const float* dy = dyMean_ + image_ * c;
    const float* mean = mean_;
    const float* rstd = rstd_;
    const float* gamma = gamma_;
    const float* beta = beta_;
    const float count = static_cast<float>(positions_);
    float* g = out_ + s * c;
#pragma GCC ivdep
    for (int64_t i = 0; i < c; i++) {
      const float y = bnRelu(xs[i], mean[i], rstd[i], gamma[i], beta[i]), grad = dy[i] / count;
      int32_t yBits = 0, bits = 0;
      std::memcpy(&yBits, &y, sizeof yBits);
      std::memcpy(&bits, &grad, sizeof bits);
      const int32_t kept = bits & -static_cast<int32_t>(yBits > 0);
      std::memcpy(g + i, &kept, sizeof kept);
    }
    return g;
  }

 private:
  const float* dyMean_;
  const float* x_;
  const float* gamma_;
  const float* beta_;
  const float* mean_;
  const float* rstd_;
  int64_t positions_, c_;
  float* out_;
  int64_t image_ = -1;
};

// batchNormGrad's sums and input gradient from g rows: makeRows(begin, end) makes a source whose
// row(s) writes g of row s into dx's row s and returns it, for the rows [begin, end) of one task;
// the input gradient then overwrites dx in place.
template <typename MakeRows>
void gradFromRows(const float* x, const float* gamma, const float* mean, const float* rstd, float* dx, float* dgamma,
                  float* dbeta, int64_t size, int64_t c, MakeRows makeRows) {
  columnSumsByRow<2>(size, c, {dbeta, dgamma}, [=](int64_t begin, int64_t end) {
    return [=, rows = makeRows(begin, end)](int64_t s, float* terms) mutable {
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
  gradFromRows(x, gamma, mean, rstd, dx, dgamma, dbeta, d.n * d.h * d.w, d.c, [=](int64_t begin, int64_t end) {
    return PooledGrad(dyPooled, x, gamma, beta, mean, rstd, d, dx, begin, end);
  });
}

void batchNormReluMean(const float* x, const float* gamma, const float* beta, float* pooled, float* mean,
                       float* variance, float* rstd, int64_t n, int64_t positions, int64_t c, float eps) {
  moments(x, mean, variance, 1, n * positions, c);
  for (int64_t i = 0; i < c; i++) rstd[i] = 1.0f / std::sqrt(variance[i] + eps);
  // The Mean kernel's sums (reduce in pointwise.cc) of y = bnRelu(x), so the same pieces and order;
  // its terms index statistics per (image, channel), so the per-channel ones are laid out so.
  std::vector<float> perImage(static_cast<size_t>(4 * n * c));
  float* params[4] = {perImage.data(), perImage.data() + n * c, perImage.data() + 2 * n * c, perImage.data() + 3 * n * c};
  for (int64_t j = 0; j < n * c; j++) {
    params[0][j] = mean[j % c], params[1][j] = rstd[j % c], params[2][j] = gamma[j % c], params[3][j] = beta[j % c];
  }
  const float* m = params[0];
  const float* r = params[1];
  const float* g = params[2];
  const float* b = params[3];
  columnSums(n, positions, c, pooled, [=](int64_t at, int64_t j) { return bnRelu(x[at], m[j], r[j], g[j], b[j]); });
  const float scale = 1.0f / static_cast<float>(positions);
  for (int64_t j = 0; j < n * c; j++) pooled[j] *= scale;
}

void batchNormReluMeanGrad(const float* dyMean, const float* x, const float* gamma, const float* beta,
                           const float* mean, const float* rstd, float* dx, float* dgamma, float* dbeta, int64_t n,
                           int64_t positions, int64_t c) {
  gradFromRows(x, gamma, mean, rstd, dx, dgamma, dbeta, n * positions, c, [=](int64_t, int64_t) {
    return MeanGrad(dyMean, x, gamma, beta, mean, rstd, positions, c, dx);
  });
}

void affineReluPool(const float* x, const float* scale, const float* shift, float* pooled, const PoolDims& d) {
  poolOf(x, pooled, d, [=](float v, int64_t i) { return std::max(v * scale[i] + shift[i], 0.0f); });
}

}  // namespace paramdiff
