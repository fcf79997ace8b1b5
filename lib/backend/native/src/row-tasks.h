// The work splits that the memory-bound kernels share (pointwise.cc, normalize.cc): flat ranges,
// whole rows of [outer, size, inner] operands, and column sums over the middle axis cut into
// pieces whose count depends only on the shapes, added in piece order (reproducible bit for bit).
#pragma once
#include <algorithm>
#include <array>
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

// fn(begin, end) over blocks of whole rows of [rows, inner] operands, on the pool when worth it.
template <typename F>
void forRowBlocks(int64_t rows, int64_t inner, F fn) {
  const int64_t rowsPerTask = std::max<int64_t>(1, kTaskElements / std::max<int64_t>(1, inner));
  const int64_t tasks = (rows + rowsPerTask - 1) / rowsPerTask;
  if (tasks <= 1) {
    if (rows > 0) fn(0, rows);
    return;
  }
  parallelTasks(tasks, [&](int64_t t) { fn(t * rowsPerTask, std::min(rows, (t + 1) * rowsPerTask)); });
}

// fn(at, j) for every row of [outer, size, inner] operands: at = (o·size + s)·inner is where
// the row starts, j = o·inner where its [outer, inner] statistics start. Whole rows per task.
template <typename F>
void forRows(int64_t outer, int64_t size, int64_t inner, F fn) {
  forRowBlocks(outer * size, inner, [&](int64_t begin, int64_t end) {
    // o counted along, not r / size per row: a division per row costs as much as a short row's work.
    int64_t o = begin / size, s = begin - o * size;
    for (int64_t r = begin; r < end; r++) {
      fn(r * inner, o * inner);
      if (++s == size) s = 0, o++;
    }
  });
}

// Pieces the reduced axis is cut into: enough to share a lone big sum between threads, at most
// 16; a function of the shape only.
inline int64_t reducePieces(int64_t outer, int64_t size, int64_t inner) {
  if (outer >= 8) return 1;
  return std::clamp<int64_t>(size * inner / kTaskElements, 1, std::min<int64_t>(16, size));
}

// K sums at once: term(at, j) returns std::array<float, K>, one term of each, so that sums over
// the same operands read them in one pass. Each sum's rounding is that of summing it alone.
template <int K>
using Sums = std::array<float, K>;

// Σ term(at, j) for at in [begin, begin + n): 8 running sums (one vector register) added at the
// end, so that a long contiguous sum vectorises instead of waiting on one accumulator.
template <int K, typename Term>
Sums<K> contiguousSums(Term term, int64_t begin, int64_t n, int64_t j) {
  constexpr int kLanes = 8;
  float lanes[K][kLanes] = {};
  int64_t s = 0;
  for (; s + kLanes <= n; s += kLanes) {
    for (int l = 0; l < kLanes; l++) {
      const Sums<K> t = term(begin + s + l, j);
      for (int k = 0; k < K; k++) lanes[k][l] += t[k];
    }
  }
  Sums<K> sums{};
  for (int k = 0; k < K; k++) {
    for (int l = 0; l < kLanes; l++) sums[k] += lanes[k][l];
  }
  for (; s < n; s++) {
    const Sums<K> t = term(begin + s, j);
    for (int k = 0; k < K; k++) sums[k] += t[k];
  }
  return sums;
}

// acc[k·stride + i] += term(at + i, j + i)[k] for `rows` rows of `inner` values from `at`. acc
// overlaps no operand and the K sums' slices do not overlap (GCC ivdep): without the alias checks
// GCC would run before each short row, one pass with K = 2 is faster than two passes.
template <int K, typename Term>
void addRows(float* __restrict acc, int64_t stride, int64_t at, int64_t rows, int64_t inner, int64_t j, Term term) {
  for (int64_t r = 0; r < rows; r++, at += inner) {
#pragma GCC ivdep
    for (int64_t i = 0; i < inner; i++) {
      const Sums<K> t = term(at + i, j + i);
      for (int k = 0; k < K; k++) acc[k * stride + i] += t[k];
    }
  }
}

// out[k][o, i] = Σ_s of the terms that addPiece(acc, o, begin, end) adds into acc[k·inner + i] for
// the rows s in [begin, end) of outer index o, in row order: the reduced axis is cut into
// reducePieces pieces summed apart, then added in piece order, so the rounding depends on the shape
// alone. Small rows are grouped so that each task has work worth its hand-off.
template <int K, typename AddPiece>
void columnSumsWith(int64_t outer, int64_t size, int64_t inner, const std::array<float*, K>& out, AddPiece addPiece) {
  const int64_t pieces = reducePieces(outer, size, inner);
  const int64_t perPiece = (size + pieces - 1) / pieces;
  const int64_t outerPerTask = pieces > 1 ? 1 : std::max<int64_t>(1, kTaskElements / std::max<int64_t>(1, size * inner));
  const int64_t tasks = (outer + outerPerTask - 1) / outerPerTask * pieces;
  const int64_t stride = outer * pieces * inner;  // between the partial sums of two of the K sums
  std::vector<float> partial(static_cast<size_t>(K * stride), 0.0f);
  auto task = [&](int64_t t) {
    const int64_t piece = t % pieces, first = t / pieces * outerPerTask;
    const int64_t begin = piece * perPiece, end = std::min(size, (piece + 1) * perPiece);
    // Each task sums into its own buffer and copies it out once: two threads adding, row after
    // row, into neighbouring slices of `partial` that share a cache line ran 3× slower than one.
    std::vector<float> local(static_cast<size_t>(K * inner));
    for (int64_t o = first; o < std::min(outer, first + outerPerTask); o++) {
      std::fill(local.begin(), local.end(), 0.0f);
      addPiece(local.data(), o, begin, end);
      float* acc = partial.data() + (o * pieces + piece) * inner;
      for (int k = 0; k < K; k++) std::copy_n(local.data() + k * inner, inner, acc + k * stride);
    }
  };
  if (outer * size * inner < 2 * kTaskElements) {
    for (int64_t t = 0; t < tasks; t++) task(t);
  } else {
    parallelTasks(tasks, task);
  }
  for (int k = 0; k < K; k++) {
    for (int64_t o = 0; o < outer; o++) {
      for (int64_t i = 0; i < inner; i++) {
        float sum = 0.0f;
        for (int64_t p = 0; p < pieces; p++) sum += partial[k * stride + (o * pieces + p) * inner + i];
        out[k][o * inner + i] = sum;
      }
    }
  }
}

// out[k][o, i] = Σ_s term(at, j)[k] with at = (o·size + s)·inner + i, the flat index into
// [outer, size, inner] operands, and j = o·inner + i, the index into [outer, inner] statistics.
template <int K, typename Term>
void columnSums(int64_t outer, int64_t size, int64_t inner, const std::array<float*, K>& out, Term term) {
  columnSumsWith<K>(outer, size, inner, out, [&](float* acc, int64_t o, int64_t begin, int64_t end) {
    if (inner == 1) {
      const Sums<K> sums = contiguousSums<K>(term, o * size + begin, end - begin, o);
      for (int k = 0; k < K; k++) acc[k] = sums[k];
      return;
    }
    addRows<K>(acc, inner, (o * size + begin) * inner, end - begin, inner, o * inner, term);
  });
}

// The same over [1, size, inner] operands (inner > 1) whose terms come a row at a time: each task
// makes its own rowTerms = makeRowTerms(begin, end) for its rows (it may keep scratch between them) and calls
// rowTerms(s, terms) for its rows s in order; it writes term k of column i at terms[k·inner + i].
// The sums are those of columnSums with the equivalent per-element term, bit for bit.
template <int K, typename MakeRowTerms>
void columnSumsByRow(int64_t size, int64_t inner, const std::array<float*, K>& out, MakeRowTerms makeRowTerms) {
  columnSumsWith<K>(1, size, inner, out, [&](float* acc, int64_t, int64_t begin, int64_t end) {
    auto rowTerms = makeRowTerms(begin, end);
    std::vector<float> terms(static_cast<size_t>(K * inner));
    float* t = terms.data();
    for (int64_t s = begin; s < end; s++) {
      rowTerms(s, t);
#pragma GCC ivdep
      for (int64_t i = 0; i < K * inner; i++) acc[i] += t[i];
    }
  });
}

// Whether columnSums adds up each [size, inner] slab of [outer, size, inner] operands alone, row
// after row from zero (one piece, rows of more than one value): then addRows over one slab gives
// the same sums, and a kernel can take them and use them while the slab is in cache (forSlabs).
inline bool wholeSlabs(int64_t outer, int64_t size, int64_t inner) {
  return inner > 1 && reducePieces(outer, size, inner) == 1;
}

// fn(o) for every slab o of [outer, size, inner] operands, whole slabs per task, as columnSums
// groups them.
template <typename F>
void forSlabs(int64_t outer, int64_t size, int64_t inner, F fn) {
  const int64_t perTask = std::max<int64_t>(1, kTaskElements / std::max<int64_t>(1, size * inner));
  const int64_t tasks = (outer + perTask - 1) / perTask;
  auto task = [&](int64_t t) {
    for (int64_t o = t * perTask; o < std::min(outer, (t + 1) * perTask); o++) fn(o);
  };
  if (outer * size * inner < 2 * kTaskElements) {
    for (int64_t t = 0; t < tasks; t++) task(t);
  } else {
    parallelTasks(tasks, task);
  }
}

// One sum: term(at, j) returns a float.
template <typename Term>
void columnSums(int64_t outer, int64_t size, int64_t inner, float* out, Term term) {
  columnSums<1>(outer, size, inner, {out}, [term](int64_t at, int64_t j) { return Sums<1>{term(at, j)}; });
}

}  // namespace paramdiff
