// affineReluMean, the p-diff evaluation head: against the tfjs formula it replaces on the active
// backend, the native kernel against the cpu backend (skipped, with the reason printed, when the
// addon is not built), its shape errors, and its tensor bookkeeping.
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { loadNativeAddon } from '../lib/backend/native-addon';
import { AFFINE_RELU_MEAN, affineReluMean } from '../lib/nn/affine-relu-mean';
import { InputError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';
import { maxAbsDiff, onBackend } from './helpers/backends';
import { skipWithoutNative } from './helpers/native-parity';

/** [M, N, h, w, C]: the number of models, images, the spatial size and the channels. */
type Shape = [number, number, number, number, number];

/** Random features and per-model scale and shift, about half of them negative, as plain arrays. */
function operands([m, n, h, w, c]: Shape, seed: number) {
  const rng = new Rng(seed);
  return { x: rng.normalArray(n * h * w * c), scale: rng.normalArray(m * c), shift: rng.normalArray(m * c, 0.5) };
}

/** affineReluMean on the active backend, or (composite) the formula it replaces in plain tf ops. */
function evaluate(shape: Shape, seed: number, composite = false): Float32Array {
  const [m, n, h, w, c] = shape;
  const o = operands(shape, seed);
  return tf.tidy(() => {
    const [x, scale, shift] = [tf.tensor4d(o.x, [n, h, w, c]), tf.tensor2d(o.scale, [m, c]), tf.tensor2d(o.shift, [m, c])];
    const y = composite
      ? x.expandDims(0).mul(scale.reshape([m, 1, 1, 1, c])).add(shift.reshape([m, 1, 1, 1, c])).relu().mean([2, 3])
      : affineReluMean(x, scale, shift);
    assert.deepEqual(y.shape, [m, n, c]);
    return y.dataSync() as Float32Array;
  });
}

/** max |a − e| / max(1, |e|). */
function maxRelDiff(actual: Float32Array, expected: Float32Array): number {
  return expected.reduce((max, e, i) => Math.max(max, Math.abs(actual[i] - e) / Math.max(1, Math.abs(e))), 0);
}

/** Repeated calls leave the tensor count flat. */
function assertNoLeak(): void {
  tf.tidy(() => {
    const [x, scale, shift] = [tf.randomNormal([3, 7, 7, 8]), tf.randomNormal([2, 8]), tf.randomNormal([2, 8])] as
      [tf.Tensor4D, tf.Tensor2D, tf.Tensor2D];
    const run = () => affineReluMean(x, scale, shift).dispose();
    run();
    const count = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) run();
    assert.equal(tf.memory().numTensors, count);
  });
}

// One model, one image, P = 1 and 49, odd C, and C = 70: the kernel's full 64-channel block and a remainder.
const SHAPES: Shape[] = [[1, 1, 1, 1, 5], [3, 4, 7, 7, 17], [1, 6, 3, 2, 64], [4, 1, 7, 7, 64], [2, 5, 1, 1, 17], [5, 9, 7, 7, 64], [2, 3, 2, 2, 70]];

describe('affineReluMean', () => {
  it('equals the tfjs formula on the active backend, negative scales and shifts included', () => {
    SHAPES.forEach((shape, i) => {
      const diff = maxRelDiff(evaluate(shape, i), evaluate(shape, i, true));
      assert.ok(diff <= 1e-5, `[${shape}]: differs by ${diff}`);
    });
  });

  it('names the shape problem', () => {
    tf.tidy(() => {
      const zeros = (...shape: number[]) => tf.zeros(shape); // of any rank, cast to the rank the op expects
      const x = zeros(2, 7, 7, 64) as tf.Tensor4D;
      const params = (...shape: number[]) => zeros(...shape) as tf.Tensor2D;
      const cases: [() => unknown, RegExp][] = [
        [() => affineReluMean(x, params(3, 32), params(3, 32)), /scale has 32 channels, the features 64/],
        [() => affineReluMean(x, params(3, 64), params(2, 64)), /shift has shape \[2,64\], scale \[3,64\]/],
        [() => affineReluMean(zeros(2, 49, 64) as tf.Tensor4D, params(3, 64), params(3, 64)), /features must be \[N, h, w, C\], got \[2,49,64\]/],
        [() => affineReluMean(x, params(64), params(64)), /scale must be \[M, C\], got \[64\]/],
      ];
      for (const [call, message] of cases) {
        assert.throws(call, (err: Error) => err instanceof InputError && message.test(err.message));
      }
    });
  });

  it('leaves no tensor behind', assertNoLeak);

  it('its gradients in x, scale and shift equal the tfjs formula\'s (the behavioural loss trains through it)', () => {
    for (const [i, shape] of [[3, 4, 7, 7, 17], [2, 5, 1, 1, 64]].entries() as Iterable<[number, Shape]>) {
      const [m, n, h, w, c] = shape;
      const o = operands(shape, 200 + i);
      const weights = new Rng(300 + i).normalArray(m * n * c); // a loss that weighs every output differently
      const grads = (composite: boolean) => tf.tidy(() => {
        const loss = (x: tf.Tensor, scale: tf.Tensor, shift: tf.Tensor) => {
          const [x4, s2, b2] = [x as tf.Tensor4D, scale as tf.Tensor2D, shift as tf.Tensor2D];
          const y = composite
            ? x4.expandDims(0).mul(s2.reshape([m, 1, 1, 1, c])).add(b2.reshape([m, 1, 1, 1, c])).relu().mean([2, 3])
            : affineReluMean(x4, s2, b2);
          return y.mul(tf.tensor3d(weights, [m, n, c])).sum();
        };
        const inputs = [tf.tensor4d(o.x, [n, h, w, c]), tf.tensor2d(o.scale, [m, c]), tf.tensor2d(o.shift, [m, c])];
        return tf.grads(loss)(inputs).map((g) => g.dataSync() as Float32Array);
      });
      const [kernel, formula] = [grads(false), grads(true)];
      ['x', 'scale', 'shift'].forEach((name, k) => {
        const diff = maxRelDiff(kernel[k], formula[k]);
        assert.ok(diff <= 1e-5, `[${shape}] d${name} differs by ${diff}`);
      });
    }
  });
});

describe('affineReluMean native kernel', function () {
  before(function () {
    skipWithoutNative(this, 'native affineReluMean tests');
  });

  it('is registered on the native backend', () => {
    assert.ok(tf.getKernel(AFFINE_RELU_MEAN, 'native'), 'registerNativeBackend did not register it');
  });

  it('matches the cpu backend on odd shapes: one model, one image, one position, odd channels', async () => {
    for (const [i, shape] of SHAPES.entries()) {
      const onCpu = await onBackend('cpu', () => evaluate(shape, 100 + i));
      const onNative = await onBackend('native', () => evaluate(shape, 100 + i));
      const diff = maxAbsDiff(onCpu, onNative);
      assert.ok(diff <= 1e-4, `[${shape}]: differs by ${diff}`);
    }
  });

  it('leaves no tensor behind on native', () => onBackend('native', assertNoLeak));

  it('the addon names the buffer that does not match dims', () => {
    const addon = loadNativeAddon();
    const rangeError = (message: RegExp) => (err: Error) => err instanceof RangeError && message.test(err.message);
    const dims = Int32Array.of(2, 3, 4, 5); // M, N, P, C
    const [x, params, out] = [new Float32Array(60), new Float32Array(10), new Float32Array(30)];
    assert.throws(() => addon.affineReluMean(new Float32Array(59), params, params, out, dims), rangeError(/x has 59 elements, expected 60/));
    assert.throws(() => addon.affineReluMean(x, new Float32Array(5), params, out, dims), rangeError(/scale has 5 elements, expected 10/));
    assert.throws(() => addon.affineReluMean(x, params, new Float32Array(11), out, dims), rangeError(/shift has 11 elements, expected 10/));
    assert.throws(() => addon.affineReluMean(x, params, params, new Float32Array(20), dims), rangeError(/out has 20 elements, expected 30/));
    assert.throws(() => addon.affineReluMean(x, params, params, out, Int32Array.of(2, 3, 4)), rangeError(/dims has 3 elements, expected 4/));
  });
});
