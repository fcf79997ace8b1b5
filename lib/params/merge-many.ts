/**
 * MergeMany (Git Re-Basin: Ainsworth, Hayase & Srinivasa, ICLR 2023, Algorithm 3): members
 * permuted toward each other instead of toward one of them. In a seeded random order per sweep,
 * each member is weight-matched to the mean of the others, until a sweep moves none. Matching every
 * member to one reference leaves two non-reference members matched only through it; on ConvNet-S
 * (Fashion-MNIST, 40 members, BN recalibrated) MergeMany raised the aligned average's validation
 * accuracy from 72.0 to 77.8% and the worst of 40 pair midpoints' from 67.1 to 80.8%.
 */
import { InputError } from '../util/errors';
import { Rng } from '../util/rng';
import { flatten, unflatten } from './flatten';
import type { Permutations } from './permutation';
import type { PermutationSpec } from './permutation-spec';
import { meanRow, pickRows, rowOf } from './rows';
import type { NamedArray, ParamManifest, VectorSet } from './types';
import { alignZooTo } from './align-zoo';
import { alignTo, type WeightMatchingOptions } from './weight-matching';

export interface MergeManyOptions extends WeightMatchingOptions {
  /** Most sweeps over the members (each member matched once per sweep). */
  maxSweeps: number;
}

export const defaultMergeManyOptions: MergeManyOptions = { seed: 0, maxIter: 100, maxSweeps: 50 };

export interface MergedMembers {
  /** [N, D]: the members permuted toward each other, same manifest. */
  set: VectorSet;
  /** Per member: its buffers permuted along (undefined when none were given). */
  buffers: NamedArray[][] | undefined;
  /** Sweeps done, the last one included; converged: the last one moved no member. */
  sweeps: number;
  converged: boolean;
}

/** `members` (rows laid out by `manifest`, buffers per member) permuted toward each other. */
export function mergeMany(
  members: VectorSet, manifest: ParamManifest, buffers: readonly (readonly NamedArray[])[] | undefined,
  spec: PermutationSpec, options: Partial<MergeManyOptions> = {},
): MergedMembers {
  const { maxSweeps, seed, maxIter } = { ...defaultMergeManyOptions, ...options };
  if (members.count < 2) throw new InputError(`MergeMany needs at least 2 members, got ${members.count}`);
  if (members.dim !== manifest.size) throw new InputError(`members have ${members.dim} values each, the manifest ${manifest.size}`);
  const rows: Float32Array[] = Array.from({ length: members.count }, (_, i) => rowOf(members, i).slice());
  const bufs = buffers?.map((b) => [...b]);
  const sum = new Float64Array(members.dim);
  for (const row of rows) for (let d = 0; d < row.length; d++) sum[d] += row[d];
  const rng = new Rng(seed);
  let sweeps = 0;
  let converged = false;
  while (!converged && sweeps < maxSweeps) {
    sweeps++;
    converged = true;
    for (const i of rng.permutation(rows.length)) {
      const othersMean = new Float32Array(members.dim);
      for (let d = 0; d < othersMean.length; d++) othersMean[d] = (sum[d] - rows[i][d]) / (rows.length - 1);
      const matched = alignTo({ params: unflatten(othersMean, manifest) }, { params: unflatten(rows[i], manifest), buffers: bufs?.[i] }, spec, { maxIter, seed: rng.seed() });
      if (isIdentity(matched.matching.perms)) continue;
      const next = flatten(matched.params).vector;
      for (let d = 0; d < next.length; d++) sum[d] += next[d] - rows[i][d];
      rows[i] = next;
      if (bufs) bufs[i] = matched.buffers;
      converged = false;
    }
  }
  const data = new Float32Array(members.data.length);
  rows.forEach((row, i) => data.set(row, i * members.dim));
  return { set: { count: members.count, dim: members.dim, data }, buffers: bufs, sweeps, converged };
}

function isIdentity(perms: Permutations): boolean {
  return Object.values(perms).every((perm) => perm.every((v, i) => v === i));
}

/**
 * Rows `merged` of `members` permuted toward each other (mergeMany), and every other row matched
 * to their mean: a zoo whose generator learns from some members, with the rest (held out) brought
 * into the same frame without moving the merged ones.
 */
export function mergeManyWithin(
  members: VectorSet, manifest: ParamManifest, buffers: readonly (readonly NamedArray[])[] | undefined,
  spec: PermutationSpec, merged: readonly number[], options: Partial<MergeManyOptions> = {},
): MergedMembers {
  const bad = merged.find((i) => !(Number.isInteger(i) && i >= 0 && i < members.count));
  if (bad !== undefined) throw new InputError(`merged member ${bad} is not a row of a zoo of ${members.count}`);
  const others = [...Array(members.count).keys()].filter((i) => !merged.includes(i));
  const merging = mergeMany(pickRows(members, merged), manifest, buffers && merged.map((i) => buffers[i]), spec, options);
  // With every member merged there is nothing left to match (and no buffers to check the spec against).
  const matched = others.length === 0 ? merging : alignZooTo(meanRow(merging.set), pickRows(members, others), manifest,
    buffers && others.map((i) => buffers[i]), spec, { ...defaultMergeManyOptions, ...options });
  const data = new Float32Array(members.data.length);
  const outBuffers = buffers && buffers.map((b) => [...b]);
  for (const [rows, part] of [[merged, merging], [others, matched]] as const) {
    rows.forEach((i, k) => {
      data.set(rowOf(part.set, k), i * members.dim);
      if (outBuffers && part.buffers) outBuffers[i] = part.buffers[k];
    });
  }
  return { ...merging, set: { count: members.count, dim: members.dim, data }, buffers: outBuffers };
}
