// A per-thread scratch buffer for the kernels' temporaries (im2col blocks, padded windows).
#pragma once
#include <cstdint>
#include <memory>

namespace paramdiff {

// Only grows: no page faults or zeroing on every call. One buffer per thread, so a caller must
// be done with it before anything it calls asks for it again.
inline float* scratch(int64_t floats) {
  thread_local std::unique_ptr<float[]> buffer;
  thread_local int64_t capacity = 0;
  if (floats > capacity) {
    buffer.reset(new float[floats]);
    capacity = floats;
  }
  return buffer.get();
}

}  // namespace paramdiff
