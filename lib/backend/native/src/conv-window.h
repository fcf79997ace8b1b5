// A zero-padded window of an NHWC input: the rows a range of output lines reads, each as wide as
// a line's outputs read, so that a kernel reads every tap without a bounds check.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "kernels.h"

namespace paramdiff {

// Window columns: every one that a line's outputs read.
inline int64_t windowWidth(const ConvGeometry& g) { return (g.outW - 1) * g.strideW + (g.filterW - 1) * g.dilationW + 1; }

// Window rows that output lines [l0, l1) of an image read.
inline int64_t windowRows(const ConvGeometry& g, int64_t l0, int64_t l1) {
  return (l1 - 1 - l0) * g.strideH + (g.filterH - 1) * g.dilationH + 1;
}

// window[r, j, :] = x[n, iy0 + r, j − padLeft, :] for r < rows and j < width; 0 outside x.
inline void fillWindow(const float* x, float* window, const ConvGeometry& g, int64_t n, int64_t iy0, int64_t rows, int64_t width) {
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

}  // namespace paramdiff
