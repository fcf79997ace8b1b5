/**
 * Pointwise layers of the autoencoder and the denoiser, with their gradients written out rather
 * than taped (instance norm through standardize.ts); they run on the largest activations, where
 * the taped versions cost several passes more.
 * - InstanceNorm1d with PyTorch's defaults (no affine, no running stats, eps 1e-5): each
 *   (sample, channel) normalised over the length with the biased variance.
 * - LeakyReLU as x·m with the slope mask m = step(x, slope): on wasm the mask and a product take
 *   ~4 ms for 3.5 M floats where tf.leakyRelu takes ~19 ms and its taped gradient ~30 ms.
 */
import * as tf from '@tensorflow/tfjs';
import { standardize } from './standardize';

const INSTANCE_NORM_EPS = 1e-5;

/** x [B, L, C] → (x − mean_L) / √(var_L + eps), same shape. */
export function instanceNorm(x: tf.Tensor3D): tf.Tensor3D {
  return standardize(x, INSTANCE_NORM_EPS);
}

/** x [B, L, C] → x for x > 0, slope·x otherwise; same shape. */
export function leakyRelu(x: tf.Tensor3D, slope: number): tf.Tensor3D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const mask = tf.step(input, slope); // [B, L, C]: 1 where x > 0, slope elsewhere (NaN stays NaN)
    save([mask]);
    return { value: input.mul(mask), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => dy.mul(saved[0]) };
  });
  return op(x) as tf.Tensor3D;
}
