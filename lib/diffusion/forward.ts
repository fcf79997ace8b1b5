/**
 * The forward (noising) process q(x_t | x_0), its inversion for x_0 given ε, and the
 * ε-prediction training objective. Every sample carries its own timestep.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../util/errors';
import type { Rng } from '../util/rng';
import type { NoiseSchedule } from './schedule';
import type { EpsFn } from './types';

/** values[t_i] for each sample i, as a float32 column [N, 1] that broadcasts over D. */
export function perSample(values: Float64Array, t: Int32Array): tf.Tensor2D {
  const column = new Float32Array(t.length);
  for (let i = 0; i < t.length; i++) {
    const ti = t[i];
    if (!(ti >= 0 && ti < values.length)) throw new InputError(`timestep ${ti} of sample ${i} is outside [0, ${values.length})`);
    column[i] = values[ti];
  }
  return tf.tensor2d(column, [t.length, 1]);
}

function checkRows(x: tf.Tensor, t: Int32Array, what: string): void {
  if (x.rank !== 2) throw new InputError(`${what} must be [N, D], got rank ${x.rank}`);
  if (x.shape[0] !== t.length) throw new InputError(`${what} has ${x.shape[0]} rows but ${t.length} timesteps`);
}

/** DDPM eq. 4 reparameterised: x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε. All [N, D]. */
export function qSample(x0: tf.Tensor2D, t: Int32Array, noise: tf.Tensor2D, schedule: NoiseSchedule): tf.Tensor2D {
  checkRows(x0, t, 'x0');
  return tf.tidy(() =>
    perSample(schedule.sqrtAlphasCumprod, t).mul(x0).add(perSample(schedule.sqrtOneMinusAlphasCumprod, t).mul(noise)));
}

/** DDPM eq. 4 solved for x_0 (the x̂_0 of eq. 15): x_0 = √(1/ᾱ_t) x_t − √(1/ᾱ_t − 1) ε. All [N, D]. */
export function predictX0(xt: tf.Tensor2D, t: Int32Array, eps: tf.Tensor2D, schedule: NoiseSchedule): tf.Tensor2D {
  checkRows(xt, t, 'x_t');
  return tf.tidy(() =>
    perSample(schedule.sqrtRecipAlphasCumprod, t).mul(xt).sub(perSample(schedule.sqrtRecipm1AlphasCumprod, t).mul(eps)));
}

/**
 * DDPM eq. 14 (L_simple): ‖ε − ε_θ(x_t, t)‖² averaged over all N·D entries, with t uniform on
 * [0, T) drawn per sample and ε ~ N(0, I), both from `rng` (so a seed fixes the whole loss).
 */
export function diffusionLoss(eps: EpsFn, x0: tf.Tensor2D, rng: Rng, schedule: NoiseSchedule): tf.Scalar {
  if (x0.rank !== 2) throw new InputError(`x0 must be [N, D], got rank ${x0.rank}`);
  const t = Int32Array.from({ length: x0.shape[0] }, () => rng.int(schedule.steps));
  const seed = rng.seed();
  return tf.tidy(() => {
    const noise = tf.randomNormal(x0.shape, 0, 1, 'float32', seed) as tf.Tensor2D; // [N, D]
    return tf.losses.meanSquaredError(noise, eps(qSample(x0, t, noise, schedule), t)) as tf.Scalar;
  });
}
