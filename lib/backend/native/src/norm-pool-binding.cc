// Node-API bindings of the pooled batch-norm kernels (normalize.h): batch norm + ReLU + 2×2 max
// pool or global average pool in training, forward and backward, and in inference (the mean's
// gradient for the affine parameters). dims is an Int32Array [n, h, w, c] of x; every array's length is checked against it.
#include <node_api.h>

#include "bindings.h"
#include "napi-util.h"
#include "normalize.h"

namespace paramdiff {
namespace bindings {

using namespace napi;
namespace {

// dims [n, h, w, c] of x; the max pool also needs h and w even.
bool poolDims(napi_env env, napi_value value, Pooling pooling, PoolDims& d) {
  const int32_t* v = typedArray<int32_t>(env, value, napi_int32_array, 4, "dims");
  if (!v) return false;
  if (v[0] < 1 || v[1] < 1 || v[2] < 1 || v[3] < 1) {
    napi_throw_range_error(env, nullptr, "dims must be [n, h, w, c], each ≥ 1");
    return false;
  }
  if (pooling == Pooling::Max2x2 && (v[1] % 2 || v[2] % 2)) {
    napi_throw_range_error(env, nullptr, "the 2x2 max pool needs h and w even");
    return false;
  }
  d = {v[0], v[1], v[2], v[3]};
  return true;
}

// The pooling named by a number (0 the 2×2 max pool, 1 the mean), or false after throwing.
bool poolingOf(napi_env env, napi_value value, Pooling& pooling) {
  int64_t code = 0;
  if (!integer(env, value, code, "pooling")) return false;
  if (code > 1) {
    napi_throw_range_error(env, nullptr, "pooling must be 0 (2x2 max) or 1 (mean)");
    return false;
  }
  pooling = static_cast<Pooling>(code);
  return true;
}

// The pooling at args[poolingAt], then the dims at args[dimsAt] that it accepts.
bool poolingAndDims(napi_env env, const Args& args, size_t poolingAt, size_t dimsAt, Pooling& pooling, PoolDims& d) {
  return poolingOf(env, args.values[poolingAt], pooling) && poolDims(env, args.values[dimsAt], pooling, d);
}

int64_t pooledLength(Pooling pooling, const PoolDims& d) {
  return pooling == Pooling::Mean ? d.n * d.c : d.n * (d.h / 2) * (d.w / 2) * d.c;
}

// The float arrays args[0 .. count), each of its length, or false after throwing.
template <int N>
bool floatArgs(napi_env env, const Args& args, const int64_t (&lengths)[N], const char* const (&names)[N], float* (&out)[N]) {
  for (int t = 0; t < N; t++) {
    out[t] = floats(env, args.values[t], lengths[t], names[t]);
    if (!out[t]) return false;
  }
  return true;
}

}  // namespace

// batchNormReluPool(x, gamma, beta, pooled, mean, variance, rstd, dims, eps, pooling)
napi_value BatchNormReluPool(napi_env env, napi_callback_info info) {
  Args args;
  Pooling pooling = Pooling::Max2x2;
  PoolDims d{};
  double eps = 0;
  if (!getArgs(env, info, args, 10) || !poolingAndDims(env, args, 9, 7, pooling, d) ||
      !ok(env, napi_get_value_double(env, args.values[8], &eps), "eps must be a number")) {
    return nullptr;
  }
  const int64_t size = d.n * d.h * d.w * d.c;
  float* p[7];
  if (!floatArgs<7>(env, args, {size, d.c, d.c, pooledLength(pooling, d), d.c, d.c, d.c},
                    {"x", "gamma", "beta", "pooled", "mean", "variance", "rstd"}, p)) {
    return nullptr;
  }
  batchNormReluPool(pooling, p[0], p[1], p[2], p[3], p[4], p[5], p[6], d, static_cast<float>(eps));
  return nullptr;
}

// batchNormReluPoolGrad(dyPooled, x, gamma, beta, mean, rstd, dx, dgamma, dbeta, dims, pooling)
napi_value BatchNormReluPoolGrad(napi_env env, napi_callback_info info) {
  Args args;
  Pooling pooling = Pooling::Max2x2;
  PoolDims d{};
  if (!getArgs(env, info, args, 11) || !poolingAndDims(env, args, 10, 9, pooling, d)) return nullptr;
  const int64_t size = d.n * d.h * d.w * d.c;
  float* p[9];
  if (!floatArgs<9>(env, args, {pooledLength(pooling, d), size, d.c, d.c, d.c, d.c, size, d.c, d.c},
                    {"dyPooled", "x", "gamma", "beta", "mean", "rstd", "dx", "dgamma", "dbeta"}, p)) {
    return nullptr;
  }
  batchNormReluPoolGrad(pooling, p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], d);
  return nullptr;
}

// affineReluPool(x, scale, shift, pooled, dims, pooling)
napi_value AffineReluPool(napi_env env, napi_callback_info info) {
  Args args;
  Pooling pooling = Pooling::Max2x2;
  PoolDims d{};
  float* p[4];
  if (!getArgs(env, info, args, 6) || !poolingAndDims(env, args, 5, 4, pooling, d) ||
      !floatArgs<4>(env, args, {d.n * d.h * d.w * d.c, d.c, d.c, pooledLength(pooling, d)}, {"x", "scale", "shift", "pooled"}, p)) {
    return nullptr;
  }
  affineReluPool(pooling, p[0], p[1], p[2], p[3], d);
  return nullptr;
}

// affineReluMeanGrad(dyMean, x, scale, shift, dscale, dshift, dims)
napi_value AffineReluMeanGrad(napi_env env, napi_callback_info info) {
  Args args;
  PoolDims d{};
  if (!getArgs(env, info, args, 7) || !poolDims(env, args.values[6], Pooling::Mean, d)) return nullptr;
  float* p[6];
  if (!floatArgs<6>(env, args, {d.n * d.c, d.n * d.h * d.w * d.c, d.c, d.c, d.c, d.c},
                    {"dyMean", "x", "scale", "shift", "dscale", "dshift"}, p)) {
    return nullptr;
  }
  affineReluMeanGrad(p[0], p[1], p[2], p[3], p[4], p[5], d);
  return nullptr;
}

}  // namespace bindings
}  // namespace paramdiff
