// Node-API bindings of kernels.h. Every tensor arrives as a Float32Array view (of the wasm heap
// or of plain memory); sizes are checked against the geometry before any pointer is used.
#include <node_api.h>

#include <cblas.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "bindings.h"
#include "kernels.h"
#include "napi-util.h"

namespace {

using paramdiff::ConvGeometry;
using namespace paramdiff::napi;

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

int64_t inputSize(const ConvGeometry& g) { return g.batch * g.inH * g.inW * g.inC; }
int64_t filterSize(const ConvGeometry& g) { return g.filterH * g.filterW * g.inC * g.outC; }
int64_t outputSize(const ConvGeometry& g) { return g.batch * g.outH * g.outW * g.outC; }

// The three convolution kernels share one binding shape: (in0, in1, out, geometry), each buffer
// checked against the size the geometry gives it.
using ConvKernel = void (*)(const float*, const float*, float*, const ConvGeometry&);
using ConvSize = int64_t (*)(const ConvGeometry&);
struct ConvBuffer {
  ConvSize size;
  const char* name;
};

napi_value convBinding(napi_env env, napi_callback_info info, ConvKernel kernel, ConvBuffer in0, ConvBuffer in1, ConvBuffer out) {
  Args args;
  ConvGeometry g;
  if (!getArgs(env, info, args, 4) || !convGeometry(env, args.values[3], g)) return nullptr;
  const float* a = floats(env, args.values[0], in0.size(g), in0.name);
  const float* b = a ? floats(env, args.values[1], in1.size(g), in1.name) : nullptr;
  float* y = b ? floats(env, args.values[2], out.size(g), out.name) : nullptr;
  if (y) kernel(a, b, y, g);
  return nullptr;
}

// conv2d(x, filter, y, geometry)
napi_value Conv2D(napi_env env, napi_callback_info info) {
  return convBinding(env, info, paramdiff::conv2d, {inputSize, "x"}, {filterSize, "filter"}, {outputSize, "y"});
}

// conv2dBackpropInput(dy, filter, dx, geometry)
napi_value Conv2DBackpropInput(napi_env env, napi_callback_info info) {
  return convBinding(env, info, paramdiff::conv2dBackpropInput, {outputSize, "dy"}, {filterSize, "filter"}, {inputSize, "dx"});
}

// conv2dBackpropFilter(x, dy, dfilter, geometry)
napi_value Conv2DBackpropFilter(napi_env env, napi_callback_info info) {
  return convBinding(env, info, paramdiff::conv2dBackpropFilter, {inputSize, "x"}, {outputSize, "dy"}, {filterSize, "dfilter"});
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
      {"binary", nullptr, paramdiff::bindings::Binary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"unary", nullptr, paramdiff::bindings::Unary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reduce", nullptr, paramdiff::bindings::Reduce, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPool2x2", nullptr, paramdiff::bindings::MaxPool2x2, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPoolGrad", nullptr, paramdiff::bindings::MaxPoolGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"standardize", nullptr, paramdiff::bindings::Standardize, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"standardizeGrad", nullptr, paramdiff::bindings::StandardizeGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNorm", nullptr, paramdiff::bindings::BatchNorm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNormGrad", nullptr, paramdiff::bindings::BatchNormGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNormReluPool", nullptr, paramdiff::bindings::BatchNormReluPool, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNormReluPoolGrad", nullptr, paramdiff::bindings::BatchNormReluPoolGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"affineReluPool", nullptr, paramdiff::bindings::AffineReluPool, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"affineReluMeanGrad", nullptr, paramdiff::bindings::AffineReluMeanGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adamUpdate", nullptr, paramdiff::bindings::AdamUpdate, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"emaUpdate", nullptr, paramdiff::bindings::EmaUpdate, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sgdUpdate", nullptr, paramdiff::bindings::SgdUpdate, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"affineReluMean", nullptr, paramdiff::bindings::AffineReluMean, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"threads", nullptr, Threads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"blasInfo", nullptr, BlasInfo, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(methods) / sizeof(methods[0]), methods);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
