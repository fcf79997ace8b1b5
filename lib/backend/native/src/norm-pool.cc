// Batch norm + ReLU + 2×2 max pool or global average pool (normalize.h): the pooled output straight
// from x, and the gradient from the pooled output's with y recomputed from x. The same expressions in the same
// order as batchNorm, maxPool2x2, maxPoolGrad, the Mean kernel, the spatial mean's gradient and
// batchNormGrad (normalize.cc, pointwise.cc, lib/nn/spatial-mean.ts), so
// the values are the unfused kernels' bit for bit (for c > 1; with one channel the sums' order differs).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "normalize.h"
#include "pool-route.h"
#include "row-tasks.h"

namespace paramdiff {
namespace {

// y under ReLU, one element, as batchNorm computes it.
inline float bnRelu(float x, float mean, float rstd, float gamma, float beta) {
  return std::max((x - mean) * rstd * gamma + beta, 0.0f);
}

// What the gradients read: x, the parameters and the batch statistics ([c] each).
struct Normalized {
  const float* x;
  const float* gamma;
  const float* beta;
  const float* mean;
  const float* rstd;
};

// y of rows [0, rows) from `at` (whole rows of c channels) into out.
inline void yRows(const Normalized& v, int64_t at, int64_t rows, int64_t c, float* out) {
  const float* x = v.x + at;
  const float* mean = v.mean;
  const float* rstd = v.rstd;
  const float* gamma = v.gamma;
  const float* beta = v.beta;
  for (int64_t r = 0; r < rows * c; r += c) {
#pragma GCC ivdep
    for (int64_t i = 0; i < c; i++) out[r + i] = bnRelu(x[r + i], mean[i], rstd[i], gamma[i], beta[i]);
  }
}

// dy where y > 0, else +0: ReLU's mask as an integer mask on the bits, as batchNormGrad applies it.
inline float reluKept(float dy, float y) {
  int32_t yBits = 0, bits = 0;
  std::memcpy(&yBits, &y, sizeof yBits);
  std::memcpy(&bits, &dy, sizeof bits);
  const int32_t kept = bits & -static_cast<int32_t>(yBits > 0);
  float out = 0.0f;
  std::memcpy(&out, &kept, sizeof out);
  return out;
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
// elsewhere; integer masks on the bits, as that kernel does), then ReLU's mask.
class MaxPoolRows {
 public:
  MaxPoolRows(const Normalized& v, const float* dyPooled, const PoolDims& d, float* out, int64_t begin, int64_t end)
      : v_(v), dyPooled_(dyPooled), d_(d), out_(out), begin_(begin), end_(end),
        ys_(static_cast<size_t>(2 * d.w * d.c)), elsewhere_(static_cast<size_t>(d.c)) {}

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
    float* y = ys_.data();
    yRows(v_, first * c, 2 * w, c, y);
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
        const int32_t first = firstMaximum([&](int32_t q) { return y[local[q] + i]; });
        for (int32_t q = 0; q < 4; q++) {
          const int32_t pooled = routedBits(dy[i], first, q);
          float routed = 0.0f;
          std::memcpy(&routed, &pooled, sizeof routed);
          to[q][i] = reluKept(routed, y[local[q] + i]);
        }
      }
    }
  }

  Normalized v_;
  const float* dyPooled_;
  PoolDims d_;
  float* out_;
  int64_t begin_, end_;
  std::vector<float> ys_, elsewhere_;
  int64_t pair_ = -1;
};

// g for global average pooling, into `out`: the spatial mean's gradient dy / P at every position
// of the image (as its broadcasting division computes it), then ReLU's mask.
class MeanRows {
 public:
  MeanRows(const Normalized& v, const float* dyMean, const PoolDims& d, float* out)
      : v_(v), dyMean_(dyMean), positions_(d.h * d.w), c_(d.c), out_(out), ys_(static_cast<size_t>(d.c)),
        spread_(static_cast<size_t>(d.c)) {}

  const float* row(int64_t s) {
    const int64_t c = c_;
    if (s < image_ * positions_ || s >= (image_ + 1) * positions_) spread(s / positions_);
    float* y = ys_.data();
    yRows(v_, s * c, 1, c, y);
    const float* dy = spread_.data();
    float* g = out_ + s * c;
#pragma GCC ivdep
    for (int64_t i = 0; i < c; i++) g[i] = reluKept(dy[i], y[i]);
    return g;
  }

 private:
  // dy / P of an image, once for all its positions.
  void spread(int64_t image) {
    image_ = image;
    const float count = static_cast<float>(positions_);
    for (int64_t i = 0; i < c_; i++) spread_[i] = dyMean_[image * c_ + i] / count;
  }

  Normalized v_;
  const float* dyMean_;
  int64_t positions_, c_;
  float* out_;
  std::vector<float> ys_, spread_;
  int64_t image_ = -1;
};

// batchNormGrad's sums and input gradient from g rows: makeRows(begin, end) makes a source whose
// row(s) writes g of row s into dx's row s and returns it, for the rows [begin, end) of one task;
// the input gradient then overwrites dx in place.
template <typename MakeRows>
void gradFromRows(const Normalized& v, float* dx, float* dgamma, float* dbeta, int64_t size, int64_t c,
                  MakeRows makeRows) {
  const float* x = v.x;
  const float* mean = v.mean;
  const float* rstd = v.rstd;
  columnSumsByRow<2>(size, c, {dbeta, dgamma}, [=](int64_t begin, int64_t end) {
    return [=, rows = makeRows(begin, end)](int64_t s, float* terms) mutable {
      const float* g = rows.row(s);
      const float* xs = x + s * c;
#pragma GCC ivdep
      for (int64_t i = 0; i < c; i++) terms[i] = g[i], terms[c + i] = g[i] * ((xs[i] - mean[i]) * rstd[i]);
    };
  });
  const InputGrad dxOf(v.gamma, mean, rstd, dbeta, dgamma, size, c);
  forRows(1, size, c, [&](int64_t at, int64_t) {
#pragma GCC ivdep
    for (int64_t i = 0; i < c; i++) dx[at + i] = dxOf(dx[at + i], x[at + i], i);
  });
}

// pooled[n, c] = the Mean kernel's mean over positions (reduce in pointwise.cc: the same pieces
// and order) of f(x, e(0), … e(K−1)) with K per-channel parameters. The kernel's terms index
// statistics per (image, channel): the per-channel parameters are laid out so.
template <int K, typename F>
void meanOf(const float* x, const std::array<const float*, K>& perChannel, float* pooled, int64_t n, int64_t positions,
            int64_t c, F f) {
  std::vector<float> perImage(static_cast<size_t>(K * n * c));
  float* e = perImage.data();
  for (int k = 0; k < K; k++) {
    for (int64_t j = 0; j < n * c; j++) e[k * n * c + j] = perChannel[k][j % c];
  }
  const int64_t stride = n * c;
  columnSums(n, positions, c, pooled, [=](int64_t at, int64_t j) { return f(x[at], e + j, stride); });
  const float scale = 1.0f / static_cast<float>(positions);
  for (int64_t j = 0; j < n * c; j++) pooled[j] *= scale;
}

// The inference affine map's value, x · scale + shift, as the Multiply and Add kernels round it.
inline float affine(float x, float scale, float shift) { return x * scale + shift; }

}  // namespace

void batchNormReluPool(Pooling pooling, const float* x, const float* gamma, const float* beta, float* pooled,
                       float* mean, float* variance, float* rstd, const PoolDims& d, float eps) {
  moments(x, mean, variance, 1, d.n * d.h * d.w, d.c);
  for (int64_t i = 0; i < d.c; i++) rstd[i] = 1.0f / std::sqrt(variance[i] + eps);
  if (pooling == Pooling::Mean) {
    meanOf<4>(x, {mean, rstd, gamma, beta}, pooled, d.n, d.h * d.w, d.c,
              [](float v, const float* e, int64_t stride) { return bnRelu(v, e[0], e[stride], e[2 * stride], e[3 * stride]); });
    return;
  }
  poolOf(x, pooled, d, [=](float v, int64_t i) { return bnRelu(v, mean[i], rstd[i], gamma[i], beta[i]); });
}

void batchNormReluPoolGrad(Pooling pooling, const float* dyPooled, const float* x, const float* gamma,
                           const float* beta, const float* mean, const float* rstd, float* dx, float* dgamma,
                           float* dbeta, const PoolDims& d) {
  const Normalized v{x, gamma, beta, mean, rstd};
  const int64_t size = d.n * d.h * d.w;
  if (pooling == Pooling::Mean) {
    gradFromRows(v, dx, dgamma, dbeta, size, d.c, [=](int64_t, int64_t) { return MeanRows(v, dyPooled, d, dx); });
    return;
  }
  gradFromRows(v, dx, dgamma, dbeta, size, d.c,
               [=](int64_t begin, int64_t end) { return MaxPoolRows(v, dyPooled, d, dx, begin, end); });
}

void affineReluPool(Pooling pooling, const float* x, const float* scale, const float* shift, float* pooled,
                    const PoolDims& d) {
  // max(·, 0) and the Relu kernel's v < 0 ? 0 : v agree on every value (−0 included).
  if (pooling == Pooling::Mean) {
    meanOf<2>(x, {scale, shift}, pooled, d.n, d.h * d.w, d.c,
              [](float v, const float* e, int64_t stride) { return std::max(affine(v, e[0], e[stride]), 0.0f); });
    return;
  }
  poolOf(x, pooled, d, [=](float v, int64_t i) { return std::max(affine(v, scale[i], shift[i]), 0.0f); });
}

void affineReluMeanGrad(const float* dyMean, const float* x, const float* scale, const float* shift, float* dscale,
                        float* dshift, const PoolDims& d) {
  const int64_t c = d.c, positions = d.h * d.w;
  const float count = static_cast<float>(positions);
  // g = (dy / P) · step(x · scale + shift), as the spatial mean's and ReLU's taped gradients
  // compute it; dshift = Σ g and dscale = Σ g · x, as the Add's and Multiply's reduce it.
  columnSumsByRow<2>(d.n * positions, c, {dshift, dscale}, [=](int64_t, int64_t) {
    return [=, image = int64_t{-1}, spread = std::vector<float>(static_cast<size_t>(c))](int64_t s, float* terms) mutable {
      if (s < image * positions || s >= (image + 1) * positions) {  // dy / P once per image
        image = s / positions;
        for (int64_t i = 0; i < c; i++) spread[i] = dyMean[image * c + i] / count;
      }
      const float* xs = x + s * c;
      const float* dy = spread.data();
#pragma GCC ivdep
      for (int64_t i = 0; i < c; i++) {
        const float g = dy[i] * slopeMask(affine(xs[i], scale[i], shift[i]), 0.0f);  // the Step kernel's step(v)
        terms[i] = g, terms[c + i] = g * xs[i];
      }
    };
  });
}

}  // namespace paramdiff
