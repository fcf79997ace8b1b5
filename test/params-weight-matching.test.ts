import * as tf from '@tensorflow/tfjs';
import { strict as assert } from 'node:assert';
import { ConvNetS } from '../lib/models/convnet-s';
import { Mlp } from '../lib/models/mlp';
import type { TaskModel } from '../lib/models/task-model';
import { alignZoo } from '../lib/params/align-zoo';
import { flattenMany } from '../lib/params/flatten';
import { readNetwork } from '../lib/params/network';
import { applyPermutation, invertPermutation, type Permutations } from '../lib/params/permutation';
import { mlpPermutationSpec, permutationSizes, permutationSpecFor, type PermutationSpec } from '../lib/params/permutation-spec';
import { rowOf } from '../lib/params/rows';
import type { NamedArray } from '../lib/params/types';
import { alignTo, weightMatching } from '../lib/params/weight-matching';
import { InputError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';

function randomPerms(spec: PermutationSpec, arrays: readonly NamedArray[], seed: number): Permutations {
  const rng = new Rng(seed);
  return Object.fromEntries([...permutationSizes(spec, arrays, 'some')].map(([p, n]) => [p, rng.permutation(n)]));
}

function squaredDistance(a: readonly NamedArray[], b: readonly NamedArray[]): number {
  let s = 0;
  a.forEach((x, k) => x.data.forEach((v, i) => (s += (v - b[k].data[i]) ** 2)));
  return s;
}

function withModels(models: TaskModel[], body: () => void): void {
  try {
    body();
  } finally {
    models.forEach((m) => m.dispose());
  }
}

/** A ConvNet-S whose BN vectors and running statistics are random, not 1 / 0. */
function convnetWithBnStats(seed: number): ConvNetS {
  const model = new ConvNetS({ inChannels: 1, numClasses: 4, channels: [5, 6, 7] }, seed);
  const rng = new Rng(seed + 100);
  for (const [name, v] of [...model.params, ...model.buffers]) {
    if (name.startsWith('bn')) tf.tidy(() => v.assign(tf.tensor(Float32Array.from({ length: v.size }, () => 0.5 + rng.uniform()), v.shape)));
  }
  return model;
}

describe('params/weight-matching', () => {
  it('aligning a permuted copy to the original recovers it exactly (MLP and ConvNet-S)', () => {
    const mlp = new Mlp({ inputSize: 20, hidden: [16, 12, 8], numClasses: 5 }, 1);
    const convnet = convnetWithBnStats(2);
    withModels([mlp, convnet], () => {
      for (const model of [mlp, convnet]) {
        const spec = permutationSpecFor(model);
        const net = readNetwork(model);
        const perms = randomPerms(spec, net.params, 3);
        const copy = { params: applyPermutation(net.params, spec, perms), buffers: applyPermutation(net.buffers, spec, perms) };
        assert.ok(squaredDistance(net.params, copy.params) > 1);
        const aligned = alignTo(net, copy, spec, { seed: 4 });
        assert.equal(squaredDistance(net.params, aligned.params), 0, model.kind);
        assert.equal(squaredDistance(net.buffers, aligned.buffers), 0, model.kind);
        for (const [p, perm] of Object.entries(perms)) assert.deepEqual([...aligned.matching.perms[p]], [...invertPermutation(perm)]);
        assert.ok(aligned.matching.converged && aligned.matching.iterations >= 2);
        assert.ok(aligned.matching.objective > aligned.matching.initialObjective);
      }
    });
  });

  it('with one hidden layer, finds the global optimum (brute force over 5! permutations)', () => {
    const spec = mlpPermutationSpec(2);
    const a = new Mlp({ inputSize: 6, hidden: [5], numClasses: 3 }, 5);
    const b = new Mlp({ inputSize: 6, hidden: [5], numClasses: 3 }, 6);
    withModels([a, b], () => {
      const [pa, pb] = [readNetwork(a).params, readNetwork(b).params];
      const result = weightMatching(pa, pb, spec);
      let best = Infinity;
      const perm = Int32Array.from([0, 1, 2, 3, 4]);
      // Enumerates all 120 permutations of the hidden units.
      const visit = (k: number): void => {
        if (k === perm.length) {
          best = Math.min(best, squaredDistance(pa, applyPermutation(pb, spec, { fc1: perm })));
          return;
        }
        for (let i = k; i < perm.length; i++) {
          [perm[k], perm[i]] = [perm[i], perm[k]];
          visit(k + 1);
          [perm[k], perm[i]] = [perm[i], perm[k]];
        }
      };
      visit(0);
      const found = squaredDistance(pa, applyPermutation(pb, spec, result.perms));
      assert.ok(Math.abs(found - best) < 1e-9, `${found} vs ${best}`);
      // ‖A − π(B)‖² = ‖A‖² + ‖B‖² − 2⟨A, π(B)⟩: the reported objective is that inner product.
      const norm = (x: NamedArray[]) => squaredDistance(x, x.map((y) => ({ ...y, data: new Float32Array(y.data.length) })));
      assert.ok(Math.abs(norm(pa) + norm(pb) - 2 * result.objective - found) < 1e-6);
    });
  });

  it('raises the objective between unrelated networks, converges, and depends only on the seed', () => {
    const a = convnetWithBnStats(7);
    const b = convnetWithBnStats(8);
    withModels([a, b], () => {
      const spec = permutationSpecFor(a);
      const [pa, pb] = [readNetwork(a).params, readNetwork(b).params];
      const r1 = weightMatching(pa, pb, spec, { seed: 1 });
      const r2 = weightMatching(pa, pb, spec, { seed: 1 });
      assert.deepEqual(r1, r2);
      assert.ok(r1.converged && r1.iterations >= 2 && r1.iterations < 100);
      assert.ok(r1.objective > r1.initialObjective);
      const capped = weightMatching(pa, pb, spec, { seed: 1, maxIter: 1 });
      assert.equal(capped.iterations, 1);
      assert.equal(capped.converged, false);
    });
  });

  it('aligns a zoo of flat vectors to its reference, buffers along', () => {
    const model = convnetWithBnStats(9);
    withModels([model], () => {
      const spec = permutationSpecFor(model);
      const net = readNetwork(model);
      const members = [0, 1, 2].map((s) => {
        const perms = randomPerms(spec, net.params, 20 + s);
        return { params: applyPermutation(net.params, spec, perms), buffers: applyPermutation(net.buffers, spec, perms) };
      });
      const { set, manifest } = flattenMany(members.map((m) => m.params));
      const zoo = alignZoo(set, manifest, members.map((m) => m.buffers), spec, { referenceIndex: 1 });
      assert.equal(zoo.set.count, 3);
      for (let i = 0; i < 3; i++) {
        assert.deepEqual(rowOf(zoo.set, i), rowOf(set, 1));
        assert.deepEqual(zoo.buffers![i].map((b) => [...b.data]), members[1].buffers.map((b) => [...b.data]));
      }
      assert.equal(zoo.matchings[1].iterations, 1);
      assert.equal(alignZoo(set, manifest, members.map((m) => m.buffers), spec).buffers!.length, 3);
      // The spec names BN running statistics: without them the network would be half permuted.
      assert.throws(() => alignZoo(set, manifest, undefined, spec), (e: Error) => e instanceof InputError && /running_mean/.test(e.message));
      assert.throws(() => alignZoo(set, manifest, [members[0].buffers], spec), /1 buffer lists for 3 members/);
    });
  });

  it('rejects networks that do not match each other or the spec', () => {
    const spec = mlpPermutationSpec(2);
    const a: NamedArray[] = [{ name: 'fc1/weight', shape: [2, 3], data: new Float32Array(6) }];
    assert.throws(() => weightMatching(a, [{ ...a[0], shape: [3, 2] }], spec), /shape \[3,2\], the reference \[2,3\]/);
    assert.throws(() => weightMatching(a, [{ ...a[0], name: 'fc2/weight' }], spec), /no "fc1\/weight"/);
    assert.throws(() => weightMatching(a, a, { ...spec, extra: [{ name: 'fc9/weight', axis: 0 }] }), /"extra" acts on none/);
  });
});
