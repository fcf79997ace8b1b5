// The im2col view of an NHWC convolution that kernels.cc and direct-conv.cc share: an output
// position ("row" r of the [batch·outH·outW, fH·fW·inC] patch matrix) and the x values it reads.
#pragma once
#include <cstdint>

#include "kernels.h"

namespace paramdiff {

inline int64_t patchSize(const ConvGeometry& g) { return g.filterH * g.filterW * g.inC; }
inline int64_t rowsPerItem(const ConvGeometry& g) { return g.outH * g.outW; }

// Calls visit(fy, fx, src) for each filter tap of output row r (item n, position oy, ox), with
// src the x offset of (n, iy, ix, 0) it reads, or −1 in the padding.
template <typename Visit>
void forPatch(const ConvGeometry& g, int64_t r, Visit visit) {
  const int64_t ox = r % g.outW, oy = (r / g.outW) % g.outH, n = r / rowsPerItem(g);
  for (int64_t fy = 0; fy < g.filterH; fy++) {
    const int64_t iy = oy * g.strideH - g.padTop + fy * g.dilationH;
    const bool rowInside = iy >= 0 && iy < g.inH;
    for (int64_t fx = 0; fx < g.filterW; fx++) {
      const int64_t ix = ox * g.strideW - g.padLeft + fx * g.dilationW;
      const bool inside = rowInside && ix >= 0 && ix < g.inW;
      visit(fy, fx, inside ? ((n * g.inH + iy) * g.inW + ix) * g.inC : int64_t{-1});
    }
  }
}

}  // namespace paramdiff
