// Node-API bindings of pointwise.h (normalize.h's: normalize-binding.cc). Lengths are checked against the shapes before any pointer
// is used; a bad call throws a JS error naming the argument.
#include <string>

#include "bindings.h"
#include "napi-util.h"
#include "pointwise.h"

namespace paramdiff {
namespace bindings {
namespace {

using namespace napi;

// An op code in [0, count).
bool opCode(napi_env env, napi_value value, int64_t count, int64_t& op) {
  if (!integer(env, value, op, "op")) return false;
  if (op >= count) {
    napi_throw_range_error(env, nullptr, ("op must be below " + std::to_string(count)).c_str());
    return false;
  }
  return true;
}

size_t lengthOf(napi_env env, napi_value value) {
  size_t length = 0;
  napi_get_typedarray_info(env, value, nullptr, &length, nullptr, nullptr, nullptr);
  return length;
}

// The elements an operand with these strides reaches over `shape`: 1 + the largest offset.
int64_t reach(const int32_t* shape, const int32_t* strides, int rank) {
  int64_t last = 0;
  for (int d = 0; d < rank; d++) last += static_cast<int64_t>(shape[d] - 1) * strides[d];
  return last + 1;
}

}  // namespace

// binary(op, a, b, out, shape, aStrides, bStrides): shape and strides Int32Arrays of one rank.
napi_value Binary(napi_env env, napi_callback_info info) {
  Args args;
  int64_t op = 0;
  if (!getArgs(env, info, args, 7) || !opCode(env, args.values[0], 5, op)) return nullptr;
  const int32_t* shape = typedArray<int32_t>(env, args.values[4], napi_int32_array, -1, "shape");
  if (!shape) return nullptr;
  const int rank = static_cast<int>(lengthOf(env, args.values[4]));
  const int32_t* aStrides = typedArray<int32_t>(env, args.values[5], napi_int32_array, rank, "aStrides");
  const int32_t* bStrides = aStrides ? typedArray<int32_t>(env, args.values[6], napi_int32_array, rank, "bStrides") : nullptr;
  if (!bStrides) return nullptr;
  if (rank < 1 || rank > 8) {
    napi_throw_range_error(env, nullptr, "rank must be 1 to 8");
    return nullptr;
  }
  int64_t size = 1, dims[8], as[8], bs[8];
  for (int d = 0; d < rank; d++) {
    if (shape[d] < 1 || aStrides[d] < 0 || bStrides[d] < 0) {
      napi_throw_range_error(env, nullptr, "dims must be positive and strides non-negative");
      return nullptr;
    }
    size *= shape[d];
    dims[d] = shape[d], as[d] = aStrides[d], bs[d] = bStrides[d];
  }
  const float* a = floats(env, args.values[1], reach(shape, aStrides, rank), "a");
  const float* b = a ? floats(env, args.values[2], reach(shape, bStrides, rank), "b") : nullptr;
  float* out = b ? floats(env, args.values[3], size, "out") : nullptr;
  if (out) binary(static_cast<BinaryOp>(op), a, b, out, rank, dims, as, bs);
  return nullptr;
}

// unary(op, x, out, alpha)
napi_value Unary(napi_env env, napi_callback_info info) {
  Args args;
  int64_t op = 0;
  if (!getArgs(env, info, args, 4) || !opCode(env, args.values[0], 3, op)) return nullptr;
  const float* x = floats(env, args.values[1], -1, "x");
  if (!x) return nullptr;
  const int64_t size = static_cast<int64_t>(lengthOf(env, args.values[1]));
  float* out = floats(env, args.values[2], size, "out");
  double alpha = 0;
  if (!out || !ok(env, napi_get_value_double(env, args.values[3], &alpha), "alpha must be a number")) return nullptr;
  unary(static_cast<UnaryOp>(op), x, out, size, static_cast<float>(alpha));
  return nullptr;
}

// reduce(op, x, out, dims): dims an Int32Array [outer, size, inner].
napi_value Reduce(napi_env env, napi_callback_info info) {
  Args args;
  int64_t op = 0, outer = 0, size = 0, inner = 0;
  if (!getArgs(env, info, args, 4) || !opCode(env, args.values[0], 2, op) ||
      !middleDims(env, args.values[3], outer, size, inner)) {
    return nullptr;
  }
  const float* x = floats(env, args.values[1], outer * size * inner, "x");
  float* out = x ? floats(env, args.values[2], outer * inner, "out") : nullptr;
  if (out) reduce(static_cast<ReduceOp>(op), x, out, outer, size, inner);
  return nullptr;
}

// adamUpdate(p, g, m, v, pOut, mOut, vOut, scalars, decoupled): scalars a Float32Array of 10 (pointwise.h).
napi_value AdamUpdate(napi_env env, napi_callback_info info) {
  Args args;
  bool decoupled = false;
  if (!getArgs(env, info, args, 9) || !boolean(env, args.values[8], decoupled, "decoupled")) return nullptr;
  const float* scalars = floats(env, args.values[7], 10, "scalars");
  const float* p = scalars ? floats(env, args.values[0], -1, "p") : nullptr;
  if (!p) return nullptr;
  const int64_t n = static_cast<int64_t>(lengthOf(env, args.values[0]));
  const char* names[] = {"g", "m", "v", "pOut", "mOut", "vOut"};
  float* ptrs[6];
  for (int t = 0; t < 6; t++) {
    ptrs[t] = floats(env, args.values[t + 1], n, names[t]);
    if (!ptrs[t]) return nullptr;
  }
  adamUpdate(p, ptrs[0], ptrs[1], ptrs[2], ptrs[3], ptrs[4], ptrs[5], n, scalars, decoupled);
  return nullptr;
}

// emaUpdate(avg, p, out, decay, rest)
napi_value EmaUpdate(napi_env env, napi_callback_info info) {
  Args args;
  double decay = 0, rest = 0;
  if (!getArgs(env, info, args, 5) || !ok(env, napi_get_value_double(env, args.values[3], &decay), "decay must be a number") ||
      !ok(env, napi_get_value_double(env, args.values[4], &rest), "rest must be a number")) {
    return nullptr;
  }
  const float* avg = floats(env, args.values[0], -1, "avg");
  if (!avg) return nullptr;
  const int64_t n = static_cast<int64_t>(lengthOf(env, args.values[0]));
  const float* p = floats(env, args.values[1], n, "p");
  float* out = p ? floats(env, args.values[2], n, "out") : nullptr;
  if (out) emaUpdate(avg, p, out, n, static_cast<float>(decay), static_cast<float>(rest));
  return nullptr;
}

// sgdUpdate(p, g, buf, pOut, bufOut, scalars): scalars a Float32Array [wd, momentum, lr].
napi_value SgdUpdate(napi_env env, napi_callback_info info) {
  Args args;
  if (!getArgs(env, info, args, 6)) return nullptr;
  const float* scalars = floats(env, args.values[5], 3, "scalars");
  const float* p = scalars ? floats(env, args.values[0], -1, "p") : nullptr;
  if (!p) return nullptr;
  const int64_t n = static_cast<int64_t>(lengthOf(env, args.values[0]));
  const char* names[] = {"g", "buf", "pOut", "bufOut"};
  float* ptrs[4];
  for (int t = 0; t < 4; t++) {
    ptrs[t] = floats(env, args.values[t + 1], n, names[t]);
    if (!ptrs[t]) return nullptr;
  }
  sgdUpdate(p, ptrs[0], ptrs[1], ptrs[2], ptrs[3], n, scalars);
  return nullptr;
}

// maxPool2x2(x, y, geometry): geometry as for maxPoolGrad, a 2×2 pool with stride 2 tiling x.
napi_value MaxPool2x2(napi_env env, napi_callback_info info) {
  Args args;
  ConvGeometry g;
  if (!getArgs(env, info, args, 3) || !convGeometry(env, args.values[2], g)) return nullptr;
  if (!pools2x2(g)) {
    napi_throw_range_error(env, nullptr, "maxPool2x2: not a 2x2 pool with stride 2 over even sizes");
    return nullptr;
  }
  const float* x = floats(env, args.values[0], g.batch * g.inH * g.inW * g.inC, "x");
  float* y = x ? floats(env, args.values[1], g.batch * g.outH * g.outW * g.inC, "y") : nullptr;
  if (y) maxPool2x2(x, y, g);
  return nullptr;
}

// maxPoolGrad(dy, x, dx, geometry): geometry as for the convolutions (addon.cc), outC = inC.
napi_value MaxPoolGrad(napi_env env, napi_callback_info info) {
  Args args;
  ConvGeometry g;
  if (!getArgs(env, info, args, 4) || !convGeometry(env, args.values[3], g)) return nullptr;
  const float* dy = floats(env, args.values[0], g.batch * g.outH * g.outW * g.inC, "dy");
  const float* x = dy ? floats(env, args.values[1], g.batch * g.inH * g.inW * g.inC, "x") : nullptr;
  float* dx = x ? floats(env, args.values[2], g.batch * g.inH * g.inW * g.inC, "dx") : nullptr;
  if (dx) maxPoolGrad(dy, x, dx, g);
  return nullptr;
}

}  // namespace bindings
}  // namespace paramdiff
