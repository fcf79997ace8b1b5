// Node-API functions defined outside addon.cc; addon.cc's Init exports them.
#pragma once
#include <node_api.h>

namespace paramdiff {
namespace bindings {

// pointwise-binding.cc: elementwise ops, reductions, the 2×2 max pool, the max-pool gradient and
// the Adam, EMA and SGD updates (pointwise.h).
napi_value Binary(napi_env env, napi_callback_info info);
napi_value Unary(napi_env env, napi_callback_info info);
napi_value Reduce(napi_env env, napi_callback_info info);
napi_value MaxPool2x2(napi_env env, napi_callback_info info);
napi_value MaxPoolGrad(napi_env env, napi_callback_info info);
napi_value AdamUpdate(napi_env env, napi_callback_info info);
napi_value EmaUpdate(napi_env env, napi_callback_info info);
napi_value SgdUpdate(napi_env env, napi_callback_info info);

// normalize-binding.cc: standardisation and training batch norm with their gradients (normalize.h).
napi_value Standardize(napi_env env, napi_callback_info info);
napi_value StandardizeGrad(napi_env env, napi_callback_info info);
napi_value BatchNorm(napi_env env, napi_callback_info info);
napi_value BatchNormGrad(napi_env env, napi_callback_info info);

// norm-pool-binding.cc: batch norm + ReLU + 2×2 max pool or global average pool, training (both
// ways), and the max pool's inference form.
napi_value BatchNormReluPool(napi_env env, napi_callback_info info);
napi_value BatchNormReluPoolGrad(napi_env env, napi_callback_info info);
napi_value AffineReluPool(napi_env env, napi_callback_info info);
napi_value AffineReluMeanGrad(napi_env env, napi_callback_info info);

// head.cc: the evaluation head of many models at once.
napi_value AffineReluMean(napi_env env, napi_callback_info info);

}  // namespace bindings
}  // namespace paramdiff
