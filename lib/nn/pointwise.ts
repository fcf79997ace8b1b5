/**
 * Pointwise layers of the autoencoder and the denoiser, with their gradients written out rather
 * than taped (instance norm through standardize.ts); they run on the largest activations, where
 * the taped versions cost several passes more.
 * - InstanceNorm1d with PyTorch's defaults (no affine, no running stats, eps 1e-5): each
 *   (sample, channel) normalised over the length with the biased variance.
 *   With options, a shift added and a LeakyReLU first (the denoiser's timestep embedding, then
 *   LeakyReLU), which a backend with the standardisation kernels (native) fuses into one kernel
 *   each way.
 * - LeakyReLU (./leaky-relu).
 */
import * as tf from '@tensorflow/tfjs';
import { standardize, type StandardizeOptions } from './standardize';

export { leakyRelu } from './leaky-relu';

const INSTANCE_NORM_EPS = 1e-5;

/** x [B, L, C] → (v − mean_L) / √(var_L + eps), same shape; v = LeakyReLU(x + shift), or x without options. */
export function instanceNorm(x: tf.Tensor3D, options: StandardizeOptions = {}): tf.Tensor3D {
  return standardize(x, INSTANCE_NORM_EPS, options);
}
