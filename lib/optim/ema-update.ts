/**
 * One exponential-moving-average update of a variable, avg·d + p·(1 − d), as a single op: a
 * backend with the `EmaUpdate` kernel (native: lib/backend/native-ops.ts) does it in one call
 * instead of three tfjs ops (and two scalar uploads), whose fixed cost counts when the EMA of a
 * model with many small variables (the latent denoiser) is updated every step. Both compute the
 * same float32 expressions in the same order.
 */
import * as tf from '@tensorflow/tfjs';

export const EMA_UPDATE = 'EmaUpdate';

export interface EmaUpdateAttrs {
  /** d: the weight of the old average. */
  decay: number;
}

/** avg·d + p·(1 − d), avg's shape; the caller assigns it. */
export function emaUpdate(avg: tf.Tensor, p: tf.Tensor, decay: number): tf.Tensor {
  if (avg.dtype === 'float32' && p.dtype === 'float32' && tf.getKernel(EMA_UPDATE, tf.getBackend())) {
    const attrs: EmaUpdateAttrs = { decay };
    return tf.engine().runKernel(EMA_UPDATE, { avg, p }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  }
  return tf.tidy(() => avg.mul(decay).add(p.mul(1 - decay)));
}
