/**
 * The training loop of a latent diffusion model: every step the whole latent set (full batch,
 * as the reference), the ε-prediction loss of ./forward with per-sample timesteps, one
 * optimizer step, and an EMA update. Losses are read back (and checked, with the gradients and
 * weights) at log and save points only.
 */
import * as tf from '@tensorflow/tfjs';
import { FiniteGuard } from '../optim/finite-guard';
import { minimizeChecked } from '../optim/minimize';
import { defaultAdamWConfig, Optimizer, type OptimizerConfig } from '../optim/optimizer';
import {
  checkArrays, checkCheckpointOption, dataFingerprint, keptNote, loadTrainState, restoreTrainState, saveDue, saveTrainState,
  type TrainCheckpoint,
} from '../optim/train-state';
import { readParams } from '../params/tensors';
import { FileFormatError, InputError } from '../util/errors';
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

/** Names the stage in errors and saved states. */
const STAGE = 'diffusion training';

export interface DiffusionTrainResult {
  /** The losses read back at the log points (of the whole run, also when it was resumed). */
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

/**
 * Trains `denoiser` in place as ε_θ on `latents` [N, D]. With a `checkpoint`, the whole state
 * (weights, optimizer moments, EMA averages, timestep/noise RNG, losses) is saved every
 * `checkpoint.every` steps and after the last, and a run finds it and continues bit-identically;
 * a state of a finished run is loaded without training. NaN or Infinity in the loss, a gradient
 * or a weight stops training with a NumericalError (a state is saved only after it is checked).
 */
export function trainDiffusion(
  denoiser: Denoiser, latents: tf.Tensor2D | LatentSet, schedule: NoiseSchedule,
  config: DiffusionTrainConfig = defaultDiffusionTrainConfig, onProgress?: (p: DiffusionTrainProgress) => void,
  checkpoint?: TrainCheckpoint,
): DiffusionTrainResult {
  if (denoiser.timesteps !== schedule.steps) {
    throw new InputError(`the denoiser embeds ${denoiser.timesteps} timesteps but the schedule has ${schedule.steps}`);
  }
  if (!(Number.isInteger(config.steps) && config.steps >= 1)) throw new InputError(`steps must be a positive integer, got ${config.steps}`);
  if (!(Number.isInteger(config.logEvery) && config.logEvery >= 1)) throw new InputError(`logEvery must be a positive integer, got ${config.logEvery}`);
  checkCheckpointOption(checkpoint);
  const x0 = latentTensor(latents, denoiser.dim); // [N, D]
  const owned = x0 !== latents;
  const started = performance.now();
  const optimizer = new Optimizer(config.optimizer);
  const ema = config.emaDecay === null ? null : new Ema(denoiser.params, config.emaDecay);
  const guard = new FiniteGuard(STAGE);
  const eps = (x: tf.Tensor2D, t: Int32Array) => denoiser.predict(x, t);
  try {
    const identity = stateIdentity(denoiser, x0, schedule, config);
    const saved = checkpoint && loadTrainState(checkpoint.file, STAGE, identity, config.steps);
    if (saved) {
      restoreTrainState(checkpoint.file, saved, denoiser.params, optimizer);
      if ((saved.averages === null) !== (ema === null)) throw new FileFormatError(checkpoint.file, 'EMA averages do not match the config');
      if (ema && saved.averages) {
        checkArrays(checkpoint.file, 'EMA averages', saved.averages.values, denoiser.params);
        ema.setState(saved.averages);
      }
      guard.kept = keptNote(checkpoint.file, saved.step);
    }
    const rng = saved ? Rng.fromState(saved.rng) : new Rng(config.seed);
    const losses = saved ? saved.losses : [];
    for (let step = (saved?.step ?? 0) + 1; step <= config.steps; step++) {
      guard.watch(step, minimizeChecked(denoiser.params, optimizer, () => diffusionLoss(eps, x0, rng, schedule)));
      ema?.update(denoiser.params);
      const log = step === 1 || step % config.logEvery === 0 || step === config.steps;
      const save = saveDue(checkpoint, step, config.steps);
      if (!log && !save) continue;
      const loss = guard.check(denoiser.params, step);
      if (log) losses.push({ step, loss });
      if (checkpoint && save) {
        saveTrainState(checkpoint.file, STAGE, identity, {
          step, params: readParams(denoiser.params, [...denoiser.params.keys()]), optimizer: optimizer.getState(),
          rng: rng.getState(), losses, averages: ema?.getState() ?? null,
        });
        guard.kept = keptNote(checkpoint.file, step);
      }
      if (log) onProgress?.({ step, totalSteps: config.steps, loss, elapsedSeconds: (performance.now() - started) / 1000 });
    }
    return { losses, seconds: (performance.now() - started) / 1000, ema };
  } catch (err) {
    ema?.dispose();
    throw err;
  } finally {
    optimizer.dispose();
    guard.dispose();
    if (owned) x0.dispose();
  }
}

/** What a saved state must have been trained with: this config and schedule, this network's shapes, these latents. */
function stateIdentity(denoiser: Denoiser, x0: tf.Tensor2D, schedule: NoiseSchedule, config: DiffusionTrainConfig): Record<string, unknown> {
  const shapes = Object.fromEntries([...denoiser.params].map(([name, v]) => [name, v.shape]));
  return { train: config, schedule: schedule.config, network: shapes, latents: dataFingerprint(x0.dataSync() as Float32Array) };
}
