/**
 * One reverse step of each sampler, as pure tensor functions of (x_t, ε̂, t): the
 * scheduler-`step` of diffusers, knowing nothing of networks. Every sample in x shares t.
 * `noise` is the fresh N(0, I) draw of the step; `clip` clamps x̂_0 and the result to
 * [−clip, clip] (null: no clamping).
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../util/errors';
import type { NoiseSchedule } from './schedule';

function clamp(x: tf.Tensor2D, clip: number | null): tf.Tensor2D {
  return clip === null ? x : tf.clipByValue(x, -clip, clip);
}

function checkTimestep(t: number, schedule: NoiseSchedule): void {
  if (!(Number.isInteger(t) && t >= 0 && t < schedule.steps)) throw new InputError(`timestep ${t} is outside [0, ${schedule.steps})`);
}

/**
 * Ancestral DDPM step x_t → x_{t−1}: x̂_0 from DDPM eq. 15, then the posterior mean μ̃_t(x_t, x̂_0)
 * of DDPM eq. 7, plus σ_t z with σ_t² = β_t ('fixedlarge', section 3.2); no noise at t = 0.
 * x, eps, noise: [N, D].
 */
export function ddpmStep(
  x: tf.Tensor2D, eps: tf.Tensor2D, t: number, schedule: NoiseSchedule, noise: tf.Tensor2D | null, clip: number | null,
): tf.Tensor2D {
  checkTimestep(t, schedule);
  if (t > 0 && !noise) throw new InputError(`a DDPM step at t = ${t} needs noise`);
  return tf.tidy(() => {
    const x0 = clamp(x.mul(schedule.sqrtRecipAlphasCumprod[t]).sub(eps.mul(schedule.sqrtRecipm1AlphasCumprod[t])), clip);
    const mean = x0.mul(schedule.posteriorMeanCoef1[t]).add(x.mul(schedule.posteriorMeanCoef2[t])) as tf.Tensor2D;
    if (t === 0 || noise === null) return clamp(mean, clip);
    return clamp(mean.add(noise.mul(Math.sqrt(schedule.fixedLargeVariance[t]))), clip);
  });
}

/**
 * σ of DDIM eq. 16 for a step from t to tPrev (tPrev = −1: to the data, ᾱ = 1):
 * η √((1 − ᾱ_prev) / (1 − ᾱ_t)) √(1 − ᾱ_t / ᾱ_prev). η = 1 gives DDPM's β̃ when tPrev = t − 1.
 */
export function ddimSigma(t: number, tPrev: number, schedule: NoiseSchedule, eta: number): number {
  const a = schedule.alphasCumprod[t];
  const aPrev = tPrev >= 0 ? schedule.alphasCumprod[tPrev] : 1;
  return eta * Math.sqrt((1 - aPrev) / (1 - a)) * Math.sqrt(1 - a / aPrev);
}

/**
 * DDIM eq. 12 step x_t → x_{tPrev} (tPrev < t; −1 = to the data):
 * x_prev = √ᾱ_prev x̂_0 + √(1 − ᾱ_prev − σ²) ε̂ + σ z, x̂_0 = (x_t − √(1 − ᾱ_t) ε̂) / √ᾱ_t.
 * When x̂_0 is clamped, ε̂ is re-derived from it (as improved-diffusion does) so the two agree.
 * x, eps, noise: [N, D]; noise is needed only when σ > 0.
 */
export function ddimStep(
  x: tf.Tensor2D, eps: tf.Tensor2D, t: number, tPrev: number, schedule: NoiseSchedule,
  eta: number, noise: tf.Tensor2D | null, clip: number | null,
): tf.Tensor2D {
  checkTimestep(t, schedule);
  if (!(Number.isInteger(tPrev) && tPrev >= -1 && tPrev < t)) throw new InputError(`DDIM cannot step from ${t} to ${tPrev}`);
  const sigma = ddimSigma(t, tPrev, schedule, eta);
  if (sigma > 0 && !noise) throw new InputError(`a DDIM step with η = ${eta} needs noise`);
  const a = schedule.alphasCumprod[t];
  const aPrev = tPrev >= 0 ? schedule.alphasCumprod[tPrev] : 1;
  return tf.tidy(() => {
    let x0 = x.sub(eps.mul(Math.sqrt(1 - a))).div(Math.sqrt(a)) as tf.Tensor2D;
    let e = eps;
    if (clip !== null) {
      x0 = clamp(x0, clip);
      e = x.sub(x0.mul(Math.sqrt(a))).div(Math.sqrt(1 - a));
    }
    // max(·, 0): guards rounding when σ² ≈ 1 − ᾱ_prev (η = 1 and ᾱ_prev near 1).
    const direction = e.mul(Math.sqrt(Math.max(1 - aPrev - sigma * sigma, 0)));
    const mean = x0.mul(Math.sqrt(aPrev)).add(direction) as tf.Tensor2D;
    return clamp(sigma > 0 && noise ? mean.add(noise.mul(sigma)) : mean, clip);
  });
}
