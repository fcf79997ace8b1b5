/**
 * Exact linear assignment (the "Hungarian" problem): given an [n, n] cost matrix, the permutation
 * σ that minimises (or maximises) Σ_i cost[i, σ(i)]. Weight matching solves one per layer.
 *
 * Method: shortest augmenting paths with row and column potentials (Kuhn–Munkres in the form of
 * Jonker & Volgenant, "A shortest augmenting path algorithm for dense and sparse linear assignment
 * problems", Computing 38, 1987): rows enter one at a time; each entry grows a Dijkstra tree over
 * reduced costs c[i, j] − u[i] − v[j] ≥ 0 until it reaches a free column, then flips the path.
 * O(n³) time, O(n) extra memory beyond the matrix.
 */
import { InputError } from '../util/errors';

/** Whether the assignment makes the summed cost as small ('min') or as large ('max') as possible. */
export type AssignmentSense = 'min' | 'max';

/**
 * The optimal assignment of rows to columns: `result[i]` is the column of row i.
 * `cost` is [n, n] row-major. Among several optimal assignments (ties) one is returned,
 * always the same one for the same input.
 */
export function linearAssignment(cost: Float64Array | Float32Array, n: number, sense: AssignmentSense = 'min'): Int32Array {
  if (!(Number.isInteger(n) && n >= 0)) throw new InputError(`assignment size must be a non-negative integer, got ${n}`);
  if (cost.length !== n * n) throw new InputError(`assignment of size ${n} needs ${n * n} costs, got ${cost.length}`);
  const bad = cost.findIndex((c) => !Number.isFinite(c));
  if (bad >= 0) throw new InputError(`cost ${cost[bad]} at [${Math.floor(bad / n)}, ${bad % n}] is not finite`);
  const sign = sense === 'max' ? -1 : 1;

  // 1-based so that column 0 can stand for "the row being inserted" (the tree's root).
  const u = new Float64Array(n + 1); // row potentials
  const v = new Float64Array(n + 1); // column potentials
  const rowOfColumn = new Int32Array(n + 1); // 0 = free column
  const previous = new Int32Array(n + 1); // the column before each column on its shortest path
  const minReduced = new Float64Array(n + 1);
  const visited = new Uint8Array(n + 1);

  for (let row = 1; row <= n; row++) {
    rowOfColumn[0] = row;
    let column = 0;
    minReduced.fill(Infinity);
    visited.fill(0);
    // Dijkstra over columns until a free one is reached.
    do {
      visited[column] = 1;
      const i = rowOfColumn[column];
      let delta = Infinity;
      let next = 0;
      for (let j = 1; j <= n; j++) {
        if (visited[j]) continue;
        const reduced = sign * cost[(i - 1) * n + (j - 1)] - u[i] - v[j];
        if (reduced < minReduced[j]) {
          minReduced[j] = reduced;
          previous[j] = column;
        }
        if (minReduced[j] < delta) {
          delta = minReduced[j];
          next = j;
        }
      }
      // Shift potentials so the tree's edges stay tight and reduced costs stay ≥ 0.
      for (let j = 0; j <= n; j++) {
        if (visited[j]) {
          u[rowOfColumn[j]] += delta;
          v[j] -= delta;
        } else {
          minReduced[j] -= delta;
        }
      }
      column = next;
    } while (rowOfColumn[column] !== 0);
    // Augment: flip the matched / unmatched edges along the path back to the root.
    do {
      const before = previous[column];
      rowOfColumn[column] = rowOfColumn[before];
      column = before;
    } while (column !== 0);
  }

  const result = new Int32Array(n);
  for (let j = 1; j <= n; j++) result[rowOfColumn[j] - 1] = j - 1;
  return result;
}

/** Σ_i cost[i, assignment[i]] of an [n, n] cost matrix. */
export function assignmentCost(cost: Float64Array | Float32Array, assignment: Int32Array): number {
  const n = assignment.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += cost[i * n + assignment[i]];
  return total;
}
