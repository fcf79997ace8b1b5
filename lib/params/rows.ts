/** Row access on a VectorSet ([count, dim] row-major), the one place that does the index arithmetic. */
import { concatTyped } from '../util/concat';
import { InputError } from '../util/errors';
import type { VectorSet } from './types';

/** Row `index` of a set, as a view. */
export function rowOf(set: VectorSet, index: number): Float32Array {
  if (!(Number.isInteger(index) && index >= 0 && index < set.count)) throw new InputError(`row ${index} is outside [0, ${set.count})`);
  return set.data.subarray(index * set.dim, (index + 1) * set.dim);
}

/** Every row of a set, as views. */
export function rowsOf(set: VectorSet): Float32Array[] {
  return Array.from({ length: set.count }, (_, k) => rowOf(set, k));
}

/** The first `rows` rows of a set. */
export function firstRows(set: VectorSet, rows: number): VectorSet {
  if (!(Number.isInteger(rows) && rows >= 0 && rows <= set.count)) throw new InputError(`cannot take ${rows} of ${set.count} rows`);
  return { count: rows, dim: set.dim, data: set.data.slice(0, rows * set.dim) };
}

/** The rows at `indices`, in that order, as a new set. */
export function pickRows(set: VectorSet, indices: readonly number[]): VectorSet {
  const data = new Float32Array(indices.length * set.dim);
  indices.forEach((r, i) => data.set(rowOf(set, r), i * set.dim));
  return { count: indices.length, dim: set.dim, data };
}

/** The sets' rows one after another (sets of one dim). */
export function concatRows(sets: readonly VectorSet[]): VectorSet {
  const dim = sets[0]?.dim ?? 0;
  if (sets.some((s) => s.dim !== dim)) throw new InputError(`cannot stack rows of ${sets.map((s) => s.dim).join(', ')} values`);
  return { count: sets.reduce((n, s) => n + s.count, 0), dim, data: concatTyped(sets.map((s) => s.data), (n) => new Float32Array(n)) };
}

/** The set stacked `times` times: [times·count, dim]. */
export function repeatRows(set: VectorSet, times: number): VectorSet {
  if (!(Number.isInteger(times) && times >= 1)) throw new InputError(`cannot repeat rows ${times} times`);
  const size = set.count * set.dim;
  const data = new Float32Array(times * size);
  for (let r = 0; r < times; r++) data.set(set.data.subarray(0, size), r * size);
  return { count: times * set.count, dim: set.dim, data };
}

/** The element-wise mean of the rows. */
export function meanRow(set: VectorSet): Float32Array {
  const sum = new Float64Array(set.dim);
  for (let i = 0; i < set.count; i++) for (let d = 0; d < set.dim; d++) sum[d] += set.data[i * set.dim + d];
  return Float32Array.from(sum, (v) => v / set.count);
}
