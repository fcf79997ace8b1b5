// Node-API bindings of normalize.h: standardisation and training batch norm with their
// gradients. Lengths are checked against the shapes before any pointer is used; a bad call
// throws a JS error naming the argument.
#include "bindings.h"
#include "napi-util.h"
#include "normalize.h"

namespace paramdiff {
namespace bindings {

using namespace napi;

// standardize(x, shift, xhat, rstd, dims, eps, slope): dims [outer, size, inner]; shift
// [outer, size] or null; slope 1: no LeakyReLU.
napi_value Standardize(napi_env env, napi_callback_info info) {
  Args args;
  int64_t outer = 0, size = 0, inner = 0;
  double eps = 0, slope = 0;
  if (!getArgs(env, info, args, 7) || !middleDims(env, args.values[4], outer, size, inner) ||
      !ok(env, napi_get_value_double(env, args.values[5], &eps), "eps must be a number") ||
      !ok(env, napi_get_value_double(env, args.values[6], &slope), "slope must be a number")) {
    return nullptr;
  }
  float* shift = nullptr;
  const float* x = floats(env, args.values[0], outer * size * inner, "x");
  if (!x || !optionalFloats(env, args.values[1], outer * size, "shift", shift)) return nullptr;
  float* xhat = floats(env, args.values[2], outer * size * inner, "xhat");
  float* rstd = xhat ? floats(env, args.values[3], outer * inner, "rstd") : nullptr;
  if (rstd) standardize(x, shift, xhat, rstd, outer, size, inner, static_cast<float>(eps), static_cast<float>(slope));
  return nullptr;
}

// standardizeGrad(dy, x, shift, xhat, rstd, dx, dshift, dims, slope): x (LeakyReLU's input) null
// without a LeakyReLU; shift and dshift both null without a shift.
napi_value StandardizeGrad(napi_env env, napi_callback_info info) {
  Args args;
  int64_t outer = 0, size = 0, inner = 0;
  double slope = 0;
  if (!getArgs(env, info, args, 9) || !middleDims(env, args.values[7], outer, size, inner) ||
      !ok(env, napi_get_value_double(env, args.values[8], &slope), "slope must be a number")) {
    return nullptr;
  }
  const int64_t n = outer * size * inner;
  float *x = nullptr, *shift = nullptr, *dshift = nullptr;
  const float* dy = floats(env, args.values[0], n, "dy");
  if (!dy || !optionalFloats(env, args.values[1], n, "x", x) ||
      !optionalFloats(env, args.values[2], outer * size, "shift", shift) ||
      !optionalFloats(env, args.values[6], outer * size, "dshift", dshift)) {
    return nullptr;
  }
  if ((shift == nullptr) != (dshift == nullptr)) {
    napi_throw_type_error(env, nullptr, "shift and dshift must both be given or both be null");
    return nullptr;
  }
  const float* xhat = floats(env, args.values[3], n, "xhat");
  const float* rstd = xhat ? floats(env, args.values[4], outer * inner, "rstd") : nullptr;
  float* dx = rstd ? floats(env, args.values[5], n, "dx") : nullptr;
  if (dx) standardizeGrad(dy, x, shift, xhat, rstd, dx, dshift, outer, size, inner, static_cast<float>(slope));
  return nullptr;
}

// [size, inner] of a batch norm, from an Int32Array.
static bool rowsByChannels(napi_env env, napi_value value, int64_t& size, int64_t& inner) {
  const int32_t* d = typedArray<int32_t>(env, value, napi_int32_array, 2, "dims");
  if (!d) return false;
  if (d[0] < 1 || d[1] < 0) {
    napi_throw_range_error(env, nullptr, "dims must be [size ≥ 1, inner ≥ 0]");
    return false;
  }
  size = d[0], inner = d[1];
  return true;
}

// batchNorm(x, gamma, beta, y, mean, variance, rstd, dims, eps, relu): dims [size, inner].
napi_value BatchNorm(napi_env env, napi_callback_info info) {
  Args args;
  int64_t size = 0, inner = 0;
  double eps = 0;
  bool relu = false;
  if (!getArgs(env, info, args, 10) || !rowsByChannels(env, args.values[7], size, inner) ||
      !ok(env, napi_get_value_double(env, args.values[8], &eps), "eps must be a number") ||
      !boolean(env, args.values[9], relu, "relu")) {
    return nullptr;
  }
  const int64_t lengths[] = {size * inner, inner, inner, size * inner, inner, inner, inner};
  const char* names[] = {"x", "gamma", "beta", "y", "mean", "variance", "rstd"};
  float* ptrs[7];
  for (int t = 0; t < 7; t++) {
    ptrs[t] = floats(env, args.values[t], lengths[t], names[t]);
    if (!ptrs[t]) return nullptr;
  }
  batchNorm(ptrs[0], ptrs[1], ptrs[2], ptrs[3], ptrs[4], ptrs[5], ptrs[6], size, inner, static_cast<float>(eps), relu);
  return nullptr;
}

// batchNormGrad(dy, x, y, gamma, mean, rstd, dx, dgamma, dbeta, dims): y null without an activation.
napi_value BatchNormGrad(napi_env env, napi_callback_info info) {
  Args args;
  int64_t size = 0, inner = 0;
  if (!getArgs(env, info, args, 10) || !rowsByChannels(env, args.values[9], size, inner)) return nullptr;
  napi_valuetype yType = napi_undefined;
  if (!ok(env, napi_typeof(env, args.values[2], &yType), "y")) return nullptr;
  const bool relu = yType != napi_null;
  const int64_t lengths[] = {size * inner, size * inner, size * inner, inner, inner, inner, size * inner, inner, inner};
  const char* names[] = {"dy", "x", "y", "gamma", "mean", "rstd", "dx", "dgamma", "dbeta"};
  float* ptrs[9] = {};
  for (int t = 0; t < 9; t++) {
    if (t == 2 && !relu) continue;
    ptrs[t] = floats(env, args.values[t], lengths[t], names[t]);
    if (!ptrs[t]) return nullptr;
  }
  batchNormGrad(ptrs[0], ptrs[1], ptrs[2], ptrs[3], ptrs[4], ptrs[5], ptrs[6], ptrs[7], ptrs[8], size, inner);
  return nullptr;
}

}  // namespace bindings
}  // namespace paramdiff
