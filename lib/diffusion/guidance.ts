/**
 * Classifier-free guidance (Ho & Salimans 2022, eq. 6 in ε form) as an EpsFn for the samplers:
 * ε̃ = ε_u + s·(ε_c − ε_u), ε_c the prediction under the condition, ε_u under the null one.
 * s = 1 is the plain conditional model, s = 0 the unconditional one, s > 1 pushes samples
 * further towards what distinguishes the condition.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../util/errors';
import type { ConditionalDenoiser, EpsFn } from './types';

/**
 * ε̃ for `condition` [N, Dc] (row i conditions sample i) or [1, Dc] (one condition for all
 * samples). For s ∉ {0, 1} both predictions come from one forward pass over 2N rows; s = 1
 * and s = 0 need one of them only and run N rows. The caller keeps `condition` alive while
 * sampling and disposes it.
 */
export function guidedEps(denoiser: ConditionalDenoiser, condition: tf.Tensor2D, scale: number): EpsFn {
  if (condition.rank !== 2 || condition.shape[1] !== denoiser.conditionDim) {
    throw new InputError(`condition must be [N, ${denoiser.conditionDim}] or [1, ${denoiser.conditionDim}], got [${condition.shape}]`);
  }
  if (!Number.isFinite(scale)) throw new InputError(`guidance scale must be finite, got ${scale}`);
  return (x, t) => {
    const n = x.shape[0];
    if (scale === 0) return denoiser.predict(x, t);
    if (condition.shape[0] !== n && condition.shape[0] !== 1) {
      throw new InputError(`condition has ${condition.shape[0]} rows for ${n} samples (needs ${n} or 1)`);
    }
    const c = condition.shape[0] === n ? condition : tf.tile(condition, [n, 1]); // [N, Dc]
    if (scale === 1) return denoiser.predictConditional(x, t, c);
    const both = new Int32Array(2 * n);
    both.set(t);
    both.set(t, n);
    const drop = new Uint8Array(2 * n).fill(1, n); // rows n..2n−1 take the null condition
    const eps = denoiser.predictConditional(tf.concat([x, x]), both, tf.concat([c, c]), drop); // [2N, D]
    const [conditional, unconditional] = tf.split(eps, 2, 0); // [N, D] each
    return unconditional.add(conditional.sub(unconditional).mul(scale)) as tf.Tensor2D;
  };
}
