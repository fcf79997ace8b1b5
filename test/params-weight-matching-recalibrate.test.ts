import * as tf from '@tensorflow/tfjs';
import { strict as assert } from 'node:assert';
import { ConvNetS } from '../lib/models/convnet-s';
import { Mlp } from '../lib/models/mlp';
import { recalibrateBatchNorm } from '../lib/params/recalibrate-bn';
import { InputError } from '../lib/util/errors';

/** Per-channel mean and unbiased variance of conv1's output: what bn1 should hold. */
function conv1Stats(model: ConvNetS, x: tf.Tensor4D): { mean: Float32Array; variance: Float32Array } {
  return tf.tidy(() => {
    const y = tf.conv2d(x, model.params.get('conv1/weight') as tf.Tensor4D, 1, 'same'); // [N, H, W, C]
    const { mean, variance } = tf.moments(y, [0, 1, 2]);
    const n = y.size / y.shape[3];
    return { mean: mean.dataSync() as Float32Array, variance: variance.mul(n / (n - 1)).dataSync() as Float32Array };
  });
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('params/recalibrate-bn', () => {
  it('sets running statistics to the statistics of the images, whatever they held before', () => {
    const model = new ConvNetS({ inChannels: 1, numClasses: 3, channels: [4, 5, 6] }, 0);
    const x = tf.randomNormal([12, 8, 8, 1], 0.3, 2, 'float32', 1) as tf.Tensor4D;
    try {
      for (const v of model.buffers.values()) tf.tidy(() => v.assign(tf.fill(v.shape, 7)));
      const tensors = tf.memory().numTensors;
      recalibrateBatchNorm(model, x);
      assert.equal(tf.memory().numTensors, tensors);
      const expected = conv1Stats(model, x);
      assert.ok(maxAbsDiff(model.buffers.get('bn1/running_mean')!.dataSync(), expected.mean) < 1e-4);
      assert.ok(maxAbsDiff(model.buffers.get('bn1/running_var')!.dataSync(), expected.variance) < 1e-4 * Math.max(...expected.variance));
      // With one batch, eval mode now normalises like train mode (up to the unbiased-variance factor).
      const [train, evalOut] = [model.forward(x, { mode: 'train' }), model.forward(x, { mode: 'eval' })];
      assert.ok(maxAbsDiff(train.dataSync(), evalOut.dataSync()) < 0.02);
      tf.dispose([train, evalOut]);
      // Batches of 5, 5 and 2: the first layer's mean is the size-weighted mean of the batch means.
      for (const v of model.buffers.values()) tf.tidy(() => v.assign(tf.fill(v.shape, -3)));
      recalibrateBatchNorm(model, x, 5);
      assert.ok(maxAbsDiff(model.buffers.get('bn1/running_mean')!.dataSync(), expected.mean) < 1e-4);
      const empty = tf.zeros([0, 8, 8, 1]) as tf.Tensor4D;
      assert.throws(() => recalibrateBatchNorm(model, empty), InputError);
      empty.dispose();
    } finally {
      x.dispose();
      model.dispose();
    }
  });

  it('leaves a model without BN untouched', () => {
    const model = new Mlp({ inputSize: 4, hidden: [3], numClasses: 2 }, 0);
    const x = tf.ones([2, 2, 2, 1]) as tf.Tensor4D;
    try {
      const before = model.params.get('fc1/weight')!.dataSync().slice();
      recalibrateBatchNorm(model, x);
      assert.deepEqual(model.params.get('fc1/weight')!.dataSync(), before);
    } finally {
      x.dispose();
      model.dispose();
    }
  });
});
