// The im2col view of an NHWC convolution that kernels.cc and direct-conv.cc share: an output
// position ("row" r of the [batch·outH·outW, fH·fW·inC] patch matrix) and the x values it reads.
#pragma once
#include <algorithm>
#include <cstdint>

#include "kernels.h"

namespace paramdiff {

inline int64_t patchSize(const ConvGeometry& g) { return g.filterH * g.filterW * g.inC; }
inline int64_t rowsPerItem(const ConvGeometry& g) { return g.outH * g.outW; }

// Calls run(at, src, length) for row r (item n, position oy, ox) in runs of taps: `length`
// values from offset `at` of the row read x from offset src on, or are padding (src = −1). At
// dilation 1 the taps of a patch line inside x are one run (fW·C values away from the borders),
// so that copies and sums go by lines rather than by taps.
template <typename Run>
void forPatchRuns(const ConvGeometry& g, int64_t r, Run run) {
  const int64_t c = g.inC, ox = r % g.outW, oy = (r / g.outW) % g.outH, n = r / rowsPerItem(g);
  const int64_t left = ox * g.strideW - g.padLeft;
  for (int64_t fy = 0; fy < g.filterH; fy++) {
    const int64_t iy = oy * g.strideH - g.padTop + fy * g.dilationH, at = fy * g.filterW * c;
    if (iy < 0 || iy >= g.inH) {
      run(at, int64_t{-1}, g.filterW * c);
      continue;
    }
    const int64_t line = (n * g.inH + iy) * g.inW;
    for (int64_t fx = 0; fx < g.filterW;) {
      const int64_t ix = left + fx * g.dilationW;
      if (ix < 0 || ix >= g.inW) {
        run(at + fx * c, int64_t{-1}, c);
        fx++;
        continue;
      }
      const int64_t end = g.dilationW == 1 ? std::min(g.filterW, g.inW - left) : fx + 1;  // taps [fx, end) in one run
      run(at + fx * c, (line + ix) * c, (end - fx) * c);
      fx = end;
    }
  }
}

}  // namespace paramdiff
