// See implicit-conv.h. A task copies the input rows that a range of output lines reads into a
// zero-padded window (its scratch); each line is cut into tiles of equal width (the last one
// shifted left to end at the line's end: a few outputs are computed twice, identically) and the
// output channels into blocks of V vectors of 16. The filter gradient reads the same windows,
// one image at a time, its tiles being rows of the gradient (input channels of one tap).
#include "implicit-conv.h"

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include "conv-window.h"
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
// Partial sums of a filter gradient (each over a group of images): a count fixed by the shapes.
constexpr int64_t kGroups = 8;

// Where a tile reads: its positions `step` floats apart in the window, tap (fy, fx) at
// fy·tapY + fx·tapX from a position; the filter is [filterH, filterW, inC, outC].
struct TileShape {
  int64_t filterH, filterW, inC, outC, step, tapY, tapX;
};

constexpr int maxPositions(int vectors) { return std::min(kMaxPositions, kAccumulators / vectors); }

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

// Where a filter-gradient tile reads: an image's output positions (outH × outW), `step`
// floats apart along a window line and `lineStep` between lines; dy rows outC apart.
struct FilterTileShape {
  int64_t outH, outW, outC, step, lineStep;
};

// sum[r·outC + 16v + j] += Σ over the image's positions of x · dy, one chain from 0: rows r < R
// of the filter gradient (input channels c0 + r of one tap) × V vectors of output channels.
// `in` is the window at that tap and c0 for position (0, 0), `dy` the image's at the first channel.
template <int V, int R>
__attribute__((target("avx512f"))) void filterTile(const float* in, const float* dy, float* sum, const FilterTileShape& s) {
  __m512 acc[R][V];
#pragma GCC unroll 16
  for (int r = 0; r < R; r++) {
    for (int v = 0; v < V; v++) acc[r][v] = _mm512_setzero_ps();
  }
  for (int64_t oy = 0; oy < s.outH; oy++) {
    const float* x = in + oy * s.lineStep;
    const float* d = dy + oy * s.outW * s.outC;
    for (int64_t ox = 0; ox < s.outW; ox++, x += s.step, d += s.outC) {
      __m512 dv[V];
      for (int v = 0; v < V; v++) dv[v] = _mm512_loadu_ps(d + 16 * v);
#pragma GCC unroll 16
      for (int r = 0; r < R; r++) {
        const __m512 xv = _mm512_set1_ps(x[r]);
        for (int v = 0; v < V; v++) acc[r][v] = _mm512_fmadd_ps(xv, dv[v], acc[r][v]);
      }
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < R; r++) {
    for (int v = 0; v < V; v++) {
      float* o = sum + r * s.outC + 16 * v;
      _mm512_storeu_ps(o, _mm512_add_ps(_mm512_loadu_ps(o), acc[r][v]));
    }
  }
}

using TileFn = void (*)(const float*, const float*, float*, const TileShape&);
using FilterTileFn = void (*)(const float*, const float*, float*, const FilterTileShape&);

template <bool kPerTap, int V, int... Rs>
constexpr std::array<TileFn, sizeof...(Rs)> tileTable(std::integer_sequence<int, Rs...>) {
  return {&tile<kPerTap, V, Rs + 1>...};
}

template <int V, int... Rs>
constexpr std::array<FilterTileFn, sizeof...(Rs)> filterTileTable(std::integer_sequence<int, Rs...>) {
  return {&filterTile<V, Rs + 1>...};
}

// The tiles of V vectors and `size` positions (or filter rows), size ≤ maxPositions(V).
template <bool kPerTap, int V>
TileFn tileFor(int64_t size) {
  static constexpr auto table = tileTable<kPerTap, V>(std::make_integer_sequence<int, maxPositions(V)>());
  return table[size - 1];
}

template <int V>
FilterTileFn filterTileFor(int64_t size) {
  static constexpr auto table = filterTileTable<V>(std::make_integer_sequence<int, maxPositions(V)>());
  return table[size - 1];
}

template <bool kPerTap>
TileFn tileFor(int64_t vectors, int64_t size) {
  return vectors == 4 ? tileFor<kPerTap, 4>(size) : vectors == 2 ? tileFor<kPerTap, 2>(size) : tileFor<kPerTap, 1>(size);
}

FilterTileFn filterTileFor(int64_t vectors, int64_t size) {
  return vectors == 4 ? filterTileFor<4>(size) : vectors == 2 ? filterTileFor<2>(size) : filterTileFor<1>(size);
}

// A channel block of V vectors (V dividing outC/16) and tiles of `size` covering `count` (a
// line's positions, a tap's input channels) in as few tiles as maxPositions(V) allows: the pair
// that keeps the most accumulators busy; on a tie the wider block (fewer broadcasts per product).
struct Blocking {
  int64_t vectors, size;
};

Blocking blocking(int64_t outC, int64_t count) {
  Blocking best{0, 0};
  for (const int64_t v : {4, 2, 1}) {
    if (outC % (16 * v) != 0) continue;
    const int64_t tiles = (count + maxPositions(v) - 1) / maxPositions(v), size = (count + tiles - 1) / tiles;
    if (size * v > best.size * best.vectors) best = {v, size};
  }
  return best;
}

template <bool kPerTap>
void implicitConv(const float* x, const float* filter, float* y, const ConvGeometry& g) {
  const Blocking b = blocking(g.outC, g.outW);
  const TileFn fn = tileFor<kPerTap>(b.vectors, b.size);
  const int64_t width = windowWidth(g), rowFloats = width * g.inC;
  const TileShape s{g.filterH, g.filterW, g.inC, g.outC, g.strideW * g.inC, g.dilationH * rowFloats, g.dilationW * g.inC};
  const int64_t pieces = std::clamp<int64_t>(kMinTasks / g.batch, 1, g.outH);  // of an image's lines
  parallelTasks(g.batch * pieces, [&](int64_t task) {
    const int64_t n = task / pieces, l0 = task % pieces * g.outH / pieces, l1 = (task % pieces + 1) * g.outH / pieces;
    const int64_t rows = windowRows(g, l0, l1);
    float* window = scratch(rows * rowFloats);
    fillWindow(x, window, g, n, l0 * g.strideH - g.padTop, rows, width);
    for (int64_t oy = l0; oy < l1; oy++) {
      const float* line = window + (oy - l0) * g.strideH * rowFloats;
      float* out = y + (n * g.outH + oy) * g.outW * g.outC;
      for (int64_t co = 0; co < g.outC; co += 16 * b.vectors) {
        for (int64_t ox = 0; ox < g.outW; ox += b.size) {
          const int64_t at = std::min(ox, g.outW - b.size);
          fn(line + at * s.step, filter + co, out + at * g.outC + co, s);
        }
      }
    }
  });
}

// Group j of kGroups sums images [j·N/groups, (j+1)·N/groups): each image's chain added to the
// group's sum in image order; group 0 sums into dfilter, which the others are then added to.
void filterGradient(const float* x, const float* dy, float* dfilter, const ConvGeometry& g) {
  const Blocking b = blocking(g.outC, g.inC);
  const int64_t width = windowWidth(g), rowFloats = width * g.inC, rows = windowRows(g, 0, g.outH);
  const int64_t size = g.filterH * g.filterW * g.inC * g.outC, groups = std::min(g.batch, kGroups);
  const FilterTileShape s{g.outH, g.outW, g.outC, g.strideW * g.inC, g.strideH * rowFloats};
  std::vector<float> partial((groups - 1) * size);
  parallelTasks(groups, [&](int64_t j) {
    float* sum = j == 0 ? dfilter : partial.data() + (j - 1) * size;
    std::fill(sum, sum + size, 0.0f);
    float* window = scratch(rows * rowFloats);
    for (int64_t n = j * g.batch / groups; n < (j + 1) * g.batch / groups; n++) {
      fillWindow(x, window, g, n, -g.padTop, rows, width);
      const float* dyn = dy + n * g.outH * g.outW * g.outC;
      for (int64_t fy = 0; fy < g.filterH; fy++) {
        for (int64_t fx = 0; fx < g.filterW; fx++) {
          const float* tap = window + fy * g.dilationH * rowFloats + fx * g.dilationW * g.inC;
          float* tapSum = sum + (fy * g.filterW + fx) * g.inC * g.outC;
          for (int64_t c = 0; c < g.inC; c += b.size) {
            const FilterTileFn fn = filterTileFor(b.vectors, std::min(b.size, g.inC - c));
            for (int64_t co = 0; co < g.outC; co += 16 * b.vectors) fn(tap + c, dyn + co, tapSum + c * g.outC + co, s);
          }
        }
      }
    }
  });
  for (int64_t j = 1; j < groups; j++) {
    const float* part = partial.data() + (j - 1) * size;
    for (int64_t i = 0; i < size; i++) dfilter[i] += part[i];
  }
}

bool supported(const ConvGeometry& g) {
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  return avx512 && g.outC % 16 == 0;
}

}  // namespace

bool implicitConv2d(const float* x, const float* filter, float* y, const ConvGeometry& g, TapSums sums) {
  if (!supported(g)) return false;
  if (g.batch == 0 || g.outH == 0 || g.outW == 0 || g.outC == 0) return true;
  if (sums == TapSums::PerTap) {
    implicitConv<true>(x, filter, y, g);
  } else {
    implicitConv<false>(x, filter, y, g);
  }
  return true;
}

bool implicitConv2dBackpropFilter(const float* x, const float* dy, float* dfilter, const ConvGeometry& g) {
  if (!supported(g) || g.inC == 0) return false;
  if (g.batch == 0 || g.outH == 0 || g.outW == 0) {
    std::fill(dfilter, dfilter + g.filterH * g.filterW * g.inC * g.outC, 0.0f);
    return true;
  }
  filterGradient(x, dy, dfilter, g);
  return true;
}

}  // namespace paramdiff

#else

namespace paramdiff {

bool implicitConv2d(const float*, const float*, float*, const ConvGeometry&, TapSums) { return false; }
bool implicitConv2dBackpropFilter(const float*, const float*, float*, const ConvGeometry&) { return false; }

}  // namespace paramdiff

#endif
