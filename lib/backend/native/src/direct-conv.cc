// See direct-conv.h. The output channels are taken in blocks of a width fixed at compile time
// (16, 8, 4, then 1 to 3), so that a block's sums stay in registers while the taps are added in;
// the order of every sum depends only on the shapes. Work is cut into ranges of image lines;
// only the filter gradient sums across them, into a fixed number of partial sums added in order.
#include "direct-conv.h"

#include <algorithm>
#include <functional>
#include <type_traits>
#include <vector>

#include "conv-patch.h"
#include "direct-conv-avx512.h"
#include "pool.h"

// On x86-64 Linux with GCC the loops are also compiled for AVX2, and the CPU picks the variant
// when the addon loads (the addon is otherwise built for the baseline ISA). Every variant adds
// the same products in the same order (no fused multiply-add), so results do not depend on it.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define PARAMDIFF_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define PARAMDIFF_VECTOR_CLONES
#endif
// Inlined into each variant, so that it is compiled for that variant's instructions.
#if defined(__GNUC__)
#define PARAMDIFF_INLINE __attribute__((always_inline))
#else
#define PARAMDIFF_INLINE
#endif

namespace paramdiff {
namespace {

// Convolutions with patches of at most this many values and at most this many output channels
// go to the direct kernels (ConvNet-S's conv1: 3×3 on one channel, 16 out). With more output
// channels sgemm's n dimension is long enough to amortise the patch copy again.
constexpr int64_t kDirectPatch = 16;
constexpr int64_t kDirectOutChannels = 16;
// A task should carry at least this many multiply-adds to be worth handing to another thread.
constexpr int64_t kTaskMacs = int64_t{1} << 18;
// Partial sums of a filter gradient: at most this many, a count fixed by the shapes.
constexpr int64_t kMaxPartials = 8;

// How many pieces to cut `count` units of `macs` multiply-adds each into (at most `most`).
int64_t pieces(int64_t count, int64_t macs, int64_t most) {
  return std::max<int64_t>(1, std::min({count, count * macs / kTaskMacs, most}));
}

// fn(begin, end) over consecutive ranges covering [0, count), on the pool when worth it.
void forRanges(int64_t count, int64_t macs, const std::function<void(int64_t, int64_t)>& fn) {
  const int64_t step = (count + pieces(count, macs, count) - 1) / pieces(count, macs, count);
  parallelTasks((count + step - 1) / step, [&](int64_t t) { fn(t * step, std::min(count, (t + 1) * step)); });
}

// The widest channel block.
constexpr int kBlock = 16;

// body(width, co0) for blocks [co0, co0 + width) covering [0, outC), width a compile-time
// constant: blocks of 16, then at most one each of 8, 4 and 1 to 3.
template <typename Body>
PARAMDIFF_INLINE inline void forChannelBlocks(int64_t outC, Body body) {
  int64_t co = 0;
  for (; co + kBlock <= outC; co += kBlock) body(std::integral_constant<int, kBlock>{}, co);
  if (co + 8 <= outC) body(std::integral_constant<int, 8>{}, co), co += 8;
  if (co + 4 <= outC) body(std::integral_constant<int, 4>{}, co), co += 4;
  switch (outC - co) {
    case 3: body(std::integral_constant<int, 3>{}, co); break;
    case 2: body(std::integral_constant<int, 2>{}, co); break;
    case 1: body(std::integral_constant<int, 1>{}, co); break;
    default: break;
  }
}

// acc[j] += v · w[j] and acc[j] += a[j] · b[j] for j < B, on memory that does not overlap.
template <int B>
PARAMDIFF_INLINE inline void addScaled(float* __restrict acc, const float* __restrict w, float v) {
  for (int j = 0; j < B; j++) acc[j] += v * w[j];
}

template <int B>
PARAMDIFF_INLINE inline void addProducts(float* __restrict acc, const float* __restrict a, const float* __restrict b) {
  for (int j = 0; j < B; j++) acc[j] += a[j] * b[j];
}

// For each output coordinate o < outSize and tap f < taps, the input coordinate it reads,
// i = o·stride − pad + f·dilation, or −1 in the padding.
std::vector<int64_t> sources(int64_t outSize, int64_t taps, int64_t size, int64_t stride, int64_t pad, int64_t dilation) {
  std::vector<int64_t> table(outSize * taps, -1);
  for (int64_t o = 0; o < outSize; o++) {
    for (int64_t f = 0; f < taps; f++) {
      const int64_t i = o * stride - pad + f * dilation;
      if (i >= 0 && i < size) table[o * taps + f] = i;
    }
  }
  return table;
}

// For each input coordinate i < size and tap f < taps, the output coordinate that reads i
// through tap f (o·stride − pad + f·dilation = i), or −1 when none does.
std::vector<int64_t> readers(int64_t size, int64_t taps, int64_t outSize, int64_t stride, int64_t pad, int64_t dilation) {
  std::vector<int64_t> table(size * taps, -1);
  for (int64_t i = 0; i < size; i++) {
    for (int64_t f = 0; f < taps; f++) {
      const int64_t t = i + pad - f * dilation;
      if (t >= 0 && t % stride == 0 && t / stride < outSize) table[i * taps + f] = t / stride;
    }
  }
  return table;
}

// The tables of sources() or readers() for both axes of g.
struct TapTables {
  std::vector<int64_t> rows, cols;
};

// Output lines [l0, l1) (line = n·outH + oy) of the forward conv.
PARAMDIFF_VECTOR_CLONES
void forwardLines(const float* x, const float* filter, float* y, const ConvGeometry& g, const TapTables& src,
                  int64_t l0, int64_t l1) {
  const int64_t inC = g.inC, outC = g.outC;
  for (int64_t line = l0; line < l1; line++) {
    const int64_t n = line / g.outH, oy = line % g.outH;
    for (int64_t ox = 0; ox < g.outW; ox++) {
      forChannelBlocks(outC, [&](auto width, int64_t co0) PARAMDIFF_INLINE {
        constexpr int B = decltype(width)::value;
        float acc[B] = {};
        for (int64_t fy = 0; fy < g.filterH; fy++) {
          const int64_t iy = src.rows[oy * g.filterH + fy];
          if (iy < 0) continue;
          for (int64_t fx = 0; fx < g.filterW; fx++) {
            const int64_t ix = src.cols[ox * g.filterW + fx];
            if (ix < 0) continue;
            const float* xp = x + ((n * g.inH + iy) * g.inW + ix) * inC;
            const float* w = filter + (fy * g.filterW + fx) * inC * outC + co0;
            for (int64_t c = 0; c < inC; c++) addScaled<B>(acc, w + c * outC, xp[c]);
          }
        }
        std::copy(acc, acc + B, y + (line * g.outW + ox) * outC + co0);
      });
    }
  }
}

// Σ over batch items [n0, n1) of the filter gradient, into sum.
PARAMDIFF_VECTOR_CLONES
void filterGradientItems(const float* x, const float* dy, float* sum, const ConvGeometry& g, const TapTables& src,
                         int64_t n0, int64_t n1) {
  const int64_t inC = g.inC, outC = g.outC;
  for (int64_t fy = 0; fy < g.filterH; fy++) {
    for (int64_t fx = 0; fx < g.filterW; fx++) {
      for (int64_t c = 0; c < inC; c++) {
        forChannelBlocks(outC, [&](auto width, int64_t co0) PARAMDIFF_INLINE {
          constexpr int B = decltype(width)::value;
          float acc[B] = {};
          for (int64_t n = n0; n < n1; n++) {
            for (int64_t oy = 0; oy < g.outH; oy++) {
              const int64_t iy = src.rows[oy * g.filterH + fy];
              if (iy < 0) continue;
              const float* xline = x + (n * g.inH + iy) * g.inW * inC + c;
              const float* d = dy + (n * g.outH + oy) * g.outW * outC + co0;
              for (int64_t ox = 0; ox < g.outW; ox++) {
                const int64_t ix = src.cols[ox * g.filterW + fx];
                if (ix >= 0) addScaled<B>(acc, d + ox * outC, xline[ix * inC]);
              }
            }
          }
          std::copy(acc, acc + B, sum + ((fy * g.filterW + fx) * inC + c) * outC + co0);
        });
      }
    }
  }
}

// Input lines [l0, l1) (line = n·inH + iy) of the input gradient. A position's products are
// summed per output channel, the blocks added lane by lane, and the lanes summed at the end.
PARAMDIFF_VECTOR_CLONES
void inputGradientLines(const float* dy, const float* filter, float* dx, const ConvGeometry& g, const TapTables& readBy,
                        int64_t l0, int64_t l1) {
  const int64_t inC = g.inC, outC = g.outC;
  for (int64_t line = l0; line < l1; line++) {
    const int64_t n = line / g.inH, iy = line % g.inH;
    for (int64_t ix = 0; ix < g.inW; ix++) {
      for (int64_t c = 0; c < inC; c++) {
        float lanes[kBlock] = {};
        forChannelBlocks(outC, [&](auto width, int64_t co0) PARAMDIFF_INLINE {
          constexpr int B = decltype(width)::value;
          float acc[B] = {};
          for (int64_t fy = 0; fy < g.filterH; fy++) {
            const int64_t oy = readBy.rows[iy * g.filterH + fy];
            if (oy < 0) continue;
            for (int64_t fx = 0; fx < g.filterW; fx++) {
              const int64_t ox = readBy.cols[ix * g.filterW + fx];
              if (ox < 0) continue;
              addProducts<B>(acc, dy + ((n * g.outH + oy) * g.outW + ox) * outC + co0,
                             filter + ((fy * g.filterW + fx) * inC + c) * outC + co0);
            }
          }
          for (int j = 0; j < B; j++) lanes[j] += acc[j];
        });
        float total = 0.0f;
        for (int j = 0; j < kBlock; j++) total += lanes[j];
        dx[(line * g.inW + ix) * inC + c] = total;
      }
    }
  }
}

}  // namespace

bool directConvFits(const ConvGeometry& g) { return patchSize(g) <= kDirectPatch && g.outC <= kDirectOutChannels; }

// y[n, oy, ox, :] = Σ over taps (fy, fx) inside x and channels c of x[n, iy, ix, c] · filter[fy, fx, c, :].
void directConv2d(const float* x, const float* filter, float* y, const ConvGeometry& g) {
  const TapTables src{sources(g.outH, g.filterH, g.inH, g.strideH, g.padTop, g.dilationH),
                      sources(g.outW, g.filterW, g.inW, g.strideW, g.padLeft, g.dilationW)};
  const bool avx512 = directAvx512Fits(g);
  forRanges(g.batch * g.outH, g.outW * patchSize(g) * g.outC, [&](int64_t l0, int64_t l1) {
    if (avx512) {
      directAvx512Lines(x, filter, y, g, l0, l1);
    } else {
      forwardLines(x, filter, y, g, src, l0, l1);
    }
  });
}

// dfilter[fy, fx, c, :] = Σ over output positions of x[n, iy, ix, c] · dy[n, oy, ox, :]. Part j
// sums batch items [j·N/parts, (j+1)·N/parts) into its own buffer; the parts are added in order.
void directConv2dBackpropFilter(const float* x, const float* dy, float* dfilter, const ConvGeometry& g) {
  const int64_t size = patchSize(g) * g.outC, parts = pieces(g.batch, rowsPerItem(g) * size, kMaxPartials);
  const TapTables src{sources(g.outH, g.filterH, g.inH, g.strideH, g.padTop, g.dilationH),
                      sources(g.outW, g.filterW, g.inW, g.strideW, g.padLeft, g.dilationW)};
  const bool avx512 = directAvx512Fits(g);
  std::vector<float> partial((parts - 1) * size);
  parallelTasks(parts, [&](int64_t j) {
    float* sum = j == 0 ? dfilter : partial.data() + (j - 1) * size;
    const int64_t n0 = j * g.batch / parts, n1 = (j + 1) * g.batch / parts;
    if (avx512) {
      directAvx512FilterItems(x, dy, sum, g, n0, n1);
    } else {
      filterGradientItems(x, dy, sum, g, src, n0, n1);
    }
  });
  for (int64_t j = 1; j < parts; j++) {
    const float* part = partial.data() + (j - 1) * size;
    for (int64_t i = 0; i < size; i++) dfilter[i] += part[i];
  }
}

// dx[n, iy, ix, c] = Σ over the taps (fy, fx) through which an output (oy, ox) reads (iy, ix) of
// dy[n, oy, ox, :] · filter[fy, fx, c, :].
void directConv2dBackpropInput(const float* dy, const float* filter, float* dx, const ConvGeometry& g) {
  const TapTables readBy{readers(g.inH, g.filterH, g.outH, g.strideH, g.padTop, g.dilationH),
                         readers(g.inW, g.filterW, g.outW, g.strideW, g.padLeft, g.dilationW)};
  forRanges(g.batch * g.inH, g.inW * patchSize(g) * g.outC,
            [&](int64_t l0, int64_t l1) { inputGradientLines(dy, filter, dx, g, readBy, l0, l1); });
}

}  // namespace paramdiff
