/**
 * Samplers: from x_T ~ N(0, I) to x_0 by repeated calls to an ε-prediction function,
 * with the per-step updates of ./steps. They know nothing of networks: `eps(x, t)` may be a
 * trained denoiser or a closed-form score. One tensor (the current x) lives across steps.
 *
 * Trajectory convention: the point recorded for timestep t is x_t, the sample the sampler
 * feeds to eps at t (0-based, so x at t = T − 1 is the initial noise). The clean output is
 * `samples`.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../util/errors';
import { Rng } from '../util/rng';
import type { NoiseSchedule } from './schedule';
import { ddimStep, ddpmStep } from './steps';
import type { EpsFn, LatentSet } from './types';

export interface SamplerConfig {
  /** 'ddpm': ancestral sampling over all T steps; 'ddim': DDIM eq. 12 over `steps` of them. */
  kind: 'ddpm' | 'ddim';
  /** DDIM only: how many evenly spaced timesteps to visit. */
  steps: number;
  /** DDIM only: η of DDIM eq. 16 (0 = deterministic, 1 = DDPM-like noise). */
  eta: number;
  /** Clamp x̂_0 and every new sample to [−clip, clip] (1, as the reference); null: no clamping. */
  clip: number | null;
  /** Seeds x_T and every step's noise. */
  seed: number;
}

/** The reference's sampler: 1000-step ancestral DDPM with clamping to [−1, 1]. */
export const defaultSamplerConfig: SamplerConfig = { kind: 'ddpm', steps: 50, eta: 0, clip: 1, seed: 0 };

export interface SampleProgress {
  /** Steps done, 1-based. */
  step: number;
  totalSteps: number;
  /** The timestep just processed. */
  t: number;
}

export interface SampleOptions {
  /** Seeds x_T and every step's noise. */
  seed: number;
  /** See SamplerConfig.clip; default 1. */
  clip?: number | null;
  /** Timesteps whose x_t to return in `trajectory` (each must be one the sampler visits). */
  record?: number[];
  /** Called after every step; reads no tensor back. */
  onStep?: (progress: SampleProgress) => void;
}

export interface DdimOptions extends SampleOptions {
  /** Number of timesteps visited; default 50. */
  steps?: number;
  /** η; default 0 (deterministic). */
  eta?: number;
}

export interface TrajectoryPoint {
  t: number;
  x: LatentSet;
}

export interface SampleResult {
  /** x_0, [N, D] as plain data. */
  samples: LatentSet;
  /** The recorded x_t, in the order visited (descending t). */
  trajectory: TrajectoryPoint[];
}

/**
 * DDIM's evenly spaced ("uniform") subsequence τ_i = ⌊i·T/S⌋, i = 0..S−1, ascending
 * (DDIM section 4.2; with S = T it is every timestep).
 */
export function ddimTimesteps(totalSteps: number, steps: number): number[] {
  if (!(Number.isInteger(steps) && steps >= 1 && steps <= totalSteps)) {
    throw new InputError(`DDIM steps must be an integer in [1, ${totalSteps}], got ${steps}`);
  }
  return Array.from({ length: steps }, (_, i) => Math.floor((i * totalSteps) / steps));
}

/** options.clip with its default (1), checked. */
function resolveClip(options: SampleOptions): number | null {
  const clip = options.clip === undefined ? 1 : options.clip;
  if (clip !== null && !(clip > 0)) throw new InputError(`clip must be positive or null, got ${clip}`);
  return clip;
}

function toSet(x: tf.Tensor2D): LatentSet {
  const [count, dim] = x.shape;
  return { count, dim, data: x.dataSync() as Float32Array };
}

/** What a sampler does at one visited timestep, given ε̂ and a lazy source of fresh noise. */
type Update = (x: tf.Tensor2D, eps: tf.Tensor2D, t: number, index: number, noise: () => tf.Tensor2D) => tf.Tensor2D;

/** The loop shared by both samplers: `visit` lists the timesteps in descending order. */
function runSampler(eps: EpsFn, shape: [number, number], visit: number[], options: SampleOptions, update: Update): SampleResult {
  const [n, d] = shape;
  if (!(Number.isInteger(n) && n >= 1 && Number.isInteger(d) && d >= 1)) throw new InputError(`sample shape must be [N, D], got [${shape}]`);
  const record = new Set(options.record ?? []);
  for (const t of record) if (!visit.includes(t)) throw new InputError(`cannot record timestep ${t}: the sampler does not visit it`);
  const rng = new Rng(options.seed);
  const noise = () => tf.randomNormal(shape, 0, 1, 'float32', rng.seed()) as tf.Tensor2D; // [N, D]
  const trajectory: TrajectoryPoint[] = [];
  let x = noise(); // x_T
  try {
    visit.forEach((t, index) => {
      if (record.has(t)) trajectory.push({ t, x: toSet(x) });
      const next = tf.tidy(() => update(x, eps(x, new Int32Array(n).fill(t)), t, index, noise));
      x.dispose();
      x = next;
      options.onStep?.({ step: index + 1, totalSteps: visit.length, t });
    });
    return { samples: toSet(x), trajectory };
  } finally {
    x.dispose();
  }
}

/** Ancestral sampling (DDPM algorithm 2) over all T timesteps with 'fixedlarge' variance. */
export function ddpmSample(eps: EpsFn, shape: [number, number], schedule: NoiseSchedule, options: SampleOptions): SampleResult {
  const clip = resolveClip(options);
  const visit = Array.from({ length: schedule.steps }, (_, i) => schedule.steps - 1 - i);
  return runSampler(eps, shape, visit, options, (x, e, t, _index, noise) =>
    ddpmStep(x, e, t, schedule, t > 0 ? noise() : null, clip));
}

/** DDIM sampling (DDIM eq. 12) over the subsequence `ddimTimesteps(T, steps)`, last step to x_0. */
export function ddimSample(eps: EpsFn, shape: [number, number], schedule: NoiseSchedule, options: DdimOptions): SampleResult {
  const clip = resolveClip(options);
  const eta = options.eta ?? 0;
  if (!(eta >= 0 && eta <= 1)) throw new InputError(`DDIM eta must be in [0, 1], got ${eta}`);
  const visit = ddimTimesteps(schedule.steps, options.steps ?? 50).reverse();
  return runSampler(eps, shape, visit, options, (x, e, t, index, noise) => {
    const tPrev = index + 1 < visit.length ? visit[index + 1] : -1;
    return ddimStep(x, e, t, tPrev, schedule, eta, eta > 0 && tPrev >= 0 ? noise() : null, clip);
  });
}

/** Runs the sampler a config names (for runners whose config says `kind: 'ddpm' | 'ddim'`). */
export function sample(
  eps: EpsFn, shape: [number, number], schedule: NoiseSchedule, config: SamplerConfig,
  extras: Pick<SampleOptions, 'record' | 'onStep'> = {},
): SampleResult {
  const options = { seed: config.seed, clip: config.clip, ...extras };
  return config.kind === 'ddpm'
    ? ddpmSample(eps, shape, schedule, options)
    : ddimSample(eps, shape, schedule, { ...options, steps: config.steps, eta: config.eta });
}
