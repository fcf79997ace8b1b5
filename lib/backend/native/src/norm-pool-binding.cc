// Node-API bindings of the pooled batch-norm kernels (normalize.h): batch norm + ReLU + 2×2 max
// pool or global average pool in training, forward and backward, and the max pool's inference
// form. Every array's length is checked against the dims.
#include <node_api.h>

#include "bindings.h"
#include "napi-util.h"
#include "normalize.h"

namespace paramdiff {
namespace bindings {

using namespace napi;
namespace {

bool poolDims(napi_env env, napi_value value, PoolDims& d) {
  const int32_t* v = typedArray<int32_t>(env, value, napi_int32_array, 4, "dims");
  if (!v) return false;
  if (v[0] < 1 || v[1] < 2 || v[2] < 2 || v[3] < 1 || v[1] % 2 || v[2] % 2) {
    napi_throw_range_error(env, nullptr, "dims must be [n ≥ 1, h, w, c ≥ 1] with h and w even and ≥ 2");
    return false;
  }
  d = {v[0], v[1], v[2], v[3]};
  return true;
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

// batchNormReluPool(x, gamma, beta, pooled, mean, variance, rstd, dims, eps)
napi_value BatchNormReluPool(napi_env env, napi_callback_info info) {
  Args args;
  PoolDims d{};
  double eps = 0;
  if (!getArgs(env, info, args, 9) || !poolDims(env, args.values[7], d) ||
      !ok(env, napi_get_value_double(env, args.values[8], &eps), "eps must be a number")) {
    return nullptr;
  }
  const int64_t size = d.n * d.h * d.w * d.c;
  float* p[7];
  if (!floatArgs<7>(env, args, {size, d.c, d.c, size / 4, d.c, d.c, d.c},
                    {"x", "gamma", "beta", "pooled", "mean", "variance", "rstd"}, p)) {
    return nullptr;
  }
  batchNormReluPool(p[0], p[1], p[2], p[3], p[4], p[5], p[6], d, static_cast<float>(eps));
  return nullptr;
}

// batchNormReluPoolGrad(dyPooled, x, gamma, beta, mean, rstd, dx, dgamma, dbeta, dims)
napi_value BatchNormReluPoolGrad(napi_env env, napi_callback_info info) {
  Args args;
  PoolDims d{};
  if (!getArgs(env, info, args, 10) || !poolDims(env, args.values[9], d)) return nullptr;
  const int64_t size = d.n * d.h * d.w * d.c;
  float* p[9];
  if (!floatArgs<9>(env, args, {size / 4, size, d.c, d.c, d.c, d.c, size, d.c, d.c},
                    {"dyPooled", "x", "gamma", "beta", "mean", "rstd", "dx", "dgamma", "dbeta"}, p)) {
    return nullptr;
  }
  batchNormReluPoolGrad(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], d);
  return nullptr;
}

// dims of the mean kernels: an Int32Array [n, positions, c].
static bool meanDims(napi_env env, napi_value value, int64_t& n, int64_t& positions, int64_t& c) {
  const int32_t* v = typedArray<int32_t>(env, value, napi_int32_array, 3, "dims");
  if (!v) return false;
  if (v[0] < 1 || v[1] < 1 || v[2] < 1) {
    napi_throw_range_error(env, nullptr, "dims must be [n ≥ 1, positions ≥ 1, c ≥ 1]");
    return false;
  }
  n = v[0], positions = v[1], c = v[2];
  return true;
}

// batchNormReluMean(x, gamma, beta, pooled, mean, variance, rstd, dims, eps)
napi_value BatchNormReluMean(napi_env env, napi_callback_info info) {
  Args args;
  int64_t n = 0, positions = 0, c = 0;
  double eps = 0;
  if (!getArgs(env, info, args, 9) || !meanDims(env, args.values[7], n, positions, c) ||
      !ok(env, napi_get_value_double(env, args.values[8], &eps), "eps must be a number")) {
    return nullptr;
  }
  float* p[7];
  if (!floatArgs<7>(env, args, {n * positions * c, c, c, n * c, c, c, c},
                    {"x", "gamma", "beta", "pooled", "mean", "variance", "rstd"}, p)) {
    return nullptr;
  }
  batchNormReluMean(p[0], p[1], p[2], p[3], p[4], p[5], p[6], n, positions, c, static_cast<float>(eps));
  return nullptr;
}

// batchNormReluMeanGrad(dyMean, x, gamma, beta, mean, rstd, dx, dgamma, dbeta, dims)
napi_value BatchNormReluMeanGrad(napi_env env, napi_callback_info info) {
  Args args;
  int64_t n = 0, positions = 0, c = 0;
  if (!getArgs(env, info, args, 10) || !meanDims(env, args.values[9], n, positions, c)) return nullptr;
  const int64_t size = n * positions * c;
  float* p[9];
  if (!floatArgs<9>(env, args, {n * c, size, c, c, c, c, size, c, c},
                    {"dyMean", "x", "gamma", "beta", "mean", "rstd", "dx", "dgamma", "dbeta"}, p)) {
    return nullptr;
  }
  batchNormReluMeanGrad(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], n, positions, c);
  return nullptr;
}

// affineReluPool(x, scale, shift, pooled, dims)
napi_value AffineReluPool(napi_env env, napi_callback_info info) {
  Args args;
  PoolDims d{};
  if (!getArgs(env, info, args, 5) || !poolDims(env, args.values[4], d)) return nullptr;
  const int64_t size = d.n * d.h * d.w * d.c;
  float* p[4];
  if (!floatArgs<4>(env, args, {size, d.c, d.c, size / 4}, {"x", "scale", "shift", "pooled"}, p)) return nullptr;
  affineReluPool(p[0], p[1], p[2], p[3], d);
  return nullptr;
}

}  // namespace bindings
}  // namespace paramdiff
