// The native backend's memory-bound kernels (native-pointwise.ts) against the cpu backend:
// broadcasting arithmetic, ReLU and its mask, sums and means, standardisation, the max pool and
// its gradient (ties included), and the identities that share memory. Shapes include ones large enough to be split
// across threads. Skipped, with the reason printed, when the addon is not built.
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { loadNativeAddon } from '../lib/backend/native-addon';
import { BATCH_NORM_TRAINING, batchNormTraining } from '../lib/nn/batch-norm';
import { STANDARDIZE, standardize } from '../lib/nn/standardize';
import { Rng } from '../lib/util/rng';
import { maxAbsDiff, onBackend } from './helpers/backends';
import { compareWithCpu, skipWithoutNative, type Build } from './helpers/native-parity';

describe('native backend: pointwise kernels', function () {
  before(function () {
    skipWithoutNative(this, 'native pointwise tests');
  });

  const rng = new Rng(23);
  const normal = (shape: number[]) => rng.normalArray(shape.reduce((a, b) => a * b, 1));
  const compare = (label: string, build: Build, withGrads = true) => compareWithCpu(label, build, rng.seed(), withGrads);
  const BIG = [64, 33, 40]; // 84,480 values: more than one task of the pool

  it('add, sub, mul, div and squared difference under every broadcast pattern, gradients included', async () => {
    const pairs: [number[], number[]][] = [
      [[2, 3, 4], [2, 3, 4]], [[2, 3, 4], [4]], [[2, 1, 4], [2, 3, 1]], [[], [3, 2]], [[5, 1, 3], [1, 4, 1]],
      [[1], [2, 3]], [[3, 1, 1, 2], [2]], [BIG, [BIG[0], 1, BIG[2]]], [BIG, [BIG[2]]], [[1, 1, BIG[2]], BIG],
    ];
    const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
      ['add', tf.add], ['sub', tf.sub], ['mul', tf.mul], ['squaredDifference', tf.squaredDifference],
      // b kept away from 0 so that the quotient's rounding stays small
      ['div', (a, b) => tf.div(a, b.abs().add(1))],
    ];
    for (const [name, op] of ops) {
      for (const [shapeA, shapeB] of pairs) {
        const [a, b] = [normal(shapeA), normal(shapeB)];
        // tfjs's squaredDifference gradient does not reduce over broadcast axes: equal shapes only.
        const withGrads = name !== 'squaredDifference' || shapeA.join() === shapeB.join();
        await compare(`${name} [${shapeA}] ⊕ [${shapeB}]`, () => ({ params: [tf.tensor(a, shapeA), tf.tensor(b, shapeB)], f: op }), withGrads);
      }
    }
  });

  it('relu, step and square, with exact zeros, and gradients', async () => {
    for (const shape of [[7], [3, 5, 2], BIG]) {
      // A third of the values exactly 0: where relu's gradient and step's alpha take effect.
      const x = normal(shape).map((v, i) => (i % 3 === 0 ? 0 : v));
      await compare(`relu [${shape}]`, () => ({ params: [tf.tensor(x, shape)], f: (t) => tf.relu(t) }));
      await compare(`square [${shape}]`, () => ({ params: [tf.tensor(x, shape)], f: (t) => tf.square(t) }));
      await compare(`step(0.3) [${shape}]`, () => ({ params: [tf.tensor(x, shape)], f: (t) => tf.step(t, 0.3) }), false);
    }
  });

  it('relu and step keep NaN', async () => {
    const values = await onBackend('native', () => tf.tidy(() => {
      const x = tf.tensor1d([NaN, -1, 2]);
      return [tf.relu(x).arraySync(), tf.step(x, 0.5).arraySync()];
    }));
    assert.deepEqual(values, [[NaN, 0, 2], [NaN, 0.5, 1]]);
  });

  it('sum and mean over adjacent and scattered axes, kept or dropped, gradients included', async () => {
    const cases: [number[], number | number[]][] = [
      [[4, 5, 6, 3], [0, 1, 2]], [[4, 5, 3], 1], [[4, 5, 3], -1], [[2, 3, 7, 7, 5], [2, 3]], [[6, 4], [0, 1]],
      [[2, 1, 3, 4], [0, 2]], [[3, 4, 5], [0, 2]], [BIG, [0, 1]], [BIG, 2], [[2, BIG[1] * BIG[2]], 1],
    ];
    for (const [shape, axis] of cases) {
      const x = normal(shape);
      for (const keepDims of [false, true]) {
        await compare(`sum [${shape}] axis ${axis}${keepDims ? ' kept' : ''}`, () => ({ params: [tf.tensor(x, shape)], f: (t) => tf.sum(t, axis, keepDims) }));
        await compare(`mean [${shape}] axis ${axis}${keepDims ? ' kept' : ''}`, () => ({ params: [tf.tensor(x, shape)], f: (t) => tf.mean(t, axis, keepDims) }));
      }
    }
    const x = normal([3, 4]);
    await compare('sum of everything', () => ({ params: [tf.tensor(x, [3, 4])], f: (t) => tf.sum(t) }));
  });

  it('max pool and its gradient: 2×2 tilings, odd sizes, overlapping windows, padding; ties go to the first maximum', async () => {
    const cases: [number[], number, number, 'valid' | 'same'][] = [
      [[2, 6, 6, 3], 2, 2, 'valid'], [[2, 7, 7, 3], 3, 2, 'same'], [[1, 5, 6, 2], 3, 1, 'same'], [[8, 32, 32, 16], 2, 2, 'valid'],
      [[3, 7, 5, 5], 2, 2, 'valid'], [[2, 7, 7, 3], 2, 2, 'same'],
    ];
    for (const [shape, filter, stride, pad] of cases) {
      const x = normal(shape).map((v) => Math.round(v)); // mostly -1, 0 and 1: windows full of ties
      await compare(`maxPool [${shape}] ${filter}x${filter} s${stride} ${pad}`, () => ({
        params: [tf.tensor4d(x, shape as [number, number, number, number])],
        f: (t) => tf.maxPool(t as tf.Tensor4D, filter, stride, pad),
      }));
    }
  });

  it('standardize over the middle axis (instance norm, batch norm as [1, N·H·W, C]), gradients included', async () => {
    assert.ok(tf.getKernel(STANDARDIZE, 'native'), 'the native backend has no Standardize kernel');
    for (const shape of [[3, 17, 4], [1, 128 * 7 * 7, 16], [200, 30, 2], [4, 1, 3], [2, 5, 1]]) {
      const x = normal(shape).map((v, i) => 3 * v + (i % 3)); // offsets and scales per column: the variance is not trivial
      await compare(`standardize [${shape}]`, () => ({ params: [tf.tensor(x, shape)], f: (t) => standardize(t as tf.Tensor3D, 1e-5) }));
      const shift = normal([shape[0], shape[1], 1]);
      await compare(`standardize after a shift and LeakyReLU(0.1) [${shape}]`, () => ({
        params: [tf.tensor(x, shape), tf.tensor(shift, [shape[0], shape[1], 1])],
        f: (t, s) => standardize(t as tf.Tensor3D, 1e-5, { slope: 0.1, shift: s as tf.Tensor3D }),
      }));
    }
  });

  it('standardize of many slabs (each taken whole while in cache) is each slab standardised alone, bit for bit, gradients included', async () => {
    const x = normal(BIG).map((v, i) => 3 * v + (i % 3));
    const shift = normal([BIG[0], BIG[1], 1]);
    const w = normal(BIG);
    for (const slope of [1, 0.01]) {
      const [together, alone] = await onBackend('native', () => tf.tidy(() => {
        const run = (f: (t: tf.Tensor3D, s: tf.Tensor3D) => tf.Tensor) => {
          const params = [tf.tensor(x, BIG), tf.tensor(shift, [BIG[0], BIG[1], 1])];
          const g = tf.grads((t: tf.Tensor, s: tf.Tensor) => f(t as tf.Tensor3D, s as tf.Tensor3D).mul(tf.tensor(w, BIG)).sum())(params);
          return [f(params[0] as tf.Tensor3D, params[1] as tf.Tensor3D), ...g].map((t) => t.dataSync());
        };
        const bySlab = (t: tf.Tensor3D, s: tf.Tensor3D) => {
          const [ts, ss] = [tf.split(t, BIG[0]), tf.split(s, BIG[0])];
          return tf.concat(ts.map((slab, o) => standardize(slab as tf.Tensor3D, 1e-5, { slope, shift: ss[o] as tf.Tensor3D })));
        };
        return [run((t, s) => standardize(t, 1e-5, { slope, shift: s })), run(bySlab)];
      }));
      ['value', 'gradient of x', 'gradient of the shift'].forEach((what, i) => assert.equal(maxAbsDiff(together[i], alone[i]), 0, `slope ${slope}: ${what}`));
    }
  });

  it('training batch norm with and without ReLU, its statistics, gradients of x, gamma and beta included', async () => {
    assert.ok(tf.getKernel(BATCH_NORM_TRAINING, 'native'), 'the native backend has no BatchNormTraining kernel');
    for (const [s, c] of [[50, 3], [128 * 7 * 7, 16], [9, 1], [2, 5]]) {
      const x = normal([s, c]).map((v, i) => 3 * v + (i % 3)); // offsets and scales per column
      const [gamma, beta] = [normal([c]), normal([c])]; // signs of both: the ReLU mask is not just x's
      for (const activation of ['linear', 'relu'] as const) {
        const run = (stats: boolean) => (xt: tf.Tensor, gt: tf.Tensor, bt: tf.Tensor) =>
          batchNormTraining(xt as tf.Tensor2D, gt as tf.Tensor1D, bt as tf.Tensor1D, { eps: 1e-5, activation, stats });
        const params = () => [tf.tensor2d(x, [s, c]), tf.tensor1d(gamma), tf.tensor1d(beta)];
        await compare(`batch norm ${activation} [${s}, ${c}]`, () => ({ params: params(), f: (...p) => run(false)(p[0], p[1], p[2]).y }));
        await compare(`batch norm ${activation} [${s}, ${c}]: mean and variance`, () => ({
          params: params(),
          f: (...p) => { const { stats } = run(true)(p[0], p[1], p[2]); return tf.concat([stats!.mean, stats!.variance]); },
        }), false);
      }
    }
  });

  it('slices: contiguous blocks copied at once, strided ones through wasm, gradients included', async () => {
    const shape = [6, 4, 3, 5];
    const x = normal(shape);
    const cases: [number[], number[]][] = [[[2, 0, 0, 0], [3, 4, 3, 5]], [[1, 2, 0, 0], [1, 2, 3, 5]], [[0, 1, 1, 2], [6, 2, 2, 3]], [[5, 3, 2, 4], [1, 1, 1, 1]]];
    for (const [begin, size] of cases) {
      await compare(`slice [${shape}] at [${begin}] size [${size}]`, () => ({ params: [tf.tensor(x, shape)], f: (t) => tf.slice(t, begin, size) }));
    }
  });

  it('gathers rows (strided gathers through wasm), gradients included, and rejects an index out of range', async () => {
    const x = normal([7, 3, 4]);
    const cases: [number[], number[], number][] = [[[4, 0, 6, 4], [4], 0], [[1, 2, 0, 3], [2, 2], 0], [[2, 0], [2], 1], [[3, 1, 3], [3], 2]];
    for (const [values, shape, axis] of cases) {
      await compare(`gather [${values}] axis ${axis}`, () => ({ params: [tf.tensor3d(x, [7, 3, 4])], f: (t) => tf.gather(t, tf.tensor(values, shape, 'int32'), axis) }));
    }
    await onBackend('native', () => tf.tidy(() => {
      assert.throws(() => tf.gather(tf.tensor3d(x, [7, 3, 4]), tf.tensor1d([1, 7], 'int32')), /index value 7 is not in \[0, 6\]/);
    }));
  });

  it('identity and a same-dtype cast share memory: disposing either leaves the other intact', async () => {
    await onBackend('native', () => {
      const x = tf.tensor2d([[1, 2], [3, 4]]);
      const clone = tf.clone(x);
      const cast = tf.cast(x, 'float32');
      x.dispose();
      assert.deepEqual(clone.arraySync(), [[1, 2], [3, 4]]);
      clone.dispose();
      assert.deepEqual(cast.arraySync(), [[1, 2], [3, 4]]);
      cast.dispose();
      assert.deepEqual(tf.cast(tf.tensor1d([1.7, -2.2]), 'int32').arraySync(), [1, -2]);
    });
  });

  it('the addon refuses operands that do not reach the broadcast shape', () => {
    const addon = loadNativeAddon();
    const [shape, strides] = [Int32Array.of(2, 3), Int32Array.of(3, 1)];
    assert.throws(() => addon.binary(0, new Float32Array(6), new Float32Array(5), new Float32Array(6), shape, strides, strides),
      /b has 5 elements, expected 6/);
    assert.throws(() => addon.reduce(1, new Float32Array(6), new Float32Array(3), Int32Array.of(2, 3, 1)), /out has 3 elements, expected 2/);
    assert.throws(() => addon.unary(7, new Float32Array(1), new Float32Array(1), 0), /op must be below 3/);
    const [dims, four, one] = [Int32Array.of(1, 4, 1), new Float32Array(4), new Float32Array(1)];
    assert.throws(() => addon.standardize(four, null, four, one, dims, 1e-5, 'a' as unknown as number), /slope must be a number/);
    assert.throws(() => addon.standardize(four, one, four, one, dims, 1e-5, 1), /shift has 1 elements, expected 4/);
    assert.throws(() => addon.standardizeGrad(four, new Float32Array(3), null, four, one, four, null, dims, 0.1), /x has 3 elements, expected 4/);
    assert.throws(() => addon.standardizeGrad(four, null, four, four, one, four, null, dims, 1), /shift and dshift must both be given/);
  });
});
