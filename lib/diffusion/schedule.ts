/**
 * Noise schedules as pure functions: the betas and every coefficient the forward process,
 * the loss and the samplers read, in float64 (as the reference computes them) so that
 * ᾱ over 1000 steps does not drift. Indices are 0-based: entry t belongs to the network
 * timestep t ∈ [0, T), which is step t + 1 in the papers' 1-based notation.
 */
import { InputError } from '../util/errors';
import { scaledLinearBetas } from './scaled-linear';

export interface ScheduleConfig {
  /**
   * 'linear' (DDPM, Ho et al. 2020), 'scaled-linear' (linear in √β: latent diffusion's and the
   * D2NWG code's default, ./scaled-linear.ts) or 'cosine' (Nichol & Dhariwal 2021).
   */
  kind: 'linear' | 'scaled-linear' | 'cosine';
  /** Number of diffusion steps T. */
  steps: number;
  /** First beta of the linear schedule. */
  betaStart: number;
  /** Last beta of the linear schedule. */
  betaEnd: number;
  /** Offset s of the cosine schedule, which keeps β_1 from being tiny. */
  cosineOffset: number;
}

/** DDPM's and p-diff's schedule: T = 1000, linear β from 1e-4 to 2e-2. */
export const defaultScheduleConfig: ScheduleConfig = {
  kind: 'linear',
  steps: 1000,
  betaStart: 1e-4,
  betaEnd: 2e-2,
  cosineOffset: 0.008,
};

/** The largest beta the cosine schedule allows (Nichol & Dhariwal 2021, section 3.2). */
export const MAX_COSINE_BETA = 0.999;

/** Per-timestep coefficients, each a Float64Array of length T. */
export interface NoiseSchedule {
  config: ScheduleConfig;
  /** T. */
  steps: number;
  betas: Float64Array;
  /** α_t = 1 − β_t. */
  alphas: Float64Array;
  /** ᾱ_t = Π_{s ≤ t} α_s. */
  alphasCumprod: Float64Array;
  /** ᾱ_{t−1}, with ᾱ_{−1} = 1. */
  alphasCumprodPrev: Float64Array;
  /** √ᾱ_t: the signal scale of q(x_t | x_0). */
  sqrtAlphasCumprod: Float64Array;
  /** √(1 − ᾱ_t): the noise scale of q(x_t | x_0). */
  sqrtOneMinusAlphasCumprod: Float64Array;
  /** √(1 / ᾱ_t). */
  sqrtRecipAlphasCumprod: Float64Array;
  /** √(1 / ᾱ_t − 1). */
  sqrtRecipm1AlphasCumprod: Float64Array;
  /** Coefficient of x_0 in the posterior mean μ̃_t (DDPM eq. 7). */
  posteriorMeanCoef1: Float64Array;
  /** Coefficient of x_t in the posterior mean μ̃_t (DDPM eq. 7). */
  posteriorMeanCoef2: Float64Array;
  /** β̃_t = β_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t) (DDPM eq. 7); 0 at t = 0. */
  posteriorVariance: Float64Array;
  /** 'fixedlarge' variance σ_t² = β_t, with β̃ at t = 0 instead (as improved-diffusion and the reference). */
  fixedLargeVariance: Float64Array;
}

/** β_t evenly spaced from `start` to `end` (DDPM section 4). */
export function linearBetas(steps: number, start: number, end: number): Float64Array {
  if (steps === 1) return Float64Array.of(start);
  return Float64Array.from({ length: steps }, (_, t) => start + (t * (end - start)) / (steps - 1));
}

/**
 * Nichol & Dhariwal 2021 eq. 17: ᾱ(t) = f(t) / f(0), f(t) = cos²(π/2 · (t/T + s) / (1 + s)),
 * and β_t = 1 − ᾱ(t + 1) / ᾱ(t), clipped at 0.999 so the last steps stay finite.
 */
export function cosineBetas(steps: number, offset: number): Float64Array {
  const f = (t: number) => Math.cos((((t / steps) + offset) / (1 + offset)) * (Math.PI / 2)) ** 2;
  return Float64Array.from({ length: steps }, (_, t) => Math.min(1 - f(t + 1) / f(t), MAX_COSINE_BETA));
}

function check(config: ScheduleConfig): void {
  const { steps, betaStart, betaEnd, cosineOffset } = config;
  if (!Number.isInteger(steps) || steps < 1) throw new InputError(`schedule steps must be a positive integer, got ${steps}`);
  if (config.kind !== 'cosine' && !(betaStart > 0 && betaEnd >= betaStart && betaEnd < 1)) {
    throw new InputError(`${config.kind} schedule needs 0 < betaStart ≤ betaEnd < 1, got ${betaStart}, ${betaEnd}`);
  }
  if (config.kind === 'cosine' && !(cosineOffset >= 0)) {
    throw new InputError(`cosine schedule needs cosineOffset ≥ 0, got ${cosineOffset}`);
  }
}

/** Every coefficient of a schedule, derived from its betas. */
export function makeSchedule(config: ScheduleConfig = defaultScheduleConfig): NoiseSchedule {
  check(config);
  const T = config.steps;
  const betas = config.kind === 'linear' ? linearBetas(T, config.betaStart, config.betaEnd)
    : config.kind === 'scaled-linear' ? scaledLinearBetas(T, config.betaStart, config.betaEnd)
      : cosineBetas(T, config.cosineOffset);
  const alphas = betas.map((b) => 1 - b);
  const alphasCumprod = new Float64Array(T);
  let product = 1;
  for (let t = 0; t < T; t++) alphasCumprod[t] = product *= alphas[t];
  const alphasCumprodPrev = Float64Array.from({ length: T }, (_, t) => (t === 0 ? 1 : alphasCumprod[t - 1]));
  const map = (fn: (t: number) => number) => Float64Array.from({ length: T }, (_, t) => fn(t));
  const posteriorVariance = map((t) => (betas[t] * (1 - alphasCumprodPrev[t])) / (1 - alphasCumprod[t]));
  return {
    config: { ...config },
    steps: T,
    betas,
    alphas,
    alphasCumprod,
    alphasCumprodPrev,
    sqrtAlphasCumprod: map((t) => Math.sqrt(alphasCumprod[t])),
    sqrtOneMinusAlphasCumprod: map((t) => Math.sqrt(1 - alphasCumprod[t])),
    sqrtRecipAlphasCumprod: map((t) => Math.sqrt(1 / alphasCumprod[t])),
    sqrtRecipm1AlphasCumprod: map((t) => Math.sqrt(1 / alphasCumprod[t] - 1)),
    posteriorMeanCoef1: map((t) => (betas[t] * Math.sqrt(alphasCumprodPrev[t])) / (1 - alphasCumprod[t])),
    posteriorMeanCoef2: map((t) => ((1 - alphasCumprodPrev[t]) * Math.sqrt(alphas[t])) / (1 - alphasCumprod[t])),
    posteriorVariance,
    fixedLargeVariance: map((t) => (t === 0 ? posteriorVariance[Math.min(1, T - 1)] : betas[t])),
  };
}
