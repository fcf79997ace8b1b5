// im2col + sgemm convolutions (direct ones for few input channels: direct-conv.h; implicit ones
// where AVX-512 runs them: implicit-conv.h) and batched products over single-threaded OpenBLAS, split into tasks for the pool (see kernels.h, pool.h).
// Every sum is taken in an order that depends only on the shapes, never on the thread count or
// timing: results are reproducible bit for bit.
#include "kernels.h"

#include <cblas.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <vector>

#include "conv-patch.h"
#include "direct-conv.h"
#include "implicit-conv.h"
#include "pool.h"
#include "scratch.h"

namespace paramdiff {
namespace {

// A task's im2col block holds up to this many floats (256 KiB: stays in the core's L2 cache).
constexpr int64_t kBlockFloats = int64_t{1} << 16;
// A task should carry at least this many multiply-adds to be worth handing to another thread.
constexpr int64_t kTaskMacs = int64_t{1} << 18;
// At most this many pieces per product and partial sums per filter gradient: fixed counts, so
// that the rounding never depends on the number of threads.
constexpr int64_t kMaxPieces = 8;

// C[m, n] = op(A) · op(B) + beta · C, row-major, with the degenerate sizes BLAS may not handle.
void gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    if (beta == 0.0f) {
      for (int64_t i = 0; i < m; i++) std::fill(c + i * ldc, c + i * ldc + n, 0.0f);
    }
    return;
  }
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
              static_cast<blasint>(m), static_cast<blasint>(n), static_cast<blasint>(k), 1.0f, a,
              static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, c, static_cast<blasint>(ldc));
}

// How many pieces to cut `count` rows into so that each carries about kTaskMacs of work.
int64_t pieces(int64_t count, int64_t macsPerRow) {
  const int64_t byWork = std::max<int64_t>(1, count * macsPerRow / kTaskMacs);
  return std::max<int64_t>(1, std::min({count, byWork, kMaxPieces}));
}

// parallelTasks, or a plain loop when all tasks together are too small to share.
void runTasks(int64_t tasks, int64_t totalMacs, const std::function<void(int64_t)>& fn) {
  if (totalMacs < 2 * kTaskMacs) {
    for (int64_t t = 0; t < tasks; t++) fn(t);
  } else {
    parallelTasks(tasks, fn);
  }
}

// A 1×1, stride-1, unpadded conv reads x itself as its im2col matrix.
bool pointwise(const ConvGeometry& g) {
  return g.filterH == 1 && g.filterW == 1 && g.strideH == 1 && g.strideW == 1 && g.padTop == 0 &&
         g.padLeft == 0 && g.outH == g.inH && g.outW == g.inW;
}

int64_t blockRows(const ConvGeometry& g) { return std::max<int64_t>(1, kBlockFloats / std::max<int64_t>(1, patchSize(g))); }

// cols[r − r0, (fy·fW + fx)·C + c] = x[n, iy, ix, c] (0 in the padding) for output rows [r0, r1).
void im2col(const float* x, float* cols, const ConvGeometry& g, int64_t r0, int64_t r1) {
  const int64_t k = patchSize(g);
  for (int64_t r = r0; r < r1; r++) {
    float* row = cols + (r - r0) * k;
    forPatchRuns(g, r, [&](int64_t at, int64_t src, int64_t length) {
      if (src < 0) {
        std::memset(row + at, 0, length * sizeof(float));
      } else {
        std::memcpy(row + at, x + src, length * sizeof(float));
      }
    });
  }
}

// The adjoint of im2col for output rows [r0, r1): dx[n, iy, ix, c] += cols[r − r0, ...].
void col2im(const float* cols, float* dx, const ConvGeometry& g, int64_t r0, int64_t r1) {
  const int64_t k = patchSize(g);
  for (int64_t r = r0; r < r1; r++) {
    const float* row = cols + (r - r0) * k;
    forPatchRuns(g, r, [&](int64_t at, int64_t dst, int64_t length) {
      if (dst < 0) return;
      float* out = dx + dst;
      const float* in = row + at;
#pragma GCC ivdep
      for (int64_t j = 0; j < length; j++) out[j] += in[j];  // cols never overlaps dx
    });
  }
}

// The im2col matrix of rows [r0, r1): x itself for a pointwise conv, else filled into scratch.
const float* colsOf(const float* x, const ConvGeometry& g, int64_t r0, int64_t r1) {
  if (pointwise(g)) return x + r0 * patchSize(g);
  float* cols = scratch((r1 - r0) * patchSize(g));
  im2col(x, cols, g, r0, r1);
  return cols;
}

}  // namespace

void init() { openblas_set_num_threads(1); }

int threads() { return poolThreads(); }

void batchMatMul(const float* a, const float* b, float* out, const int32_t* aIndex, const int32_t* bIndex,
                 int64_t batch, int64_t m, int64_t k, int64_t n, bool transA, bool transB) {
  // Each product is cut along its longer output side; every piece is a task.
  const bool byRows = m >= n;
  const int64_t split = pieces(byRows ? m : n, (byRows ? n : m) * k);
  const int64_t step = ((byRows ? m : n) + split - 1) / split;
  runTasks(batch * split, batch * m * n * k, [&](int64_t task) {
    const int64_t i = task / split, begin = (task % split) * step;
    const int64_t end = std::min(byRows ? m : n, begin + step);
    if (begin >= end) return;
    const float* ai = a + aIndex[i] * m * k;
    const float* bi = b + bIndex[i] * k * n;
    float* oi = out + i * m * n;
    if (byRows) {  // rows [begin, end) of op(a) and of out
      gemm(transA, transB, end - begin, n, k, transA ? ai + begin : ai + begin * k, transA ? m : k, bi,
           transB ? k : n, 0.0f, oi + begin * n, n);
    } else {  // columns [begin, end) of op(b) and of out
      gemm(transA, transB, m, end - begin, k, ai, transA ? m : k, transB ? bi + begin * k : bi + begin,
           transB ? k : n, 0.0f, oi + begin, n);
    }
  });
}

void conv2d(const float* x, const float* filter, float* y, const ConvGeometry& g) {
  if (directConvFits(g)) {
    directConv2d(x, filter, y, g);
    return;
  }
  if (!pointwise(g) && implicitConv2d(x, filter, y, g, TapSums::Chain)) return;
  const int64_t k = patchSize(g), rows = g.batch * rowsPerItem(g), block = blockRows(g);
  runTasks((rows + block - 1) / block, rows * k * g.outC, [&](int64_t task) {
    const int64_t r0 = task * block, r1 = std::min(rows, r0 + block);
    gemm(false, false, r1 - r0, g.outC, k, colsOf(x, g, r0, r1), k, filter, g.outC, 0.0f, y + r0 * g.outC, g.outC);
  });
}

// With stride 1 the input gradient is itself a convolution: of dy, padded by the rest of the
// dilated filter, with the filter turned 180° and its channels swapped:
// dx[n, iy, ix, ci] = Σ dy[n, iy − P + fy'·d, ..., co] · W[fH−1−fy', fW−1−fx', ci, co], P = (fH−1)·d − pad.
// Its taps (fy', fx') in order are col2im's: the output rows r that read a position, ascending.
ConvGeometry transposedGeometry(const ConvGeometry& g) {
  ConvGeometry t = g;
  t.inH = g.outH, t.inW = g.outW, t.inC = g.outC;
  t.outH = g.inH, t.outW = g.inW, t.outC = g.inC;
  t.padTop = (g.filterH - 1) * g.dilationH - g.padTop;
  t.padLeft = (g.filterW - 1) * g.dilationW - g.padLeft;
  return t;
}

// The filter of transposedGeometry: [fH, fW, outC, inC], turned.
std::vector<float> turnedFilter(const float* filter, const ConvGeometry& g) {
  std::vector<float> turned(g.filterH * g.filterW * g.inC * g.outC);
  for (int64_t fy = 0; fy < g.filterH; fy++) {
    for (int64_t fx = 0; fx < g.filterW; fx++) {
      const float* src = filter + ((g.filterH - 1 - fy) * g.filterW + (g.filterW - 1 - fx)) * g.inC * g.outC;
      float* dst = turned.data() + (fy * g.filterW + fx) * g.outC * g.inC;
      for (int64_t ci = 0; ci < g.inC; ci++) {
        for (int64_t co = 0; co < g.outC; co++) dst[co * g.inC + ci] = src[ci * g.outC + co];
      }
    }
  }
  return turned;
}

void conv2dBackpropInput(const float* dy, const float* filter, float* dx, const ConvGeometry& g) {
  // As a convolution when that reads no more than the scatter below writes (inC ≥ outC): it
  // needs no zeroing, no scatter and splits freely into row blocks.
  const bool asConv = g.strideH == 1 && g.strideW == 1 && !pointwise(g);
  if (asConv && g.inC >= g.outC) {
    conv2d(dy, turnedFilter(filter, g).data(), dx, transposedGeometry(g));
    return;
  }
  if (directConvFits(g)) {
    directConv2dBackpropInput(dy, filter, dx, g);
    return;
  }
  // Summed as the scatter below sums (dy · filterᵀ, then col2im), bit for bit.
  if (asConv && implicitConv2d(dy, turnedFilter(filter, g).data(), dx, transposedGeometry(g), TapSums::PerTap)) return;
  const int64_t k = patchSize(g), perItem = rowsPerItem(g), block = blockRows(g);
  const int64_t itemSize = g.inH * g.inW * g.inC;
  // A task owns whole batch items, so no two tasks add into the same dx.
  const int64_t itemsPerTask = std::max<int64_t>(1, block / std::max<int64_t>(1, perItem));
  runTasks((g.batch + itemsPerTask - 1) / itemsPerTask, g.batch * perItem * k * g.outC, [&](int64_t task) {
    const int64_t n0 = task * itemsPerTask, n1 = std::min(g.batch, n0 + itemsPerTask);
    const int64_t rowEnd = n1 * perItem;
    if (pointwise(g)) {
      gemm(false, true, rowEnd - n0 * perItem, k, g.outC, dy + n0 * perItem * g.outC, g.outC, filter, g.outC, 0.0f,
           dx + n0 * itemSize, k);
      return;
    }
    std::fill(dx + n0 * itemSize, dx + n1 * itemSize, 0.0f);
    float* cols = scratch(std::min(block, rowEnd - n0 * perItem) * k);
    for (int64_t r0 = n0 * perItem; r0 < rowEnd; r0 += block) {
      const int64_t r1 = std::min(rowEnd, r0 + block);
      // dcols = dy · filterᵀ, then added back onto the input positions each row read.
      gemm(false, true, r1 - r0, k, g.outC, dy + r0 * g.outC, g.outC, filter, g.outC, 0.0f, cols, k);
      col2im(cols, dx, g, r0, r1);
    }
  });
}

void conv2dBackpropFilter(const float* x, const float* dy, float* dfilter, const ConvGeometry& g) {
  if (directConvFits(g)) {
    directConv2dBackpropFilter(x, dy, dfilter, g);
    return;
  }
  if (!pointwise(g) && implicitConv2dBackpropFilter(x, dy, dfilter, g)) return;
  const int64_t k = patchSize(g), rows = g.batch * rowsPerItem(g), block = blockRows(g);
  const int64_t blocks = (rows + block - 1) / block;
  const int64_t groups = std::max<int64_t>(1, std::min(blocks, kMaxPieces));
  // Group j sums blocks [j·blocks/groups, (j+1)·blocks/groups) in order; group 0 into dfilter.
  std::vector<float> partial((groups - 1) * k * g.outC);
  runTasks(groups, rows * k * g.outC, [&](int64_t j) {
    float* sum = j == 0 ? dfilter : partial.data() + (j - 1) * k * g.outC;
    const int64_t first = j * blocks / groups, last = (j + 1) * blocks / groups;
    if (first == last) std::fill(sum, sum + k * g.outC, 0.0f);
    for (int64_t b = first; b < last; b++) {
      const int64_t r0 = b * block, r1 = std::min(rows, r0 + block);
      gemm(true, false, k, g.outC, r1 - r0, colsOf(x, g, r0, r1), k, dy + r0 * g.outC, g.outC,
           b == first ? 0.0f : 1.0f, sum, g.outC);
    }
  });
  for (int64_t j = 1; j < groups; j++) {
    const float* part = partial.data() + (j - 1) * k * g.outC;
    for (int64_t i = 0; i < k * g.outC; i++) dfilter[i] += part[i];
  }
}

void biasActivation(float* out, int64_t size, const float* bias, int64_t biasSize, Activation act) {
  if (bias != nullptr) {
    for (int64_t i = 0; i < size; i += biasSize) {
      const int64_t len = std::min(biasSize, size - i);
      for (int64_t j = 0; j < len; j++) out[i + j] += bias[j];
    }
  }
  if (act == Activation::Relu) {
    for (int64_t i = 0; i < size; i++) out[i] = std::max(out[i], 0.0f);
  }
}

}  // namespace paramdiff
