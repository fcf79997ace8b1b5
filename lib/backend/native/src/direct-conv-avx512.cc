// See direct-conv-avx512.h. The forward conv takes a line in tiles of up to 14 positions (one
// accumulator each); the filter gradient keeps one accumulator per patch value (at most 16)
// across all the positions of its batch items. Both read a zero-padded window of x.
#include "direct-conv-avx512.h"

#include "conv-patch.h"

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <utility>

#include "conv-window.h"
#include "scratch.h"

// fp-contract=off: GCC would otherwise fuse the multiplies and adds below into FMAs.
#define PARAMDIFF_AVX512 __attribute__((target("avx512f"), optimize("fp-contract=off")))

namespace paramdiff {
namespace {

constexpr int kMaxPositions = 14;
constexpr int kMaxPatch = 16;

// Window offsets of the patch values (fy, fx, c) in order, from a position's first.
struct Patch {
  std::array<int64_t, kMaxPatch> at;
};

Patch patchOffsets(const ConvGeometry& g, int64_t rowFloats) {
  Patch p{};
  int64_t k = 0;
  for (int64_t fy = 0; fy < g.filterH; fy++) {
    for (int64_t fx = 0; fx < g.filterW; fx++) {
      for (int64_t c = 0; c < g.inC; c++) p.at[k++] = fy * g.dilationH * rowFloats + fx * g.dilationW * g.inC + c;
    }
  }
  return p;
}

// out[r·16 + j] for R positions `step` floats apart in the window from `in`.
template <int R>
PARAMDIFF_AVX512 void lineTile(const float* in, const float* filter, float* out, const Patch& p, int64_t patch, int64_t step) {
  __m512 acc[R];
  for (int r = 0; r < R; r++) acc[r] = _mm512_setzero_ps();
  for (int64_t k = 0; k < patch; k++) {
    const __m512 w = _mm512_loadu_ps(filter + 16 * k);
    const float* x = in + p.at[k];
#pragma GCC unroll 16
    for (int r = 0; r < R; r++) acc[r] = _mm512_add_ps(acc[r], _mm512_mul_ps(_mm512_set1_ps(x[r * step]), w));
  }
  for (int r = 0; r < R; r++) _mm512_storeu_ps(out + 16 * r, acc[r]);
}

using LineTileFn = void (*)(const float*, const float*, float*, const Patch&, int64_t, int64_t);

template <int... Rs>
constexpr std::array<LineTileFn, sizeof...(Rs)> lineTiles(std::integer_sequence<int, Rs...>) {
  return {&lineTile<Rs + 1>...};
}

// Σ over the positions of items [n0, n1) of x · dy, K patch values.
template <int K>
PARAMDIFF_AVX512 void filterItems(const float* x, const float* dy, float* sum, const ConvGeometry& g, const Patch& p,
                                  int64_t n0, int64_t n1) {
  const int64_t width = windowWidth(g), rowFloats = width * g.inC, rows = windowRows(g, 0, g.outH);
  float* window = scratch(rows * rowFloats);
  __m512 acc[K];
  for (int k = 0; k < K; k++) acc[k] = _mm512_setzero_ps();
  for (int64_t n = n0; n < n1; n++) {
    fillWindow(x, window, g, n, -g.padTop, rows, width);
    const float* d = dy + n * g.outH * g.outW * 16;
    for (int64_t oy = 0; oy < g.outH; oy++) {
      const float* line = window + oy * g.strideH * rowFloats;
      for (int64_t ox = 0; ox < g.outW; ox++, d += 16) {
        const __m512 dv = _mm512_loadu_ps(d);
        const float* at = line + ox * g.strideW * g.inC;
#pragma GCC unroll 16
        for (int k = 0; k < K; k++) acc[k] = _mm512_add_ps(acc[k], _mm512_mul_ps(_mm512_set1_ps(at[p.at[k]]), dv));
      }
    }
  }
  for (int k = 0; k < K; k++) _mm512_storeu_ps(sum + 16 * k, acc[k]);
}

using FilterItemsFn = void (*)(const float*, const float*, float*, const ConvGeometry&, const Patch&, int64_t, int64_t);

template <int... Ks>
constexpr std::array<FilterItemsFn, sizeof...(Ks)> filterItemFns(std::integer_sequence<int, Ks...>) {
  return {&filterItems<Ks + 1>...};
}

}  // namespace

bool directAvx512Fits(const ConvGeometry& g) {
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  return avx512 && g.outC == 16 && patchSize(g) >= 1 && patchSize(g) <= kMaxPatch && g.outW >= 1;
}

// A line in as few equal tiles as kMaxPositions allows, the last shifted left to end at the
// line's end (a few outputs computed twice, identically).
void directAvx512Lines(const float* x, const float* filter, float* y, const ConvGeometry& g, int64_t l0, int64_t l1) {
  static constexpr auto tiles = lineTiles(std::make_integer_sequence<int, kMaxPositions>());
  const int64_t count = (g.outW + kMaxPositions - 1) / kMaxPositions, size = (g.outW + count - 1) / count;
  const int64_t width = windowWidth(g), rowFloats = width * g.inC, step = g.strideW * g.inC;
  const Patch p = patchOffsets(g, rowFloats);
  float* window = scratch(windowRows(g, 0, 1) * rowFloats);
  for (int64_t line = l0; line < l1; line++) {
    const int64_t n = line / g.outH, oy = line % g.outH;
    fillWindow(x, window, g, n, oy * g.strideH - g.padTop, windowRows(g, 0, 1), width);
    for (int64_t ox = 0; ox < g.outW; ox += size) {
      const int64_t at = std::min(ox, g.outW - size);
      tiles[size - 1](window + at * step, filter, y + (line * g.outW + at) * 16, p, patchSize(g), step);
    }
  }
}

void directAvx512FilterItems(const float* x, const float* dy, float* sum, const ConvGeometry& g, int64_t n0, int64_t n1) {
  static constexpr auto fns = filterItemFns(std::make_integer_sequence<int, kMaxPatch>());
  const Patch p = patchOffsets(g, windowWidth(g) * g.inC);
  fns[patchSize(g) - 1](x, dy, sum, g, p, n0, n1);
}

}  // namespace paramdiff

#else

namespace paramdiff {

bool directAvx512Fits(const ConvGeometry&) { return false; }
void directAvx512Lines(const float*, const float*, float*, const ConvGeometry&, int64_t, int64_t) {}
void directAvx512FilterItems(const float*, const float*, float*, const ConvGeometry&, int64_t, int64_t) {}

}  // namespace paramdiff

#endif
