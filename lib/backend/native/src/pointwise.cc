// See pointwise.h. Elementwise ops split the flat output into fixed ranges handed to the pool;
// sums are cut into pieces whose count depends only on the shapes, then added in piece order.
#include "pointwise.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <vector>

#include "pool.h"

namespace paramdiff {
namespace {

// Elements per task: below this, handing work to another thread costs more than it saves.
constexpr int64_t kTaskElements = int64_t{1} << 15;
constexpr int kMaxRank = 8;

// fn(begin, end) over [0, size) in ranges of about kTaskElements, on the pool when worth it.
void forRanges(int64_t size, const std::function<void(int64_t, int64_t)>& fn) {
  const int64_t tasks = std::max<int64_t>(1, (size + kTaskElements - 1) / kTaskElements);
  if (tasks == 1) {
    fn(0, size);
    return;
  }
  parallelTasks(tasks, [&](int64_t t) { fn(t * kTaskElements, std::min(size, (t + 1) * kTaskElements)); });
}

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

// fn(at, j) for every row of [outer, size, inner] operands: at = (o·size + s)·inner is where
// the row starts, j = o·inner where its [outer, inner] statistics start. Whole rows per task.
template <typename F>
void forRows(int64_t outer, int64_t size, int64_t inner, F fn) {
  const int64_t rowsPerTask = std::max<int64_t>(1, kTaskElements / std::max<int64_t>(1, inner));
  const int64_t rows = outer * size;
  auto task = [&](int64_t t) {
    for (int64_t r = t * rowsPerTask; r < std::min(rows, (t + 1) * rowsPerTask); r++) fn(r * inner, r / size * inner);
  };
  const int64_t tasks = (rows + rowsPerTask - 1) / rowsPerTask;
  if (tasks <= 1) {
    if (rows > 0) task(0);
  } else {
    parallelTasks(tasks, task);
  }
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

// Pieces the reduced axis is cut into: enough to share a lone big sum between threads, at most
// 16; a function of the shape only.
int64_t reducePieces(int64_t outer, int64_t size, int64_t inner) {
  if (outer >= 8) return 1;
  return std::clamp<int64_t>(size * inner / kTaskElements, 1, std::min<int64_t>(16, size));
}

// Σ term(at, j) for at in [begin, begin + n): 8 running sums (one vector register) added at the
// end, so that a long contiguous sum vectorises instead of waiting on one accumulator.
template <typename Term>
float contiguousSum(Term term, int64_t begin, int64_t n, int64_t j) {
  constexpr int kLanes = 8;
  float lanes[kLanes] = {};
  int64_t s = 0;
  for (; s + kLanes <= n; s += kLanes) {
    for (int k = 0; k < kLanes; k++) lanes[k] += term(begin + s + k, j);
  }
  float sum = 0.0f;
  for (int k = 0; k < kLanes; k++) sum += lanes[k];
  for (; s < n; s++) sum += term(begin + s, j);
  return sum;
}

// out[o, i] = Σ_s term(at, j) with at = (o·size + s)·inner + i, the flat index into [outer, size,
// inner] operands, and j = o·inner + i, the index into [outer, inner] statistics: the reduced axis
// is cut into reducePieces pieces summed apart, then added in piece order, so the rounding
// depends on the shape alone. Small rows are grouped so that each task has work worth its hand-off.
template <typename Term>
void columnSums(int64_t outer, int64_t size, int64_t inner, float* out, Term term) {
  const int64_t pieces = reducePieces(outer, size, inner);
  const int64_t perPiece = (size + pieces - 1) / pieces;
  const int64_t outerPerTask = pieces > 1 ? 1 : std::max<int64_t>(1, kTaskElements / std::max<int64_t>(1, size * inner));
  const int64_t tasks = (outer + outerPerTask - 1) / outerPerTask * pieces;
  std::vector<float> partial(static_cast<size_t>(outer * pieces * inner), 0.0f);
  auto task = [&](int64_t t) {
    const int64_t piece = t % pieces, first = t / pieces * outerPerTask;
    const int64_t begin = piece * perPiece, end = std::min(size, (piece + 1) * perPiece);
    for (int64_t o = first; o < std::min(outer, first + outerPerTask); o++) {
      float* acc = partial.data() + (o * pieces + piece) * inner;
      if (inner == 1) {
        acc[0] = contiguousSum(term, o * size + begin, end - begin, o);
        continue;
      }
      for (int64_t s = begin; s < end; s++) {
        const int64_t row = (o * size + s) * inner;
        for (int64_t i = 0; i < inner; i++) acc[i] += term(row + i, o * inner + i);
      }
    }
  };
  if (outer * size * inner < 2 * kTaskElements) {
    for (int64_t t = 0; t < tasks; t++) task(t);
  } else {
    parallelTasks(tasks, task);
  }
  for (int64_t o = 0; o < outer; o++) {
    for (int64_t i = 0; i < inner; i++) {
      float sum = 0.0f;
      for (int64_t p = 0; p < pieces; p++) sum += partial[(o * pieces + p) * inner + i];
      out[o * inner + i] = sum;
    }
  }
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

void standardize(const float* x, float* xhat, float* rstd, int64_t outer, int64_t size, int64_t inner, float eps) {
  const int64_t stats = outer * inner;
  const float scale = 1.0f / static_cast<float>(size);
  std::vector<float> mean(static_cast<size_t>(stats));
  columnSums(outer, size, inner, mean.data(), [x](int64_t at, int64_t) { return x[at]; });
  for (float& m : mean) m *= scale;
  // The variance from deviations (two passes), as the composite op computes it: no cancellation.
  const float* mu = mean.data();
  columnSums(outer, size, inner, rstd, [x, mu](int64_t at, int64_t j) {
    const float d = x[at] - mu[j];
    return d * d;
  });
  for (int64_t j = 0; j < stats; j++) rstd[j] = 1.0f / std::sqrt(rstd[j] * scale + eps);
  forRows(outer, size, inner, [&](int64_t at, int64_t j) {
    for (int64_t i = 0; i < inner; i++) xhat[at + i] = (x[at + i] - mu[j + i]) * rstd[j + i];
  });
}

void standardizeGrad(const float* dy, const float* xhat, const float* rstd, float* dx, int64_t outer, int64_t size,
                     int64_t inner) {
  const int64_t stats = outer * inner;
  const float scale = 1.0f / static_cast<float>(size);
  std::vector<float> dyMean(static_cast<size_t>(stats)), projection(static_cast<size_t>(stats));
  columnSums(outer, size, inner, dyMean.data(), [dy](int64_t at, int64_t) { return dy[at]; });
  columnSums(outer, size, inner, projection.data(), [dy, xhat](int64_t at, int64_t) { return dy[at] * xhat[at]; });
  for (int64_t j = 0; j < stats; j++) dyMean[j] *= scale, projection[j] *= scale;
  const float* a = dyMean.data();
  const float* b = projection.data();
  forRows(outer, size, inner, [&](int64_t at, int64_t j) {
    for (int64_t i = 0; i < inner; i++) dx[at + i] = rstd[j + i] * (dy[at + i] - a[j + i] - xhat[at + i] * b[j + i]);
  });
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

void maxPoolGrad(const float* dy, const float* x, float* dx, const ConvGeometry& g) {
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
  if (g.batch * g.inH * g.inW * c < 2 * kTaskElements) {
    for (int64_t n = 0; n < g.batch; n++) image(n);
  } else {
    parallelTasks(g.batch, image);
  }
}

}  // namespace paramdiff
