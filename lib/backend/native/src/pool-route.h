// The max pool's gradient routing, shared by maxPoolGrad (pointwise.cc) and the pooled batch norm
// (norm-pool.cc), which must route bit for bit alike: within a 2×2 window (positions q = 0..3 in
// row-major order), dy goes to the first maximum and +0 everywhere else.
#pragma once
#include <cstdint>
#include <cstring>
#include <limits>

namespace paramdiff {

// The window position of the first maximum of v(0) … v(3), as a select on integer masks (all
// ones or zero), which vectorises across channels where a branch would not.
template <typename Value>
inline int32_t firstMaximum(Value v) {
  float best = -std::numeric_limits<float>::infinity();
  int32_t first = -1;
  for (int32_t q = 0; q < 4; q++) {
    const float value = v(q);
    const int32_t larger = -static_cast<int32_t>(value > best);
    first = (first & ~larger) | (q & larger);
    best = value > best ? value : best;
  }
  return first;
}

// The bits of what position q receives: 0 + dy (+0 for a −0 dy, as the sum into zeros) at the
// first maximum, +0 elsewhere.
inline int32_t routedBits(float dy, int32_t first, int32_t q) {
  const float grad = 0.0f + dy;
  int32_t bits = 0;
  std::memcpy(&bits, &grad, sizeof bits);
  return bits & -static_cast<int32_t>(first == q);
}

}  // namespace paramdiff
