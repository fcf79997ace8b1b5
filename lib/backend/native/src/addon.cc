// Node-API bindings of kernels.h. Every tensor arrives as a Float32Array view (of the wasm heap
// or of plain memory); sizes are checked against the geometry before any pointer is used.
#include <node_api.h>

#include <cblas.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "kernels.h"

namespace {

using paramdiff::ConvGeometry;

// Throws a JS error unless the call succeeded; returns whether it did.
bool ok(napi_env env, napi_status status, const char* what) {
  if (status == napi_ok) return true;
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, nullptr, what);
  return false;
}

struct Args {
  static constexpr size_t kMax = 8;
  napi_value values[kMax];
  size_t count = kMax;
};

bool getArgs(napi_env env, napi_callback_info info, Args& args, size_t expected) {
  if (!ok(env, napi_get_cb_info(env, info, &args.count, args.values, nullptr, nullptr), "bad call")) return false;
  if (args.count < expected) {
    napi_throw_type_error(env, nullptr, ("expected " + std::to_string(expected) + " arguments").c_str());
    return false;
  }
  return true;
}

// The data of a typed array of the given type and exact length.
template <typename T>
T* typedArray(napi_env env, napi_value value, napi_typedarray_type type, int64_t length, const char* name) {
  bool isTyped = false;
  napi_is_typedarray(env, value, &isTyped);
  napi_typedarray_type actual;
  size_t actualLength = 0;
  void* data = nullptr;
  if (!isTyped || napi_get_typedarray_info(env, value, &actual, &actualLength, &data, nullptr, nullptr) != napi_ok ||
      actual != type) {
    napi_throw_type_error(env, nullptr, (std::string(name) + " must be a " +
                                         (type == napi_float32_array ? "Float32Array" : "Int32Array")).c_str());
    return nullptr;
  }
  if (length >= 0 && static_cast<int64_t>(actualLength) != length) {
    napi_throw_range_error(env, nullptr, (std::string(name) + " has " + std::to_string(actualLength) +
                                          " elements, expected " + std::to_string(length)).c_str());
    return nullptr;
  }
  return static_cast<T*>(data);
}

float* floats(napi_env env, napi_value value, int64_t length, const char* name) {
  return typedArray<float>(env, value, napi_float32_array, length, name);
}

bool integer(napi_env env, napi_value value, int64_t& out, const char* name) {
  if (napi_get_value_int64(env, value, &out) != napi_ok || out < 0) {
    napi_throw_type_error(env, nullptr, (std::string(name) + " must be a non-negative integer").c_str());
    return false;
  }
  return true;
}

bool boolean(napi_env env, napi_value value, bool& out, const char* name) {
  if (napi_get_value_bool(env, value, &out) != napi_ok) {
    napi_throw_type_error(env, nullptr, (std::string(name) + " must be a boolean").c_str());
    return false;
  }
  return true;
}

// batchMatMul(a, b, out, aIndex, bIndex, dims, transposeA, transposeB): out[i] = op(a[aIndex[i]])
// · op(b[bIndex[i]]), dims an Int32Array [batchA, batchB, m, k, n].
napi_value BatchMatMul(napi_env env, napi_callback_info info) {
  Args args;
  if (!getArgs(env, info, args, 8)) return nullptr;
  const int32_t* d = typedArray<int32_t>(env, args.values[5], napi_int32_array, 5, "dims");
  if (!d) return nullptr;
  const int64_t batchA = d[0], batchB = d[1], m = d[2], k = d[3], n = d[4];
  if (batchA < 0 || batchB < 0 || m < 0 || k < 0 || n < 0) {
    napi_throw_range_error(env, nullptr, "dims must be non-negative");
    return nullptr;
  }
  bool transA = false, transB = false;
  if (!boolean(env, args.values[6], transA, "transposeA") || !boolean(env, args.values[7], transB, "transposeB")) {
    return nullptr;
  }
  const int32_t* aIndex = typedArray<int32_t>(env, args.values[3], napi_int32_array, -1, "aIndex");
  size_t batch = 0;
  if (!aIndex) return nullptr;
  napi_get_typedarray_info(env, args.values[3], nullptr, &batch, nullptr, nullptr, nullptr);
  const int32_t* bIndex = typedArray<int32_t>(env, args.values[4], napi_int32_array, batch, "bIndex");
  if (!bIndex) return nullptr;
  for (size_t i = 0; i < batch; i++) {
    if (aIndex[i] < 0 || aIndex[i] >= batchA || bIndex[i] < 0 || bIndex[i] >= batchB) {
      napi_throw_range_error(env, nullptr, "batch index out of range");
      return nullptr;
    }
  }
  const float* a = floats(env, args.values[0], batchA * m * k, "a");
  const float* b = a ? floats(env, args.values[1], batchB * k * n, "b") : nullptr;
  float* out = b ? floats(env, args.values[2], static_cast<int64_t>(batch) * m * n, "out") : nullptr;
  if (out) paramdiff::batchMatMul(a, b, out, aIndex, bIndex, static_cast<int64_t>(batch), m, k, n, transA, transB);
  return nullptr;
}

// The geometry as an Int32Array of the 15 fields of ConvGeometry, in declaration order.
bool geometry(napi_env env, napi_value value, ConvGeometry& g) {
  const int32_t* v = typedArray<int32_t>(env, value, napi_int32_array, 15, "geometry");
  if (!v) return false;
  int64_t* fields[15] = {&g.batch,   &g.inH,     &g.inW,       &g.inC,       &g.filterH,
                         &g.filterW, &g.outC,    &g.outH,      &g.outW,      &g.strideH,
                         &g.strideW, &g.dilationH, &g.dilationW, &g.padTop, &g.padLeft};
  for (int i = 0; i < 15; i++) {
    if (v[i] < 0) {
      napi_throw_range_error(env, nullptr, "geometry fields must be non-negative");
      return false;
    }
    *fields[i] = v[i];
  }
  if (g.strideH == 0 || g.strideW == 0 || g.dilationH == 0 || g.dilationW == 0) {
    napi_throw_range_error(env, nullptr, "strides and dilations must be positive");
    return false;
  }
  return true;
}

int64_t inputSize(const ConvGeometry& g) { return g.batch * g.inH * g.inW * g.inC; }
int64_t filterSize(const ConvGeometry& g) { return g.filterH * g.filterW * g.inC * g.outC; }
int64_t outputSize(const ConvGeometry& g) { return g.batch * g.outH * g.outW * g.outC; }

// conv2d(x, filter, y, geometry)
napi_value Conv2D(napi_env env, napi_callback_info info) {
  Args args;
  ConvGeometry g;
  if (!getArgs(env, info, args, 4) || !geometry(env, args.values[3], g)) return nullptr;
  const float* x = floats(env, args.values[0], inputSize(g), "x");
  const float* filter = x ? floats(env, args.values[1], filterSize(g), "filter") : nullptr;
  float* y = filter ? floats(env, args.values[2], outputSize(g), "y") : nullptr;
  if (y) paramdiff::conv2d(x, filter, y, g);
  return nullptr;
}

// conv2dBackpropInput(dy, filter, dx, geometry)
napi_value Conv2DBackpropInput(napi_env env, napi_callback_info info) {
  Args args;
  ConvGeometry g;
  if (!getArgs(env, info, args, 4) || !geometry(env, args.values[3], g)) return nullptr;
  const float* dy = floats(env, args.values[0], outputSize(g), "dy");
  const float* filter = dy ? floats(env, args.values[1], filterSize(g), "filter") : nullptr;
  float* dx = filter ? floats(env, args.values[2], inputSize(g), "dx") : nullptr;
  if (dx) paramdiff::conv2dBackpropInput(dy, filter, dx, g);
  return nullptr;
}

// conv2dBackpropFilter(x, dy, dfilter, geometry)
napi_value Conv2DBackpropFilter(napi_env env, napi_callback_info info) {
  Args args;
  ConvGeometry g;
  if (!getArgs(env, info, args, 4) || !geometry(env, args.values[3], g)) return nullptr;
  const float* x = floats(env, args.values[0], inputSize(g), "x");
  const float* dy = x ? floats(env, args.values[1], outputSize(g), "dy") : nullptr;
  float* dfilter = dy ? floats(env, args.values[2], filterSize(g), "dfilter") : nullptr;
  if (dfilter) paramdiff::conv2dBackpropFilter(x, dy, dfilter, g);
  return nullptr;
}

// biasActivation(out, bias | null, activation): activation 0 linear, 1 relu.
napi_value BiasActivation(napi_env env, napi_callback_info info) {
  Args args;
  if (!getArgs(env, info, args, 3)) return nullptr;
  float* out = floats(env, args.values[0], -1, "out");
  if (!out) return nullptr;
  size_t size = 0;
  napi_get_typedarray_info(env, args.values[0], nullptr, &size, nullptr, nullptr, nullptr);
  napi_valuetype biasType;
  napi_typeof(env, args.values[1], &biasType);
  const float* bias = nullptr;
  size_t biasSize = 0;
  if (biasType != napi_null) {
    bias = floats(env, args.values[1], -1, "bias");
    if (!bias) return nullptr;
    napi_get_typedarray_info(env, args.values[1], nullptr, &biasSize, nullptr, nullptr, nullptr);
    if (biasSize == 0 || size % biasSize != 0) {
      napi_throw_range_error(env, nullptr, "bias size must divide the output size");
      return nullptr;
    }
  }
  int64_t act = 0;
  if (!integer(env, args.values[2], act, "activation")) return nullptr;
  if (act > 1) {
    napi_throw_range_error(env, nullptr, "activation must be 0 (linear) or 1 (relu)");
    return nullptr;
  }
  paramdiff::biasActivation(out, static_cast<int64_t>(size), bias, static_cast<int64_t>(biasSize),
                            static_cast<paramdiff::Activation>(act));
  return nullptr;
}

napi_value Threads(napi_env env, napi_callback_info) {
  napi_value result;
  napi_create_int32(env, paramdiff::threads(), &result);
  return result;
}

// { config, core }: OpenBLAS's build line (e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH ...") and the CPU
// kernel set it picked at run time (e.g. "SkylakeX").
napi_value BlasInfo(napi_env env, napi_callback_info) {
  napi_value result, config, core;
  napi_create_object(env, &result);
  napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &config);
  napi_create_string_utf8(env, openblas_get_corename(), NAPI_AUTO_LENGTH, &core);
  napi_set_named_property(env, result, "config", config);
  napi_set_named_property(env, result, "core", core);
  return result;
}

napi_value Init(napi_env env, napi_value exports) {
  paramdiff::init();
  const napi_property_descriptor methods[] = {
      {"batchMatMul", nullptr, BatchMatMul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2d", nullptr, Conv2D, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackpropInput", nullptr, Conv2DBackpropInput, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackpropFilter", nullptr, Conv2DBackpropFilter, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"biasActivation", nullptr, BiasActivation, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"threads", nullptr, Threads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"blasInfo", nullptr, BlasInfo, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(methods) / sizeof(methods[0]), methods);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
