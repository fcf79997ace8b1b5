// Batch norm + ReLU + a pooling (2×2 max or global mean) as one op (lib/nn/batch-norm-pool): on the native backend
// the fused kernels give the unfused ops' values and gradients bit for bit (one model and a
// model axis, sizes split across threads); on every backend the op matches the cpu backend's
// composite; bad shapes are refused; a loop of steps keeps the tensor count flat.
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { batchNormTraining } from '../lib/nn/batch-norm';
import { AFFINE_RELU_MEAN_GRAD, AFFINE_RELU_POOL, affineReluPool, BATCH_NORM_RELU_MEAN, BATCH_NORM_RELU_POOL, batchNormReluPool, type Pooling } from '../lib/nn/batch-norm-pool';
import { spatialMean } from '../lib/nn/spatial-mean';
import { InputError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';
import { onBackend } from './helpers/backends';
import { compareWithCpu, skipWithoutNative } from './helpers/native-parity';

const EPS = 1e-5;
const rng = new Rng(31);
const normal = (shape: number[]) => rng.normalArray(shape.reduce((a, b) => a * b, 1));

/** x [N, H, W, C] with per-channel offsets and scales, gamma and beta of both signs ([C] or [M, C]). */
function inputs(shape: number[], models = 1) {
  const c = shape[3];
  const perChannel = models === 1 ? [c] : [models, c];
  return {
    x: normal(shape).map((v, i) => 2 * v + (i % c) * 0.3), perChannel,
    gamma: normal(perChannel), beta: normal(perChannel),
  };
}

type Op = (x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor) => { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor };

/** The unfused ops: training batch norm with ReLU on each model's rows, then tf.maxPool or spatialMean. */
const unfused = (pooling: Pooling): Op => (x, gamma, beta) => {
  const c = x.shape[3];
  const rows = gamma.rank === 2 ? x.reshape([gamma.shape[0], -1, c]) as tf.Tensor3D : x.reshape([-1, c]) as tf.Tensor2D;
  const { y, stats } = batchNormTraining(rows, gamma as tf.Tensor1D, beta as tf.Tensor1D, { eps: EPS, activation: 'relu', stats: true });
  const full = y.reshape(x.shape) as tf.Tensor4D;
  return { y: pooling === 'mean' ? spatialMean(full) : tf.maxPool(full, 2, 2, 'valid'), ...stats! };
};

const fused = (pooling: Pooling): Op => (x, gamma, beta) => {
  const { y, stats } = batchNormReluPool(x, gamma, beta, { eps: EPS, stats: true, pooling });
  return { y, ...stats! };
};

/** Pooled output, mean, variance and the gradients of Σ w ⊙ pooled for x, gamma, beta, read back. */
function evaluate(op: Op, shape: number[], data: ReturnType<typeof inputs>, seed: number): Float32Array[] {
  return tf.tidy(() => {
    const params = [tf.tensor4d(data.x, shape as [number, number, number, number]), tf.tensor(data.gamma, data.perChannel), tf.tensor(data.beta, data.perChannel)];
    const { y, mean, variance } = op(params[0] as tf.Tensor4D, params[1], params[2]);
    const w = tf.tensor(new Rng(seed).normalArray(y.size), y.shape);
    const grads = tf.grads((...p: tf.Tensor[]) => op(p[0] as tf.Tensor4D, p[1], p[2]).y.mul(w).sum())(params);
    return [y, mean, variance, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

const LABELS = ['pooled', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'];

describe('batch norm + ReLU + 2×2 max pool', () => {
  describe('on the native backend', function () {
    before(function () {
      skipWithoutNative(this, 'fused batch-norm pool tests');
    });

    it('gives the unfused ops values and gradients bit for bit: both poolings, one model, a model axis, sizes split across threads', async () => {
      for (const kernel of [BATCH_NORM_RELU_POOL, BATCH_NORM_RELU_MEAN]) assert.ok(tf.getKernel(kernel, 'native'), `the native backend has no ${kernel} kernel`);
      const cases: [number[], number][] = [[[3, 4, 6, 5], 1], [[128, 28, 28, 16], 1], [[64, 14, 14, 32], 1], [[128, 7, 7, 64], 1], [[6, 4, 8, 3], 2], [[2, 2, 2, 2], 1]];
      for (const pooling of ['max2x2', 'mean'] as const) {
        for (const [shape, models] of cases) {
          if (pooling === 'max2x2' && (shape[1] % 2 || shape[2] % 2)) continue;
          const data = inputs(shape, models);
          const seed = rng.seed();
          const [a, b] = await onBackend('native', () => [evaluate(fused(pooling), shape, data, seed), evaluate(unfused(pooling), shape, data, seed)]);
          a.forEach((values, i) => assert.deepEqual(values, b[i], `${pooling} [${shape}] × ${models}: ${LABELS[i]} differs`));
        }
      }
    });

    it('inference: the affine map, ReLU and either pooling in one pass equal the ops, gradients included', async () => {
      for (const kernel of [AFFINE_RELU_POOL, AFFINE_RELU_MEAN_GRAD]) assert.ok(tf.getKernel(kernel, 'native'), `the native backend has no ${kernel} kernel`);
      const cases: [number[], number][] = [[[3, 4, 6, 5], 1], [[8, 28, 28, 16], 1], [[128, 7, 7, 64], 1], [[6, 4, 8, 3], 2]];
      for (const pooling of ['max2x2', 'mean'] as const) {
        for (const [shape, models] of cases) {
          if (pooling === 'max2x2' && (shape[1] % 2 || shape[2] % 2)) continue;
          const { x, perChannel, gamma: scale, beta: shift } = inputs(shape, models);
          // The ops the layers ran before the fused op: the affine map on each model's rows, ReLU, the pooling.
          const ops = (xt: tf.Tensor4D, s: tf.Tensor, b: tf.Tensor) => tf.tidy(() => {
            const rows = xt.reshape([models, -1, shape[3]]);
            const affine = rows.mul(s.reshape([models, 1, -1])).add(b.reshape([models, 1, -1])).reshape(xt.shape) as tf.Tensor4D;
            return pooling === 'mean' ? spatialMean(tf.relu(affine)) : tf.maxPool(tf.relu(affine), 2, 2, 'valid');
          });
          const seed = rng.seed();
          const run = (op: (xt: tf.Tensor4D, s: tf.Tensor, b: tf.Tensor) => tf.Tensor) => tf.tidy(() => {
            const params = [tf.tensor(x, shape), tf.tensor(scale, perChannel), tf.tensor(shift, perChannel)];
            const y = op(params[0] as tf.Tensor4D, params[1], params[2]);
            const w = tf.tensor(new Rng(seed).normalArray(y.size), y.shape);
            const grads = tf.grads((...p: tf.Tensor[]) => op(p[0] as tf.Tensor4D, p[1], p[2]).mul(w).sum())(params);
            // The scale and shift gradients alone too: the p-diff head's case, where x is a constant.
            const headGrads = tf.grads((s: tf.Tensor, b: tf.Tensor) => op(params[0] as tf.Tensor4D, s, b).mul(w).sum())([params[1], params[2]]);
            return [y, ...grads, ...headGrads].map((t) => t.dataSync() as Float32Array);
          });
          const fused = (xt: tf.Tensor4D, s: tf.Tensor, b: tf.Tensor) => affineReluPool(xt, s, b, pooling);
          const [a, b] = await onBackend('native', () => [run(fused), run(ops)]);
          a.forEach((values, i) => assert.deepEqual(values, b[i], `${pooling} [${shape}] × ${models}: output ${i} differs`));
        }
      }
    });

    it('matches the cpu backend, odd sizes (where the max pool falls back to the ops) included', async () => {
      for (const pooling of ['max2x2', 'mean'] as const) {
        for (const shape of [[3, 4, 6, 5], [2, 7, 5, 3]]) {
          const data = inputs(shape);
          await compareWithCpu(`batchNormReluPool ${pooling} [${shape}]`, () => ({
            params: [tf.tensor(data.x, shape), tf.tensor(data.gamma, data.perChannel), tf.tensor(data.beta, data.perChannel)],
            f: (x, g, b) => batchNormReluPool(x as tf.Tensor4D, g, b, { eps: EPS, stats: false, pooling }).y,
          }), rng.seed());
        }
      }
    });
  });

  it('refuses x that is not 4D and per-channel parameters of the wrong shape', () => {
    tf.tidy(() => {
      const x = tf.zeros([4, 2, 2, 3]) as tf.Tensor4D;
      const check = (f: () => unknown, pattern: RegExp) => assert.throws(f, (e: Error) => e instanceof InputError && pattern.test(e.message));
      check(() => batchNormReluPool(tf.zeros([4, 2, 3]) as unknown as tf.Tensor4D, tf.ones([3]), tf.zeros([3]), { eps: EPS, stats: false, pooling: 'max2x2' }), /x must be \[N, H, W, C\]/);
      check(() => batchNormReluPool(x, tf.ones([4]), tf.zeros([4]), { eps: EPS, stats: false, pooling: 'max2x2' }), /\[3\] or \[M, 3\]/);
      check(() => batchNormReluPool(x, tf.ones([3, 3]), tf.zeros([3, 3]), { eps: EPS, stats: false, pooling: 'max2x2' }), /M dividing 4/);
      check(() => affineReluPool(x, tf.ones([3]), tf.zeros([2, 3]), 'mean'), /differ in shape/);
    });
  });

  it('keeps the tensor count flat over training steps', () => {
    const shape: [number, number, number, number] = [4, 6, 6, 3];
    const x = tf.tensor4d(normal(shape), shape);
    const gamma = tf.variable(tf.ones([3]));
    const beta = tf.variable(tf.zeros([3]));
    const step = () => tf.tidy(() => {
      const grads = tf.variableGrads(() => batchNormReluPool(x, gamma, beta, { eps: EPS, stats: false, pooling: 'max2x2' }).y.square().mean() as tf.Scalar, [gamma, beta]);
      gamma.assign(gamma.sub(grads.grads[gamma.name].mul(0.1)));
    });
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([x, gamma, beta]);
  });
});
