// The p-diff evaluation head of many models at once: out[m, n, c] = (1/P) Σ_p relu(x[n, p, c] ·
// scale[m, c] + shift[m, c]), i.e. inference-mode BN, ReLU and global average pooling of M models
// over shared features, without materialising the [M, N, P, C] activations the tfjs ops need.
// Each output is summed by one thread in p order: results do not depend on the thread count. (The
// AVX-512 clone fuses the multiply-add, so they may differ in the last bit from CPUs without it.)
#include <node_api.h>

#include <algorithm>
#include <cstdint>

#include "bindings.h"
#include "napi-util.h"
#include "pool.h"

namespace paramdiff {
namespace {

// Channels accumulated per pass over p (C = 64 takes one pass).
constexpr int64_t kChannelBlock = 64;
// A task covers whole images worth about this many values (≈ 0.1 ms), enough to pay for its hand-off.
constexpr int64_t kTaskValues = int64_t{1} << 18;

// o[c] = (1/P) Σ_p relu(x[p·stride + c] · s[c] + b[c]) for c < width ≤ kChannelBlock. Inlined with a
// constant width, the loops unroll and the accumulators, s and b stay in vector registers (twice
// as fast as reloading them from memory on every p).
inline __attribute__((always_inline)) void poolChannels(const float* x, const float* s, const float* b, float* o,
                                                        int64_t positions, int64_t stride, int64_t width) {
  float acc[kChannelBlock] = {};
  for (int64_t p = 0; p < positions; p++) {
    const float* xp = x + p * stride;
    for (int64_t c = 0; c < width; c++) acc[c] += std::max(xp[c] * s[c] + b[c], 0.0f);
  }
  for (int64_t c = 0; c < width; c++) o[c] = acc[c] / static_cast<float>(positions);
}

// Images [n0, n1): each image's P·C features stay in cache while all M models run over them.
__attribute__((target_clones("avx512f", "avx2", "default")))
void headImages(const float* x, const float* scale, const float* shift, float* out, int64_t n0, int64_t n1,
                int64_t models, int64_t images, int64_t positions, int64_t channels) {
  for (int64_t n = n0; n < n1; n++) {
    const float* xn = x + n * positions * channels;
    for (int64_t m = 0; m < models; m++) {
      for (int64_t c0 = 0; c0 < channels; c0 += kChannelBlock) {
        const float* s = scale + m * channels + c0;
        const float* b = shift + m * channels + c0;
        float* o = out + (m * images + n) * channels + c0;
        if (channels - c0 >= kChannelBlock) {
          poolChannels(xn + c0, s, b, o, positions, channels, kChannelBlock);
        } else {
          poolChannels(xn + c0, s, b, o, positions, channels, channels - c0);
        }
      }
    }
  }
}

void affineReluMean(const float* x, const float* scale, const float* shift, float* out, int64_t models,
                    int64_t images, int64_t positions, int64_t channels) {
  const int64_t block = std::max<int64_t>(1, kTaskValues / std::max<int64_t>(1, models * positions * channels));
  parallelTasks((images + block - 1) / block, [&](int64_t task) {
    const int64_t n0 = task * block;
    headImages(x, scale, shift, out, n0, std::min(images, n0 + block), models, images, positions, channels);
  });
}

}  // namespace

namespace bindings {

using namespace napi;

// affineReluMean(x, scale, shift, out, dims): x [N, P, C], scale and shift [M, C], out [M, N, C],
// dims an Int32Array [M, N, P, C].
napi_value AffineReluMean(napi_env env, napi_callback_info info) {
  Args args;
  if (!getArgs(env, info, args, 5)) return nullptr;
  const int32_t* d = typedArray<int32_t>(env, args.values[4], napi_int32_array, 4, "dims");
  if (!d) return nullptr;
  const int64_t models = d[0], images = d[1], positions = d[2], channels = d[3];
  if (models < 0 || images < 0 || positions < 0 || channels < 0) {
    napi_throw_range_error(env, nullptr, "dims must be non-negative");
    return nullptr;
  }
  const float* x = floats(env, args.values[0], images * positions * channels, "x");
  const float* scale = x ? floats(env, args.values[1], models * channels, "scale") : nullptr;
  const float* shift = scale ? floats(env, args.values[2], models * channels, "shift") : nullptr;
  float* out = shift ? floats(env, args.values[3], models * images * channels, "out") : nullptr;
  if (out) affineReluMean(x, scale, shift, out, models, images, positions, channels);
  return nullptr;
}

}  // namespace bindings
}  // namespace paramdiff
