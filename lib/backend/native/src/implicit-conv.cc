// See implicit-conv.h. A task copies the input rows that a range of output lines reads into a
// zero-padded window (its scratch); each line is cut into tiles of equal width (the last one
// shifted left to end at the line's end: a few outputs are computed twice, identically) and the
// output channels into blocks of V vectors of 16.
#include "implicit-conv.h"

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <type_traits>
#include <utility>

#include "pool.h"
#include "scratch.h"

namespace paramdiff {
namespace {

// Accumulator registers a tile may take (of AVX-512's 32; the rest hold filter vectors).
constexpr int kAccumulators = 28;
// Positions per tile at most: bounds the number of compiled tile variants.
constexpr int kMaxPositions = 14;
// Tasks per call at least (lines of an image are split when the batch is smaller), so that a
// small batch still spreads over the pool.
constexpr int64_t kMinTasks = 8;

// Where a tile reads: its positions `step` floats apart in the window, tap (fy, fx) at
// fy·tapY + fx·tapX from a position; the filter is [filterH, filterW, inC, outC].
struct TileShape {
  int64_t filterH, filterW, inC, outC, step, tapY, tapX;
};

template <int V>
constexpr int maxPositions() {
  return std::min(kMaxPositions, kAccumulators / V);
}

// out[r·outC + 16v + j] for R positions × V vectors: `in` is the first position's window (tap
// 0, channel 0), `w` the filter at the tile's first output channel. Per tap, the totals are
// added up in `out` itself: the registers hold one chain per output either way.
template <bool kPerTap, int V, int R>
__attribute__((target("avx512f"))) void tile(const float* in, const float* w, float* out, const TileShape& s) {
  __m512 acc[R][V];
#pragma GCC unroll 16
  for (int r = 0; r < R; r++) {
    for (int v = 0; v < V; v++) acc[r][v] = _mm512_setzero_ps();
  }
  for (int64_t fy = 0; fy < s.filterH; fy++) {
    for (int64_t fx = 0; fx < s.filterW; fx++) {
      const float* x = in + fy * s.tapY + fx * s.tapX;
      const float* wt = w + (fy * s.filterW + fx) * s.inC * s.outC;
      for (int64_t c = 0; c < s.inC; c++) {
        __m512 wv[V];
        for (int v = 0; v < V; v++) wv[v] = _mm512_loadu_ps(wt + c * s.outC + 16 * v);
#pragma GCC unroll 16
        for (int r = 0; r < R; r++) {
          const __m512 xv = _mm512_set1_ps(x[r * s.step + c]);
          for (int v = 0; v < V; v++) acc[r][v] = _mm512_fmadd_ps(xv, wv[v], acc[r][v]);
        }
      }
      if (kPerTap) {  // col2im's sums: from 0, this tap's chain added to those before
        const bool first = fy == 0 && fx == 0;
#pragma GCC unroll 16
        for (int r = 0; r < R; r++) {
          for (int v = 0; v < V; v++) {
            float* o = out + r * s.outC + 16 * v;
            _mm512_storeu_ps(o, _mm512_add_ps(first ? _mm512_setzero_ps() : _mm512_loadu_ps(o), acc[r][v]));
            acc[r][v] = _mm512_setzero_ps();
          }
        }
      }
    }
  }
  if (!kPerTap) {
#pragma GCC unroll 16
    for (int r = 0; r < R; r++) {
      for (int v = 0; v < V; v++) _mm512_storeu_ps(out + r * s.outC + 16 * v, acc[r][v]);
    }
  }
}

using TileFn = void (*)(const float*, const float*, float*, const TileShape&);

template <bool kPerTap, int V, int... Rs>
constexpr std::array<TileFn, sizeof...(Rs)> tileTable(std::integer_sequence<int, Rs...>) {
  return {&tile<kPerTap, V, Rs + 1>...};
}

// The tile of `positions` positions (1 to maxPositions).
template <bool kPerTap, int V>
TileFn tileFor(int64_t positions) {
  static constexpr auto table = tileTable<kPerTap, V>(std::make_integer_sequence<int, maxPositions<V>()>());
  return table[positions - 1];
}

struct Plan {
  int64_t vectors, positions;
  TileFn fn;
};

// The channel block (V vectors dividing outC) and equal tiles covering a line of outW that keep
// the most accumulators busy; on a tie the wider block (fewer broadcasts per product).
template <bool kPerTap>
Plan plan(int64_t outC, int64_t outW) {
  Plan best{0, 0, nullptr};
  auto consider = [&](auto width) {
    constexpr int V = decltype(width)::value;
    if (outC % (16 * V) != 0) return;
    const int64_t tiles = (outW + maxPositions<V>() - 1) / maxPositions<V>();
    const int64_t positions = (outW + tiles - 1) / tiles;
    if (positions * V > best.positions * best.vectors) best = {V, positions, tileFor<kPerTap, V>(positions)};
  };
  consider(std::integral_constant<int, 4>{});
  consider(std::integral_constant<int, 2>{});
  consider(std::integral_constant<int, 1>{});
  return best;
}

// window[r, j, :] = x[n, iy0 + r, j − padLeft, :] for r < rows and j < width; 0 outside x.
void fillWindow(const float* x, float* window, const ConvGeometry& g, int64_t n, int64_t iy0, int64_t rows, int64_t width) {
  const int64_t c = g.inC;
  const int64_t j0 = std::clamp<int64_t>(g.padLeft, 0, width), j1 = std::clamp<int64_t>(g.padLeft + g.inW, j0, width);
  for (int64_t r = 0; r < rows; r++) {
    float* row = window + r * width * c;
    const int64_t iy = iy0 + r;
    if (iy < 0 || iy >= g.inH) {
      std::fill(row, row + width * c, 0.0f);
      continue;
    }
    std::fill(row, row + j0 * c, 0.0f);
    std::memcpy(row + j0 * c, x + ((n * g.inH + iy) * g.inW + j0 - g.padLeft) * c, (j1 - j0) * c * sizeof(float));
    std::fill(row + j1 * c, row + width * c, 0.0f);
  }
}

template <bool kPerTap>
void implicitConv(const float* x, const float* filter, float* y, const ConvGeometry& g) {
  const Plan p = plan<kPerTap>(g.outC, g.outW);
  // The window holds every column that a line's outputs read.
  const int64_t width = (g.outW - 1) * g.strideW + (g.filterW - 1) * g.dilationW + 1, rowFloats = width * g.inC;
  const TileShape s{g.filterH, g.filterW, g.inC, g.outC, g.strideW * g.inC, g.dilationH * rowFloats, g.dilationW * g.inC};
  const int64_t pieces = std::clamp<int64_t>(kMinTasks / g.batch, 1, g.outH);  // of an image's lines
  parallelTasks(g.batch * pieces, [&](int64_t task) {
    const int64_t n = task / pieces, l0 = task % pieces * g.outH / pieces, l1 = (task % pieces + 1) * g.outH / pieces;
    const int64_t rows = (l1 - 1 - l0) * g.strideH + (g.filterH - 1) * g.dilationH + 1;
    float* window = scratch(rows * rowFloats);
    fillWindow(x, window, g, n, l0 * g.strideH - g.padTop, rows, width);
    for (int64_t oy = l0; oy < l1; oy++) {
      const float* line = window + (oy - l0) * g.strideH * rowFloats;
      float* out = y + (n * g.outH + oy) * g.outW * g.outC;
      for (int64_t co = 0; co < g.outC; co += 16 * p.vectors) {
        for (int64_t ox = 0; ox < g.outW; ox += p.positions) {
          const int64_t at = std::min(ox, g.outW - p.positions);
          p.fn(line + at * s.step, filter + co, out + at * g.outC + co, s);
        }
      }
    }
  });
}

}  // namespace

bool implicitConv2d(const float* x, const float* filter, float* y, const ConvGeometry& g, TapSums sums) {
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  if (!avx512 || g.outC % 16 != 0) return false;
  if (g.batch == 0 || g.outH == 0 || g.outW == 0 || g.outC == 0) return true;
  if (sums == TapSums::PerTap) {
    implicitConv<true>(x, filter, y, g);
  } else {
    implicitConv<false>(x, filter, y, g);
  }
  return true;
}

}  // namespace paramdiff

#else

namespace paramdiff {

bool implicitConv2d(const float*, const float*, float*, const ConvGeometry&, TapSums) { return false; }

}  // namespace paramdiff

#endif
