/**
 * Weight matching of a whole-network zoo, and of any later set of networks, to one reference
 * member (Git Re-Basin, Ainsworth et al. 2023, §3.2), or MergeMany of the generator's training
 * members (their Algorithm 3) with the rest matched to their mean: the generator may learn from aligned rows,
 * and the audit measures weight-space distances between aligned networks, where a permutation of
 * hidden units no longer makes two copies of one function look far apart.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { alignZoo } from '../../params/align-zoo';
import { flatten, stackVectors, unflatten } from '../../params/flatten';
import type { PermutationSpec } from '../../params/permutation-spec';
import { mergeManyWithin } from '../../params/merge-many';
import { meanRow, pickRows, rowOf, rowsOf } from '../../params/rows';
import type { NamedArray, ParamManifest, VectorSet } from '../../params/types';
import { alignTo } from '../../params/weight-matching';
import { dataFingerprint } from '../../optim/train-state';
import { configHash } from '../../util/config-diff';
import { loadWholeSeeds, saveWholeSeeds, WHOLE_PARAMS_DIR, type WholeZoo } from '../../zoo/whole-seeds';
import { MANIFEST_FILE } from '../../zoo/zoo';

export interface AlignedWholeZoo {
  params: VectorSet;
  buffers: VectorSet | null;
  /** Mean L2 distance of the other members to the reference, before and after matching. */
  distance: { before: number; after: number };
  /** What later networks are matched to (alignRows): the reference member, or the merged members' mean. */
  target: Float32Array;
}

export interface AlignOptions {
  referenceIndex: number;
  maxIter: number;
  seed: number;
  /**
   * MergeMany over these members (the generator's training members) after matching to the
   * reference, every other member then matched to their mean. Absent: the reference alone.
   */
  mergeMany?: readonly number[];
}

/**
 * Every member (buffers along) permuted to match member `referenceIndex`. With `cacheDir`, the
 * aligned zoo is kept in `<cacheDir>/<hash of the members and options>` (a whole-network zoo) and
 * reloaded by the next run instead of matched again.
 */
export function alignWholeZoo(zoo: WholeZoo, spec: PermutationSpec, options: AlignOptions, cacheDir?: string): AlignedWholeZoo {
  const { referenceIndex, maxIter, seed, mergeMany } = options;
  const reference = rowOf(zoo.params, referenceIndex);
  const identity = { aligned: dataFingerprint(zoo.params.data), spec, referenceIndex, maxIter, seed, ...(mergeMany ? { mergeMany } : {}) };
  const dir = cacheDir && path.join(cacheDir, configHash(identity).slice(0, 16));
  let aligned: { params: VectorSet; buffers: VectorSet | null };
  if (dir && fs.existsSync(path.join(dir, WHOLE_PARAMS_DIR, MANIFEST_FILE))) {
    aligned = loadWholeSeeds(dir, identity);
  } else {
    const buffers = zoo.buffers && zoo.bufferManifest ? rowsOf(zoo.buffers).map((row) => unflatten(row, zoo.bufferManifest!)) : undefined;
    const toReference = alignZoo(zoo.params, zoo.manifest, buffers, spec, { referenceIndex, maxIter, seed });
    const matched = mergeMany ? mergeManyWithin(toReference.set, zoo.manifest, toReference.buffers, spec, mergeMany, { maxIter, seed }) : toReference;
    aligned = { params: matched.set, buffers: matched.buffers ? stackVectors(matched.buffers.map((b) => flatten(b).vector)) : null };
    if (dir) saveWholeSeeds(dir, { ...zoo, ...aligned }, identity);
  }
  return {
    ...aligned,
    distance: { before: meanDistance(zoo.params, reference, referenceIndex), after: meanDistance(aligned.params, rowOf(aligned.params, referenceIndex), referenceIndex) },
    target: mergeMany ? meanRow(pickRows(aligned.params, mergeMany)) : rowOf(aligned.params, referenceIndex),
  };
}

/** Each row of `set` (parameters only) permuted to match `target` (AlignedWholeZoo.target). */
export function alignRows(set: VectorSet, target: Float32Array, manifest: ParamManifest, spec: PermutationSpec, options: Pick<AlignOptions, 'maxIter' | 'seed'>): VectorSet {
  const ref = { params: unflatten(target, manifest) };
  const rows = rowsOf(set).map((row) => {
    const aligned: NamedArray[] = alignTo(ref, { params: unflatten(row, manifest) }, spec, options).params;
    return flatten(aligned).vector;
  });
  return stackVectors(rows);
}

/** Mean ‖row − reference‖ over the rows other than `skip`. */
function meanDistance(set: VectorSet, reference: Float32Array, skip: number): number {
  let total = 0;
  for (let i = 0; i < set.count; i++) {
    if (i === skip) continue;
    const row = rowOf(set, i);
    let s = 0;
    for (let d = 0; d < set.dim; d++) s += (row[d] - reference[d]) ** 2;
    total += Math.sqrt(s);
  }
  return set.count > 1 ? total / (set.count - 1) : 0;
}
