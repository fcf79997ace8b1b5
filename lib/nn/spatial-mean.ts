/**
 * Global average pooling, [N, H, W, C] → [N, C], with its gradient written out: dy / (H·W) at
 * every position, as one broadcasting division. tfjs's taped gradient of mean builds a tensor of
 * ones of x's shape (uploaded from JS on every step), multiplies by it, then divides: the same
 * values (dy·1 is dy), a pass and an upload more. (tf.broadcastTo would be one op too, but wasm's
 * Tile kernel walks the elements: 17 ms for ConvNet-S's [128, 7, 7, 64].)
 */
import * as tf from '@tensorflow/tfjs';

export function spatialMean(x: tf.Tensor4D): tf.Tensor2D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input] = args as [tf.Tensor4D];
    const [n, h, w, c] = input.shape;
    return {
      value: tf.mean(input, [1, 2]),
      gradFunc: (dy: tf.Tensor) => dy.reshape([n, 1, 1, c]).div(tf.fill([1, h, w, 1], h * w)), // [N, H, W, C]
    };
  });
  return op(x) as tf.Tensor2D;
}
