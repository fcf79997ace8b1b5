import * as tf from '@tensorflow/tfjs';
import { strict as assert } from 'node:assert';
import { ConvNetS } from '../lib/models/convnet-s';
import { Mlp } from '../lib/models/mlp';
import type { BufferUpdate, TaskModel } from '../lib/models/task-model';
import { assignNetwork, readNetwork } from '../lib/params/network';
import { applyPermutation, invertPermutation, type Permutations } from '../lib/params/permutation';
import { convnetPermutationSpec, mlpPermutationSpec, permutationSizes, permutationSpecFor } from '../lib/params/permutation-spec';
import type { NamedArray } from '../lib/params/types';
import { InputError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';

function randomPerms(sizes: Map<string, number>, seed: number): Permutations {
  const rng = new Rng(seed);
  return Object.fromEntries([...sizes].map(([p, n]) => [p, rng.permutation(n)]));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Logits of both models on the same input, and (train mode) their buffer updates by name. */
function run(model: TaskModel, x: tf.Tensor4D, mode: 'train' | 'eval'): { logits: Float32Array; updates: Map<string, Float32Array> } {
  const updates: BufferUpdate[] = [];
  const out = model.forward(x, { mode, bufferUpdates: mode === 'train' ? updates : undefined });
  const logits = out.dataSync() as Float32Array;
  out.dispose();
  const byName = new Map(updates.map(({ name, value }) => [name, value.dataSync() as Float32Array]));
  tf.dispose(updates.map((u) => u.value));
  return { logits, updates: byName };
}

/** Gives a second model `model`'s weights with randomly permuted hidden units; both must compute the same function. */
function checkInvariance(make: (seed: number) => TaskModel, inputShape: [number, number, number, number], seed: number): void {
  const [model, twin] = [make(1), make(2)];
  const x = tf.randomNormal(inputShape, 0, 1, 'float32', seed) as tf.Tensor4D;
  try {
    comparePermuted(model, twin, x, seed);
  } finally {
    tf.dispose([x]);
    model.dispose();
    twin.dispose();
  }
}

function comparePermuted(model: TaskModel, twin: TaskModel, x: tf.Tensor4D, seed: number): void {
  const spec = permutationSpecFor(model);
  const net = readNetwork(model);
  const perms = randomPerms(permutationSizes(spec, [...net.params, ...net.buffers], 'all'), seed);
  assert.ok(Object.values(perms).some((p) => p.some((j, i) => j !== i)), 'a non-trivial permutation');
  assignNetwork(twin, { params: applyPermutation(net.params, spec, perms), buffers: applyPermutation(net.buffers, spec, perms) });
  for (const mode of ['eval', 'train'] as const) {
    const a = run(model, x, mode);
    const b = run(twin, x, mode);
    assert.ok(maxAbsDiff(a.logits, b.logits) < 1e-5, `${model.kind} ${mode}: ${maxAbsDiff(a.logits, b.logits)}`);
    // Train mode: the twin's running-statistics updates are the model's, permuted.
    const permutedUpdates = applyPermutation(
      [...a.updates].map(([name, data]) => ({ name, shape: [data.length], data })), spec, perms);
    for (const u of permutedUpdates) assert.ok(maxAbsDiff(u.data, b.updates.get(u.name)!) < 1e-5, u.name);
  }
  // The permuted network really differs from the original.
  const permuted = readNetwork(twin);
  assert.ok(maxAbsDiff(permuted.params[0].data, net.params[0].data) > 1e-3);
}

describe('params/permutation', () => {
  it('writes the MLP and ConvNet-S specs as data', () => {
    assert.deepEqual(mlpPermutationSpec(3), {
      fc1: [{ name: 'fc1/weight', axis: 1 }, { name: 'fc1/bias', axis: 0 }, { name: 'fc2/weight', axis: 0 }],
      fc2: [{ name: 'fc2/weight', axis: 1 }, { name: 'fc2/bias', axis: 0 }, { name: 'fc3/weight', axis: 0 }],
    });
    assert.deepEqual(mlpPermutationSpec(1), {});
    const conv = convnetPermutationSpec(3);
    assert.deepEqual(Object.keys(conv), ['conv1', 'conv2', 'conv3']);
    assert.deepEqual(conv.conv3.map((a) => `${a.name}:${a.axis}`), [
      'conv3/weight:3', 'bn3/weight:0', 'bn3/bias:0', 'bn3/running_mean:0', 'bn3/running_var:0', 'fc/weight:0',
    ]);
    assert.deepEqual(convnetPermutationSpec(2, 'bias').conv1.map((a) => `${a.name}:${a.axis}`).slice(0, 2), ['conv1/weight:3', 'conv1/bias:0']);
    assert.equal(JSON.stringify(JSON.parse(JSON.stringify(conv))), JSON.stringify(conv));
  });

  it('recognises the built-in models and their sizes; refuses others', () => {
    const mlp = new Mlp({ inputSize: 16, hidden: [8, 6, 5], numClasses: 3 }, 0);
    const convnet = new ConvNetS({ inChannels: 1, numClasses: 3, channels: [4, 6, 8] }, 0);
    try {
      const mlpSpec = permutationSpecFor(mlp);
      assert.deepEqual(mlpSpec, mlpPermutationSpec(4));
      const arrays = [...mlp.params].map(([name, v]) => ({ name, shape: v.shape }));
      assert.deepEqual([...permutationSizes(mlpSpec, arrays, 'all')], [['fc1', 8], ['fc2', 6], ['fc3', 5]]);
      assert.deepEqual(permutationSpecFor(convnet), convnetPermutationSpec(3));
      const other = { kind: 'resnet', params: new Map(), buffers: new Map(), forward: () => { throw new Error(); }, dispose: () => {} };
      assert.throws(() => permutationSpecFor(other as unknown as TaskModel), (e: Error) => e instanceof InputError && /resnet/.test(e.message));
    } finally {
      mlp.dispose();
      convnet.dispose();
    }
  });

  it('reorders the named axes by gathering, leaves the input and other arrays alone, and inverts', () => {
    const spec = mlpPermutationSpec(2);
    const arrays: NamedArray[] = [
      { name: 'fc1/weight', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
      { name: 'fc1/bias', shape: [3], data: Float32Array.from([7, 8, 9]) },
      { name: 'fc2/weight', shape: [3, 2], data: Float32Array.from([10, 11, 12, 13, 14, 15]) },
      { name: 'fc2/bias', shape: [2], data: Float32Array.from([16, 17]) },
    ];
    const perms = { fc1: Int32Array.from([2, 0, 1]) };
    const out = applyPermutation(arrays, spec, perms);
    assert.deepEqual(out.map((a) => [...a.data]), [[3, 1, 2, 6, 4, 5], [9, 7, 8], [14, 15, 10, 11, 12, 13], [16, 17]]);
    assert.deepEqual([...arrays[0].data], [1, 2, 3, 4, 5, 6]);
    assert.notEqual(out[3].data, arrays[3].data);
    const back = applyPermutation(out, spec, { fc1: invertPermutation(perms.fc1) });
    assert.deepEqual(back.map((a) => [...a.data]), arrays.map((a) => [...a.data]));
    // Buffers alone (none here) need no permutation; arrays that are there do.
    assert.deepEqual(applyPermutation([], spec, {}), []);
    assert.throws(() => applyPermutation(arrays, spec, {}), /no permutation given for "fc1"/);
    assert.throws(() => applyPermutation(arrays, spec, { fc1: Int32Array.from([0, 0, 1]) }), /not a permutation/);
    assert.throws(() => applyPermutation(arrays, spec, { fc1: Int32Array.from([0, 1]) }), /has 2 entries/);
    const wrong = [{ ...arrays[2], shape: [2, 3] }];
    assert.throws(() => applyPermutation([arrays[0], ...wrong], spec, perms), /size 3, but axis 0 of "fc2\/weight" has length 2/);
    assert.throws(() => permutationSizes(spec, arrays.slice(1), 'all'), /"fc1\/weight", which is missing/);
  });

  it('a permuted MLP computes the same function', () => {
    checkInvariance((seed) => new Mlp({ inputSize: 16, hidden: [12, 9], numClasses: 4 }, seed), [5, 4, 4, 1], 4);
  });

  it('a permuted ConvNet-S with non-trivial BN statistics computes the same function, eval and train', () => {
    const config = { inChannels: 2, numClasses: 5, channels: [4, 6, 8] as [number, number, number] };
    const rng = new Rng(9);
    checkInvariance((seed) => {
      const model = new ConvNetS(config, seed);
      // Random BN affine parameters and running statistics, so a mismatched channel would show.
      for (const [name, v] of [...model.params, ...model.buffers]) {
        if (!name.startsWith('bn')) continue;
        const values = Float32Array.from({ length: v.size }, () => (name.endsWith('var') ? 0.2 + rng.uniform() : rng.normal()));
        tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
      }
      return model;
    }, [6, 8, 8, 2], 6);
  });
});
