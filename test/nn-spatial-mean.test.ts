// spatialMean (global average pooling with its gradient written out) against tf.mean over the
// positions, on the active backend: the same values and the same gradient, bit for bit.
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { spatialMean } from '../lib/nn/spatial-mean';
import { Rng } from '../lib/util/rng';

describe('spatialMean', () => {
  for (const shape of [[2, 3, 4, 5], [128, 7, 7, 64], [1, 1, 1, 3]] as [number, number, number, number][]) {
    it(`equals tf.mean over [1, 2], value and gradient, bit for bit ([${shape}])`, () => {
      const before = tf.memory().numTensors;
      const rng = new Rng(shape[3]);
      const x = tf.tensor4d(rng.normalArray(shape.reduce((a, b) => a * b, 1)), shape);
      const w = tf.tensor2d(rng.normalArray(shape[3] * 3), [shape[3], 3]);
      const loss = (pool: (t: tf.Tensor4D) => tf.Tensor2D) => (t: tf.Tensor) => tf.matMul(pool(t as tf.Tensor4D), w).square().sum() as tf.Scalar;
      const ours = tf.valueAndGrad(loss(spatialMean))(x);
      const taped = tf.valueAndGrad(loss((t) => tf.mean(t, [1, 2]) as tf.Tensor2D))(x);
      assert.deepEqual(ours.value.dataSync(), taped.value.dataSync());
      assert.deepEqual(ours.grad.shape, shape);
      assert.deepEqual(ours.grad.dataSync(), taped.grad.dataSync());
      tf.dispose([x, w, ours.value, ours.grad, taped.value, taped.grad]);
      assert.equal(tf.memory().numTensors, before);
    });
  }
});
