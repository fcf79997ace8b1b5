/**
 * Applying hidden-unit permutations to named arrays. Convention (a gather): along a permuted axis,
 * slice i of the result is slice `perm[i]` of the input, so unit i of the permuted network is unit
 * perm[i] of the original. The identity is [0, 1, …, n−1].
 */
import { InputError } from '../util/errors';
import { permutationSizes, type PermutationSpec } from './permutation-spec';
import type { NamedArray } from './types';

/** Permutation name → permutation (a gather index of the permuted axis). */
export type Permutations = Record<string, Int32Array>;

/** The axes of one array that permutations act on. */
export type ArrayAxes = ReadonlyArray<{ perm: string; axis: number }>;

/** The identity for every permutation of the given sizes. */
export function identityPermutations(sizes: ReadonlyMap<string, number>): Permutations {
  return Object.fromEntries([...sizes].map(([perm, n]) => [perm, Int32Array.from({ length: n }, (_, i) => i)]));
}

/** The spec read the other way: array name → the permutations acting on it and their axes. */
export function axesByArray(spec: PermutationSpec): Map<string, ArrayAxes> {
  const byArray = new Map<string, { perm: string; axis: number }[]>();
  for (const [perm, axes] of Object.entries(spec)) {
    for (const { name, axis } of axes) {
      const list = byArray.get(name) ?? [];
      list.push({ perm, axis });
      byArray.set(name, list);
    }
  }
  return byArray;
}

/** The inverse permutation: inverse[perm[i]] = i. */
export function invertPermutation(perm: Int32Array): Int32Array {
  const inverse = new Int32Array(perm.length);
  perm.forEach((j, i) => (inverse[j] = i));
  return inverse;
}

/** Reorders one axis of a row-major array: out[o, i, r] = data[o, perm[i], r]. */
function gatherAxis(data: Float32Array, shape: readonly number[], axis: number, perm: Int32Array): Float32Array {
  const n = shape[axis];
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = data.length / (n * inner);
  const out = new Float32Array(data.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < n; i++) {
      const from = (o * n + perm[i]) * inner;
      out.set(data.subarray(from, from + inner), (o * n + i) * inner);
    }
  }
  return out;
}

/**
 * One array with its permuted axes reordered (a copy). Permutations named in `skip` are left out:
 * weight matching permutes every axis but the one being solved for.
 */
export function permuteArray(array: NamedArray, axes: ArrayAxes | undefined, perms: Permutations, skip?: string): NamedArray {
  let data = array.data;
  for (const { perm, axis } of axes ?? []) {
    if (perm !== skip) data = gatherAxis(data, array.shape, axis, perms[perm]);
  }
  return { name: array.name, shape: [...array.shape], data: data === array.data ? data.slice() : data };
}

/** Throws unless `perms` holds, for each permutation of the spec, a permutation of its size. */
export function checkPermutations(sizes: ReadonlyMap<string, number>, perms: Permutations): void {
  for (const [name, n] of sizes) {
    const perm = perms[name];
    if (perm === undefined) throw new InputError(`no permutation given for "${name}"`);
    if (perm.length !== n) throw new InputError(`permutation "${name}" has ${perm.length} entries, its axes have ${n}`);
    const seen = new Uint8Array(n);
    for (const j of perm) {
      if (!(Number.isInteger(j) && j >= 0 && j < n) || seen[j]) throw new InputError(`"${name}" is not a permutation of 0..${n - 1}`);
      seen[j] = 1;
    }
  }
}

/**
 * The arrays with every axis the spec names reordered by its permutation (copies; the input is
 * untouched). Parameters and buffers may come together or in separate calls: arrays the spec does
 * not name are copied as they are, and spec entries without an array are skipped.
 */
export function applyPermutation(arrays: readonly NamedArray[], spec: PermutationSpec, perms: Permutations): NamedArray[] {
  checkPermutations(permutationSizes(spec, arrays, 'some'), perms);
  const axes = axesByArray(spec);
  return arrays.map((a) => permuteArray(a, axes.get(a.name), perms));
}
