/**
 * The training loop of a latent diffusion model: every step the whole latent set (full batch,
 * as the reference), the ε-prediction loss of ./forward with per-sample timesteps, one
 * optimizer step, and an EMA update. Losses are read back at log points only.
 */
import * as tf from '@tensorflow/tfjs';
import { minimize } from '../optim/minimize';
import { defaultAdamWConfig, Optimizer, type OptimizerConfig } from '../optim/optimizer';
import { InputError } from '../util/errors';
import { assertFinite } from '../util/finite';
import { Rng } from '../util/rng';
import { DEFAULT_EMA_DECAY, Ema } from './ema';
import { diffusionLoss } from './forward';
import type { NoiseSchedule } from './schedule';
import type { Denoiser, LatentSet } from './types';

export interface DiffusionTrainConfig {
  /** Optimizer steps, each over all N latents. */
  steps: number;
  /** p-diff: AdamW, lr 1e-3, weight decay 2e-6. */
  optimizer: OptimizerConfig;
  /** Decay of the EMA of the weights; null: no EMA. */
  emaDecay: number | null;
  /** Seeds the timesteps and noise of every step (the denoiser's init has its own seed). */
  seed: number;
  /** Read the loss back, check it is finite and report it every this many steps, at step 1 and at the last. */
  logEvery: number;
}

/** pdiff-small stage 3. */
export const defaultDiffusionTrainConfig: DiffusionTrainConfig = {
  steps: 2000,
  optimizer: defaultAdamWConfig,
  emaDecay: DEFAULT_EMA_DECAY,
  seed: 0,
  logEvery: 100,
};

export interface DiffusionTrainProgress {
  step: number;
  totalSteps: number;
  loss: number;
  elapsedSeconds: number;
}

export interface DiffusionTrainResult {
  /** The losses read back at the log points. */
  losses: { step: number; loss: number }[];
  seconds: number;
  /** The EMA of the weights (the caller samples with it and disposes it); null if emaDecay is null. */
  ema: Ema | null;
}

/** The latents as a [N, dim] tensor, checked (a tensor passed in is used as is). */
function latentTensor(latents: tf.Tensor2D | LatentSet, dim: number): tf.Tensor2D {
  const shape = latents instanceof tf.Tensor ? latents.shape : [latents.count, latents.dim];
  if (shape.length !== 2 || shape[1] !== dim) throw new InputError(`latents must be [N, ${dim}] for this denoiser, got [${shape}]`);
  if (latents instanceof tf.Tensor) {
    const finite = tf.tidy(() => tf.all(tf.isFinite(latents)).dataSync()[0]);
    if (!finite) throw new InputError('latents hold NaN or Infinity');
    return latents;
  }
  if (latents.data.length !== latents.count * latents.dim) {
    throw new InputError(`latent set says ${latents.count} × ${latents.dim} but holds ${latents.data.length} numbers`);
  }
  assertFinite(latents.data, latents.dim, 'latents');
  return tf.tensor2d(latents.data, [latents.count, latents.dim]);
}

/** Trains `denoiser` in place as ε_θ on `latents` [N, D]. */
export function trainDiffusion(
  denoiser: Denoiser, latents: tf.Tensor2D | LatentSet, schedule: NoiseSchedule,
  config: DiffusionTrainConfig = defaultDiffusionTrainConfig, onProgress?: (p: DiffusionTrainProgress) => void,
): DiffusionTrainResult {
  if (denoiser.timesteps !== schedule.steps) {
    throw new InputError(`the denoiser embeds ${denoiser.timesteps} timesteps but the schedule has ${schedule.steps}`);
  }
  if (!(Number.isInteger(config.steps) && config.steps >= 1)) throw new InputError(`steps must be a positive integer, got ${config.steps}`);
  if (!(Number.isInteger(config.logEvery) && config.logEvery >= 1)) throw new InputError(`logEvery must be a positive integer, got ${config.logEvery}`);
  const x0 = latentTensor(latents, denoiser.dim); // [N, D]
  const owned = x0 !== latents;
  const started = performance.now();
  const optimizer = new Optimizer(config.optimizer);
  const ema = config.emaDecay === null ? null : new Ema(denoiser.params, config.emaDecay);
  const rng = new Rng(config.seed);
  const eps = (x: tf.Tensor2D, t: Int32Array) => denoiser.predict(x, t);
  const losses: DiffusionTrainResult['losses'] = [];
  try {
    for (let step = 1; step <= config.steps; step++) {
      const loss = minimize(denoiser.params, optimizer, () => diffusionLoss(eps, x0, rng, schedule));
      ema?.update(denoiser.params);
      const value = step === 1 || step % config.logEvery === 0 || step === config.steps ? loss.dataSync()[0] : undefined;
      loss.dispose();
      if (value === undefined) continue;
      if (!Number.isFinite(value)) throw new Error(`diffusion training: loss is ${value} at step ${step}`);
      losses.push({ step, loss: value });
      onProgress?.({ step, totalSteps: config.steps, loss: value, elapsedSeconds: (performance.now() - started) / 1000 });
    }
  } catch (err) {
    ema?.dispose();
    throw err;
  } finally {
    optimizer.dispose();
    if (owned) x0.dispose();
  }
  return { losses, seconds: (performance.now() - started) / 1000, ema };
}
