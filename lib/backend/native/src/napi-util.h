// Node-API helpers shared by the binding files: argument fetching and typed-array checks that
// throw a JS error naming the argument (and return null / false) instead of crashing.
#pragma once
#include <node_api.h>

#include <cstdint>
#include <string>

#include "kernels.h"

namespace paramdiff {
namespace napi {

// Throws a JS error unless the call succeeded; returns whether it did.
inline bool ok(napi_env env, napi_status status, const char* what) {
  if (status == napi_ok) return true;
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, nullptr, what);
  return false;
}

struct Args {
  static constexpr size_t kMax = 12;
  napi_value values[kMax];
  size_t count = kMax;
};

inline bool getArgs(napi_env env, napi_callback_info info, Args& args, size_t expected) {
  if (!ok(env, napi_get_cb_info(env, info, &args.count, args.values, nullptr, nullptr), "bad call")) return false;
  // count comes back as the number passed, which may exceed what values could hold.
  if (expected > Args::kMax || args.count < expected) {
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

inline float* floats(napi_env env, napi_value value, int64_t length, const char* name) {
  return typedArray<float>(env, value, napi_float32_array, length, name);
}

inline bool integer(napi_env env, napi_value value, int64_t& out, const char* name) {
  if (napi_get_value_int64(env, value, &out) != napi_ok || out < 0) {
    napi_throw_type_error(env, nullptr, (std::string(name) + " must be a non-negative integer").c_str());
    return false;
  }
  return true;
}

inline bool boolean(napi_env env, napi_value value, bool& out, const char* name) {
  if (napi_get_value_bool(env, value, &out) != napi_ok) {
    napi_throw_type_error(env, nullptr, (std::string(name) + " must be a boolean").c_str());
    return false;
  }
  return true;
}

// The geometry as an Int32Array of the 15 fields of ConvGeometry, in declaration order.
inline bool convGeometry(napi_env env, napi_value value, ConvGeometry& g) {
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

// [outer, size ≥ 1, inner] from an Int32Array, or false after throwing.
inline bool middleDims(napi_env env, napi_value value, int64_t& outer, int64_t& size, int64_t& inner) {
  const int32_t* d = typedArray<int32_t>(env, value, napi_int32_array, 3, "dims");
  if (!d) return false;
  if (d[0] < 0 || d[1] < 1 || d[2] < 0) {
    napi_throw_range_error(env, nullptr, "dims must be [outer ≥ 0, size ≥ 1, inner ≥ 0]");
    return false;
  }
  outer = d[0], size = d[1], inner = d[2];
  return true;
}

// A Float32Array of `length` values into out, or null for JS null; false after throwing.
inline bool optionalFloats(napi_env env, napi_value value, int64_t length, const char* name, float*& out) {
  napi_valuetype type = napi_undefined;
  if (!ok(env, napi_typeof(env, value, &type), name)) return false;
  out = type == napi_null ? nullptr : floats(env, value, length, name);
  return type == napi_null || out != nullptr;
}

}  // namespace napi
}  // namespace paramdiff
