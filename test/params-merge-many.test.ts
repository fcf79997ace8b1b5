import { strict as assert } from 'node:assert';
import { Mlp } from '../lib/models/mlp';
import { alignZoo } from '../lib/params/align-zoo';
import { flattenMany } from '../lib/params/flatten';
import { mergeMany, mergeManyWithin } from '../lib/params/merge-many';
import { readNetwork } from '../lib/params/network';
import { permutationSpecFor, type PermutationSpec } from '../lib/params/permutation-spec';
import { pickRows, rowOf } from '../lib/params/rows';
import type { ParamManifest, VectorSet } from '../lib/params/types';
import { InputError } from '../lib/util/errors';

/** Σ over pairs of ‖row i − row j‖². */
function pairSum(set: VectorSet): number {
  let s = 0;
  for (let i = 0; i < set.count; i++) for (let j = i + 1; j < set.count; j++) {
    const a = rowOf(set, i);
    const b = rowOf(set, j);
    for (let d = 0; d < set.dim; d++) s += (a[d] - b[d]) ** 2;
  }
  return s;
}

const sorted = (row: Float32Array) => [...row].sort((a, b) => a - b);

describe('params/merge-many', () => {
  let spec: PermutationSpec;
  let set: VectorSet;
  let manifest: ParamManifest;
  before(() => {
    const models = [0, 1, 2, 3, 4].map((seed) => new Mlp({ inputSize: 12, hidden: [10, 8], numClasses: 3 }, seed));
    spec = permutationSpecFor(models[0]);
    ({ set, manifest } = flattenMany(models.map((m) => readNetwork(m).params)));
    models.forEach((m) => m.dispose());
  });

  it('brings independent networks closer to each other than matching to one reference does, deterministically', () => {
    const toReference = alignZoo(set, manifest, undefined, spec, { referenceIndex: 0 }).set;
    const merged = mergeMany(toReference, manifest, undefined, spec, { seed: 3 });
    assert.ok(merged.converged && merged.sweeps >= 2, JSON.stringify({ sweeps: merged.sweeps, converged: merged.converged }));
    assert.ok(pairSum(merged.set) < pairSum(toReference), `${pairSum(merged.set)} vs ${pairSum(toReference)}`);
    assert.deepEqual(mergeMany(toReference, manifest, undefined, spec, { seed: 3 }), merged);
    // A permutation moves values between positions, never changes them.
    for (let i = 0; i < set.count; i++) assert.deepEqual(sorted(rowOf(merged.set, i)), sorted(rowOf(set, i)));
    const capped = mergeMany(toReference, manifest, undefined, spec, { seed: 3, maxSweeps: 1 });
    assert.deepEqual([capped.sweeps, capped.converged], [1, false]);
  });

  it('merges only the named members and matches the others to their mean', () => {
    const within = mergeManyWithin(set, manifest, undefined, spec, [0, 1, 3], { seed: 3 });
    assert.deepEqual(pickRows(within.set, [0, 1, 3]), mergeMany(pickRows(set, [0, 1, 3]), manifest, undefined, spec, { seed: 3 }).set);
    for (const i of [2, 4]) assert.deepEqual(sorted(rowOf(within.set, i)), sorted(rowOf(set, i)));
    assert.deepEqual(mergeManyWithin(set, manifest, undefined, spec, [0, 1, 2, 3, 4], { seed: 3 }).set, mergeMany(set, manifest, undefined, spec, { seed: 3 }).set, 'every member merged');
    assert.throws(() => mergeManyWithin(set, manifest, undefined, spec, [0, 5]), (e: Error) => e instanceof InputError && /merged member 5 is not a row of a zoo of 5/.test(e.message));
    assert.throws(() => mergeMany(pickRows(set, [2]), manifest, undefined, spec), /MergeMany needs at least 2 members, got 1/);
  });
});
