// See pointwise.h. Elementwise ops split the flat output into fixed ranges handed to the pool;
// sums are cut into pieces whose count depends only on the shapes, then added in piece order.
#include "pointwise.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <vector>

#include "pool-route.h"
#include "pool.h"
#include "row-tasks.h"

namespace paramdiff {
namespace {

constexpr int kMaxRank = 8;

// One contiguous run of the innermost dim: the stride pairs our broadcasts produce get loops the
// compiler vectorises; anything else takes the general loop.
template <typename F>
void binaryRun(F f, const float* a, const float* b, float* out, int64_t n, int64_t as, int64_t bs) {
  if (as == 1 && bs == 1) {
    for (int64_t i = 0; i < n; i++) out[i] = f(a[i], b[i]);
  } else if (as == 1 && bs == 0) {
    const float bv = *b;
    for (int64_t i = 0; i < n; i++) out[i] = f(a[i], bv);
  } else if (as == 0 && bs == 1) {
    const float av = *a;
    for (int64_t i = 0; i < n; i++) out[i] = f(av, b[i]);
  } else {
    for (int64_t i = 0; i < n; i++) out[i] = f(a[i * as], b[i * bs]);
  }
}

template <typename F>
void binaryWith(F f, const float* a, const float* b, float* out, int rank, const int64_t* shape,
                const int64_t* aStrides, const int64_t* bStrides) {
  int64_t size = 1;
  for (int d = 0; d < rank; d++) size *= shape[d];
  const int last = rank - 1;
  const int64_t inner = shape[last];
  forRanges(size, [&](int64_t begin, int64_t end) {
    // The coordinates of `begin`, then whole or partial runs of the innermost dim.
    int64_t coord[kMaxRank];
    int64_t rest = begin, ai = 0, bi = 0;
    for (int d = last; d >= 0; d--) {
      coord[d] = rest % shape[d];
      rest /= shape[d];
      ai += coord[d] * aStrides[d];
      bi += coord[d] * bStrides[d];
    }
    for (int64_t at = begin; at < end;) {
      const int64_t n = std::min(inner - coord[last], end - at);
      binaryRun(f, a + ai, b + bi, out + at, n, aStrides[last], bStrides[last]);
      at += n;
      coord[last] += n;
      ai += n * aStrides[last];
      bi += n * bStrides[last];
      for (int d = last; d > 0 && coord[d] == shape[d]; d--) {  // carry into the outer dims
        ai += aStrides[d - 1] - coord[d] * aStrides[d];
        bi += bStrides[d - 1] - coord[d] * bStrides[d];
        coord[d] = 0;
        coord[d - 1]++;
      }
    }
  });
}

// f(v, alpha) is stateless: with alpha in a register GCC turns the selects into blends and
// vectorises; read from a closure, it keeps a branch per element (20× slower on random signs).
template <typename F>
void unaryWith(F f, const float* x, float* out, int64_t size, float alpha) {
  forRanges(size, [&](int64_t begin, int64_t end) {
    const float a = alpha;
    for (int64_t i = begin; i < end; i++) out[i] = f(x[i], a);
  });
}

// fn(n) for every image n of g's batch, on the pool when the tensor is worth sharing.
void forImages(const ConvGeometry& g, const std::function<void(int64_t)>& fn) {
  if (g.batch * g.inH * g.inW * g.inC < 2 * kTaskElements) {
    for (int64_t n = 0; n < g.batch; n++) fn(n);
  } else {
    parallelTasks(g.batch, fn);
  }
}

// The windows of pools2x2 (see pointwise.h), a window's four positions unrolled and the channels
// innermost so that the loops over channels vectorise: body(w, at) for each window w = (n·outH +
// oy)·outW + ox, with at its four x offsets in row-major window order.
template <typename Body>
void forTiles2x2(const ConvGeometry& g, Body body) {
  const int64_t c = g.inC, row = g.inW * c;
  forImages(g, [&](int64_t n) {
    for (int64_t oy = 0; oy < g.outH; oy++) {
      for (int64_t ox = 0; ox < g.outW; ox++) {
        const int64_t first = ((n * g.inH + 2 * oy) * g.inW + 2 * ox) * c;
        const int64_t at[4] = {first, first + c, first + row, first + row + c};
        body((n * g.outH + oy) * g.outW + ox, at);
      }
    }
  });
}

// maxPoolGrad of a pools2x2 geometry: each x position written once, by its window.
void maxPoolGrad2x2(const float* dy, const float* x, float* dx, const ConvGeometry& g) {
  const int64_t c = g.inC;
  forTiles2x2(g, [=](int64_t w, const int64_t* corners) {
    // Locals, not captures: GCC would reread a capture after every store into dx.
    const int64_t channels = c, at[4] = {corners[0], corners[1], corners[2], corners[3]};
    const float* in = x;
    const float* dyw = dy + w * c;
    float* out = dx;
#pragma GCC ivdep
    for (int64_t ch = 0; ch < channels; ch++) {
      const int32_t first = firstMaximum([&](int32_t q) { return in[at[q] + ch]; });
      for (int32_t q = 0; q < 4; q++) {
        const int32_t kept = routedBits(dyw[ch], first, q);
        std::memcpy(out + at[q] + ch, &kept, sizeof kept);
      }
    }
  });
}

}  // namespace

void binary(BinaryOp op, const float* a, const float* b, float* out, int rank, const int64_t* shape,
            const int64_t* aStrides, const int64_t* bStrides) {
  switch (op) {
    case BinaryOp::Add:
      return binaryWith([](float x, float y) { return x + y; }, a, b, out, rank, shape, aStrides, bStrides);
    case BinaryOp::Sub:
      return binaryWith([](float x, float y) { return x - y; }, a, b, out, rank, shape, aStrides, bStrides);
    case BinaryOp::Mul:
      return binaryWith([](float x, float y) { return x * y; }, a, b, out, rank, shape, aStrides, bStrides);
    case BinaryOp::Div:
      return binaryWith([](float x, float y) { return x / y; }, a, b, out, rank, shape, aStrides, bStrides);
    case BinaryOp::SquaredDifference:
      return binaryWith([](float x, float y) { return (x - y) * (x - y); }, a, b, out, rank, shape, aStrides,
                        bStrides);
  }
}

void unary(UnaryOp op, const float* x, float* out, int64_t size, float alpha) {
  switch (op) {
    case UnaryOp::Relu:  // NaN stays NaN, as in tfjs
      return unaryWith([](float v, float) { return v < 0.0f ? 0.0f : v; }, x, out, size, alpha);
    case UnaryOp::Step:  // v != v: NaN stays NaN
      return unaryWith([](float v, float a) { return v != v ? v : (v > 0.0f ? 1.0f : a); }, x, out, size, alpha);
    case UnaryOp::Square:
      return unaryWith([](float v, float) { return v * v; }, x, out, size, alpha);
  }
}

void reduce(ReduceOp op, const float* x, float* out, int64_t outer, int64_t size, int64_t inner) {
  columnSums(outer, size, inner, out, [x](int64_t at, int64_t) { return x[at]; });
  if (op == ReduceOp::Mean) {
    const float scale = 1.0f / static_cast<float>(size);
    for (int64_t j = 0; j < outer * inner; j++) out[j] *= scale;
  }
}

void adamUpdate(const float* p, const float* g, const float* m, const float* v, float* pOut, float* mOut, float* vOut,
                int64_t n, const float* k, bool decoupled) {
  const float decay = k[0], wd = k[1], b1 = k[2], c1 = k[3], b2 = k[4], c2 = k[5], bc1 = k[6], bc2 = k[7], eps = k[8],
              lr = k[9];
  const bool coupled = !decoupled && wd != 0.0f;
  forRanges(n, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) {
      const float decayed = decoupled ? p[i] * decay : p[i];
      const float grad = coupled ? g[i] + p[i] * wd : g[i];
      const float m1 = m[i] * b1 + grad * c1;
      const float v1 = v[i] * b2 + (grad * grad) * c2;
      pOut[i] = decayed - ((m1 / bc1) / (std::sqrt(v1 / bc2) + eps)) * lr;
      mOut[i] = m1;
      vOut[i] = v1;
    }
  });
}

void emaUpdate(const float* avg, const float* p, float* out, int64_t n, float decay, float rest) {
  forRanges(n, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) out[i] = avg[i] * decay + p[i] * rest;
  });
}

void sgdUpdate(const float* p, const float* g, const float* buf, float* pOut, float* bufOut, int64_t n, const float* k) {
  const float wd = k[0], momentum = k[1], lr = k[2];
  const bool decay = wd != 0.0f;
  forRanges(n, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) {
      const float grad = decay ? g[i] + p[i] * wd : g[i];
      const float b = buf[i] * momentum + grad;
      pOut[i] = p[i] - b * lr;
      bufOut[i] = b;
    }
  });
}

bool pools2x2(const ConvGeometry& g) {
  return g.filterH == 2 && g.filterW == 2 && g.strideH == 2 && g.strideW == 2 && g.dilationH == 1 &&
         g.dilationW == 1 && g.padTop == 0 && g.padLeft == 0 && g.inH == 2 * g.outH && g.inW == 2 * g.outW;
}

void maxPool2x2(const float* x, float* y, const ConvGeometry& g) {
  const int64_t c = g.inC;
  forTiles2x2(g, [&](int64_t w, const int64_t* at) {
    float* __restrict out = y + w * c;
#pragma GCC ivdep
    for (int64_t ch = 0; ch < c; ch++) {
      float best = -std::numeric_limits<float>::infinity();
      for (int q = 0; q < 4; q++) best = x[at[q] + ch] > best ? x[at[q] + ch] : best;
      out[ch] = best;
    }
  });
}

void maxPoolGrad(const float* dy, const float* x, float* dx, const ConvGeometry& g) {
  if (pools2x2(g)) {
    maxPoolGrad2x2(dy, x, dx, g);
    return;
  }
  const int64_t c = g.inC;
  const int64_t effH = (g.filterH - 1) * g.dilationH + 1, effW = (g.filterW - 1) * g.dilationW + 1;
  // One image per task: its windows write only its own dx. Within a window the channels are the
  // inner loop (contiguous in NHWC), so the running maxima vectorise.
  auto image = [&](int64_t n) {
    const float* xn = x + n * g.inH * g.inW * c;
    const float* dyn = dy + n * g.outH * g.outW * c;
    float* dxn = dx + n * g.inH * g.inW * c;
    std::fill(dxn, dxn + g.inH * g.inW * c, 0.0f);
    // Window positions fit in 32 bits (one image); same-width selects if-convert and vectorise.
    std::vector<float> bestValues(static_cast<size_t>(c));
    std::vector<int32_t> positions(static_cast<size_t>(c));
    float* __restrict best = bestValues.data();
    int32_t* __restrict at = positions.data();
    for (int64_t oy = 0; oy < g.outH; oy++) {
      const int64_t top = oy * g.strideH - g.padTop;
      int64_t yMin = top;
      while (yMin < 0) yMin += g.dilationH;
      const int64_t yMax = std::min(g.inH, top + effH);
      for (int64_t ox = 0; ox < g.outW; ox++) {
        const int64_t left = ox * g.strideW - g.padLeft;
        int64_t xMin = left;
        while (xMin < 0) xMin += g.dilationW;
        const int64_t xMax = std::min(g.inW, left + effW);
        std::fill(best, best + c, -std::numeric_limits<float>::infinity());
        std::fill(at, at + c, -1);
        // Positions in row-major window order; a strict > keeps the first maximum.
        for (int64_t iy = yMin; iy < yMax; iy += g.dilationH) {
          for (int64_t ix = xMin; ix < xMax; ix += g.dilationW) {
            const int32_t pixel = static_cast<int32_t>((iy * g.inW + ix) * c);
            const float* xp = xn + pixel;
            for (int32_t ch = 0; ch < static_cast<int32_t>(c); ch++) {
              const int32_t larger = -static_cast<int32_t>(xp[ch] > best[ch]);  // all ones or zero
              at[ch] = (at[ch] & ~larger) | ((pixel + ch) & larger);
              best[ch] = xp[ch] > best[ch] ? xp[ch] : best[ch];
            }
          }
        }
        const float* dyw = dyn + (oy * g.outW + ox) * c;
        for (int64_t ch = 0; ch < c; ch++) {
          if (at[ch] >= 0) dxn[at[ch]] += dyw[ch];
        }
      }
    }
  };
  forImages(g, image);
}

}  // namespace paramdiff
