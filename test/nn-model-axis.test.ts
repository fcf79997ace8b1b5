// The ops of M models at once, on the active backend: modelConv2d against each model's own
// tf.conv2d, and batch norm with a model axis against each model's own batchNormTraining,
// forward and every gradient; then the native kernels against the tfjs ops on cpu.
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_TRAINING, batchNormTraining } from '../lib/nn/batch-norm';
import { MODEL_CONV2D, MODEL_CONV2D_BACKPROP_FILTER, MODEL_CONV2D_BACKPROP_INPUT, modelConv2d, type ModelConvPad } from '../lib/nn/model-conv';
import { InputError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';
import { maxAbsDiff } from './helpers/backends';
import { compareWithCpu, skipWithoutNative } from './helpers/native-parity';

/** Float summation order may differ between one op over M models and M ops: a bound well above float32 rounding. */
const TOLERANCE = 1e-5;

const randn = (rng: Rng, shape: number[]) => tf.tensor(rng.normalArray(shape.reduce((a, b) => a * b, 1)), shape);

function assertClose(a: tf.Tensor, b: tf.Tensor, what: string): void {
  assert.deepEqual(a.shape, b.shape, what);
  const diff = maxAbsDiff(a.dataSync(), b.dataSync());
  assert.ok(diff <= TOLERANCE, `${what}: max abs diff ${diff}`);
}

describe('ops with a model axis', () => {
  const cases: { models: number; batch: number; hw: number; cin: number; cout: number; k: number; stride: number; pad: ModelConvPad }[] = [
    { models: 3, batch: 4, hw: 8, cin: 1, cout: 16, k: 3, stride: 1, pad: 'same' }, // ConvNet-S's first layer: the direct kernels on native
    { models: 2, batch: 3, hw: 6, cin: 16, cout: 32, k: 3, stride: 1, pad: 'same' }, // im2col + sgemm on native
    { models: 3, batch: 2, hw: 7, cin: 3, cout: 5, k: 3, stride: 2, pad: 'valid' },
  ];

  for (const c of cases) {
    it(`modelConv2d equals each model's tf.conv2d, forward and both gradients (${JSON.stringify(c)})`, () => {
      const rng = new Rng(c.cin * 100 + c.models);
      const x = randn(rng, [c.models * c.batch, c.hw, c.hw, c.cin]) as tf.Tensor4D;
      const filter = randn(rng, [c.models, c.k, c.k, c.cin, c.cout]);
      const y0 = modelConv2d(x, filter, c.stride, c.pad);
      const dy = randn(rng, y0.shape);
      const loss = (yy: tf.Tensor) => yy.mul(dy).sum() as tf.Scalar;
      const together = tf.grads((xx: tf.Tensor, ff: tf.Tensor) => loss(modelConv2d(xx as tf.Tensor4D, ff, c.stride, c.pad)));
      const alone = tf.grads((xx: tf.Tensor, ff: tf.Tensor) => {
        const xs = tf.split(xx, c.models, 0) as tf.Tensor4D[];
        const fs = tf.unstack(ff) as tf.Tensor4D[];
        return loss(tf.concat(xs.map((xm, m) => tf.conv2d(xm, fs[m], c.stride, c.pad)), 0));
      });
      const expected = tf.concat((tf.split(x, c.models, 0) as tf.Tensor4D[]).map((xm, m) =>
        tf.conv2d(xm, tf.squeeze(tf.slice(filter, [m], [1]), [0]) as tf.Tensor4D, c.stride, c.pad)), 0);
      assertClose(y0, expected, 'y');
      const [dx, dfilter] = together([x, filter]);
      const [dx0, dfilter0] = alone([x, filter]);
      assertClose(dx, dx0, 'dx');
      assertClose(dfilter, dfilter0, 'dfilter');
      tf.dispose([x, filter, y0, dy, expected, dx, dfilter, dx0, dfilter0]);
    });
  }

  it('modelConv2d refuses a batch that does not split into the models\' batches, or mismatched channels', () => tf.tidy(() => {
    const x = tf.zeros([5, 4, 4, 2]) as tf.Tensor4D;
    assert.throws(() => modelConv2d(x, tf.zeros([2, 3, 3, 2, 4])), (e: Error) => e instanceof InputError && /5 rows do not split into 2 models/.test(e.message));
    assert.throws(() => modelConv2d(x, tf.zeros([5, 3, 3, 3, 4])), (e: Error) => e instanceof InputError && /2 channels, the filter 3/.test(e.message));
    assert.throws(() => modelConv2d(x, tf.zeros([3, 3, 2, 4])), (e: Error) => e instanceof InputError && /\[M, kh, kw, Cin, Cout\]/.test(e.message));
  }));

  for (const activation of ['linear', 'relu'] as const) {
    it(`batch norm of [M, S, C] equals each model's own, statistics and gradients included (${activation})`, () => tf.tidy(() => {
      const [models, s, c] = [3, 50, 6];
      const rng = new Rng(11);
      const x = randn(rng, [models, s, c]).mul(2).add(0.5) as tf.Tensor3D;
      const gamma = randn(rng, [models, c]) as tf.Tensor2D;
      const beta = randn(rng, [models, c]) as tf.Tensor2D;
      const dy = randn(rng, [models, s, c]);
      const options = { eps: 1e-5, activation, stats: true };
      const together = batchNormTraining(x, gamma, beta, options);
      const gradsTogether = tf.grads((xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        batchNormTraining(xx as tf.Tensor3D, g as tf.Tensor2D, b as tf.Tensor2D, options).y.mul(dy).sum() as tf.Scalar)([x, gamma, beta]);
      for (let m = 0; m < models; m++) {
        const [xm, gm, bm, dym] = [x, gamma, beta, dy].map((t) => tf.squeeze(tf.slice(t, [m], [1]), [0]));
        const alone = batchNormTraining(xm as tf.Tensor2D, gm as tf.Tensor1D, bm as tf.Tensor1D, options);
        const gradsAlone = tf.grads((xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
          batchNormTraining(xx as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D, options).y.mul(dym).sum() as tf.Scalar)([xm, gm, bm]);
        const part = (t: tf.Tensor) => tf.squeeze(tf.slice(t, [m], [1]), [0]);
        assertClose(part(together.y), alone.y, `model ${m} y`);
        assertClose(part(together.stats!.mean), alone.stats!.mean, `model ${m} mean`);
        assertClose(part(together.stats!.variance), alone.stats!.variance, `model ${m} variance`);
        ['dx', 'dgamma', 'dbeta'].forEach((name, i) => assertClose(part(gradsTogether[i]), gradsAlone[i], `model ${m} ${name}`));
      }
    }));
  }

  it('batch norm refuses gamma without the model axis of x', () => tf.tidy(() => {
    assert.throws(() => batchNormTraining(tf.zeros([2, 5, 3]) as tf.Tensor3D, tf.ones([3]) as unknown as tf.Tensor2D, tf.zeros([2, 3]) as tf.Tensor2D,
      { eps: 1e-5, activation: 'linear', stats: false }), (e: Error) => e instanceof InputError && /must be \[2,3\]/.test(e.message));
  }));
});

describe('model-axis kernels of the native backend', function () {
  before(function () {
    skipWithoutNative(this, 'native model-axis kernel tests');
  });

  it('are registered and agree with the tfjs ops on cpu, gradients included', async () => {
    for (const kernel of [MODEL_CONV2D, MODEL_CONV2D_BACKPROP_INPUT, MODEL_CONV2D_BACKPROP_FILTER, BATCH_NORM_TRAINING]) {
      assert.ok(tf.getKernel(kernel, 'native'), `the native backend has no ${kernel} kernel`);
    }
    await compareWithCpu('modelConv2d', () => {
      const rng = new Rng(5);
      return { params: [randn(rng, [6, 7, 7, 4]), randn(rng, [3, 3, 3, 4, 8])], f: (x, w) => modelConv2d(x as tf.Tensor4D, w, 1, 'same') };
    }, 1, true, 1e-4);
    await compareWithCpu('batch norm with a model axis', () => {
      const rng = new Rng(6);
      return {
        params: [randn(rng, [3, 40, 5]), randn(rng, [3, 5]), randn(rng, [3, 5])],
        f: (x, g, b) => batchNormTraining(x as tf.Tensor3D, g as tf.Tensor2D, b as tf.Tensor2D, { eps: 1e-5, activation: 'relu', stats: false }).y,
      };
    }, 2, true, 1e-4);
  });
});
