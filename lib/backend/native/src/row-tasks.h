// The work splits that the memory-bound kernels share (pointwise.cc, normalize.cc): flat ranges,
// whole rows of [outer, size, inner] operands, and column sums over the middle axis cut into
// pieces whose count depends only on the shapes, added in piece order (reproducible bit for bit).
#pragma once
#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

#include "pool.h"

namespace paramdiff {

// Elements per task: below this, handing work to another thread costs more than it saves.
constexpr int64_t kTaskElements = int64_t{1} << 15;

// fn(begin, end) over [0, size) in ranges of about kTaskElements, on the pool when worth it.
inline void forRanges(int64_t size, const std::function<void(int64_t, int64_t)>& fn) {
  const int64_t tasks = std::max<int64_t>(1, (size + kTaskElements - 1) / kTaskElements);
  if (tasks == 1) {
    fn(0, size);
    return;
  }
  parallelTasks(tasks, [&](int64_t t) { fn(t * kTaskElements, std::min(size, (t + 1) * kTaskElements)); });
}

// fn(at, j) for every row of [outer, size, inner] operands: at = (o·size + s)·inner is where
// the row starts, j = o·inner where its [outer, inner] statistics start. Whole rows per task.
template <typename F>
void forRows(int64_t outer, int64_t size, int64_t inner, F fn) {
  const int64_t rowsPerTask = std::max<int64_t>(1, kTaskElements / std::max<int64_t>(1, inner));
  const int64_t rows = outer * size;
  auto task = [&](int64_t t) {
    for (int64_t r = t * rowsPerTask; r < std::min(rows, (t + 1) * rowsPerTask); r++) fn(r * inner, r / size * inner);
  };
  const int64_t tasks = (rows + rowsPerTask - 1) / rowsPerTask;
  if (tasks <= 1) {
    if (rows > 0) task(0);
  } else {
    parallelTasks(tasks, task);
  }
}

// Pieces the reduced axis is cut into: enough to share a lone big sum between threads, at most
// 16; a function of the shape only.
inline int64_t reducePieces(int64_t outer, int64_t size, int64_t inner) {
  if (outer >= 8) return 1;
  return std::clamp<int64_t>(size * inner / kTaskElements, 1, std::min<int64_t>(16, size));
}

// Σ term(at, j) for at in [begin, begin + n): 8 running sums (one vector register) added at the
// end, so that a long contiguous sum vectorises instead of waiting on one accumulator.
template <typename Term>
float contiguousSum(Term term, int64_t begin, int64_t n, int64_t j) {
  constexpr int kLanes = 8;
  float lanes[kLanes] = {};
  int64_t s = 0;
  for (; s + kLanes <= n; s += kLanes) {
    for (int k = 0; k < kLanes; k++) lanes[k] += term(begin + s + k, j);
  }
  float sum = 0.0f;
  for (int k = 0; k < kLanes; k++) sum += lanes[k];
  for (; s < n; s++) sum += term(begin + s, j);
  return sum;
}

// out[o, i] = Σ_s term(at, j) with at = (o·size + s)·inner + i, the flat index into [outer, size,
// inner] operands, and j = o·inner + i, the index into [outer, inner] statistics: the reduced axis
// is cut into reducePieces pieces summed apart, then added in piece order, so the rounding
// depends on the shape alone. Small rows are grouped so that each task has work worth its hand-off.
template <typename Term>
void columnSums(int64_t outer, int64_t size, int64_t inner, float* out, Term term) {
  const int64_t pieces = reducePieces(outer, size, inner);
  const int64_t perPiece = (size + pieces - 1) / pieces;
  const int64_t outerPerTask = pieces > 1 ? 1 : std::max<int64_t>(1, kTaskElements / std::max<int64_t>(1, size * inner));
  const int64_t tasks = (outer + outerPerTask - 1) / outerPerTask * pieces;
  std::vector<float> partial(static_cast<size_t>(outer * pieces * inner), 0.0f);
  auto task = [&](int64_t t) {
    const int64_t piece = t % pieces, first = t / pieces * outerPerTask;
    const int64_t begin = piece * perPiece, end = std::min(size, (piece + 1) * perPiece);
    for (int64_t o = first; o < std::min(outer, first + outerPerTask); o++) {
      float* acc = partial.data() + (o * pieces + piece) * inner;
      if (inner == 1) {
        acc[0] = contiguousSum(term, o * size + begin, end - begin, o);
        continue;
      }
      for (int64_t s = begin; s < end; s++) {
        const int64_t row = (o * size + s) * inner;
        for (int64_t i = 0; i < inner; i++) acc[i] += term(row + i, o * inner + i);
      }
    }
  };
  if (outer * size * inner < 2 * kTaskElements) {
    for (int64_t t = 0; t < tasks; t++) task(t);
  } else {
    parallelTasks(tasks, task);
  }
  for (int64_t o = 0; o < outer; o++) {
    for (int64_t i = 0; i < inner; i++) {
      float sum = 0.0f;
      for (int64_t p = 0; p < pieces; p++) sum += partial[(o * pieces + p) * inner + i];
      out[o * inner + i] = sum;
    }
  }
}

}  // namespace paramdiff
