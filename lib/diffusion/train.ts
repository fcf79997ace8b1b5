/**
 * The training loop of a latent diffusion model: every step the whole latent set (full batch,
 * as the reference) or a minibatch of it, the ε-prediction loss of ./forward with per-sample
 * timesteps, one optimizer step, and an EMA update. With per-latent conditions (D2NWG) the
 * denoiser is conditional and each row's condition is dropped to the null one with probability
 * `conditionDropout` (classifier-free guidance training). Losses are read back (and checked,
 * with the gradients and weights) at log and save points only.
 */
import * as tf from '@tensorflow/tfjs';
import { runTrainingLoop, type StepProgress, type TrainRunResult } from '../optim/loop';
import { minimizeChecked } from '../optim/minimize';
import { defaultAdamWConfig, type OptimizerConfig } from '../optim/optimizer';
import { checkCheckpointOption, dataFingerprint, type TrainCheckpoint } from '../optim/train-state';
import { InputError } from '../util/errors';
import { assertFinite } from '../util/finite';
import { Rng } from '../util/rng';
import { DEFAULT_EMA_DECAY, Ema } from './ema';
import { diffusionLoss } from './forward';
import type { NoiseSchedule } from './schedule';
import type { ConditionalDenoiser, ConditionedLatents, Denoiser, LatentSet } from './types';

export interface DiffusionTrainConfig {
  /** Optimizer steps, each over all N latents or a minibatch of them. */
  steps: number;
  /** p-diff: AdamW, lr 1e-3, weight decay 2e-6. */
  optimizer: OptimizerConfig;
  /** Decay of the EMA of the weights; null: no EMA. */
  emaDecay: number | null;
  /** Seeds the timesteps, noise, minibatch rows and condition drops of every step (the denoiser's init has its own seed). */
  seed: number;
  /** Read the loss back, check it is finite and report it every this many steps, at step 1 and at the last. */
  logEvery: number;
  // The two options below are optional so that the configs, run.json files and saved states of
  // runs made before they existed keep their identity (a full-batch unconditional run omits them).
  /** Latents per step, drawn without replacement; null or absent: all N every step (p-diff). */
  batchSize?: number | null;
  /** With conditions: probability that a row's condition is replaced by the null one; absent: DEFAULT_CONDITION_DROPOUT. */
  conditionDropout?: number;
}

/** Classifier-free guidance's usual drop rate (Ho & Salimans 2022 find 0.1–0.2 best). */
export const DEFAULT_CONDITION_DROPOUT = 0.1;

/** pdiff-small stage 3. */
export const defaultDiffusionTrainConfig: DiffusionTrainConfig = {
  steps: 2000,
  optimizer: defaultAdamWConfig,
  emaDecay: DEFAULT_EMA_DECAY,
  seed: 0,
  logEvery: 100,
};

export type DiffusionTrainProgress = StepProgress;

/** Names the stage in errors and saved states. */
const STAGE = 'diffusion training';

export interface DiffusionTrainResult extends TrainRunResult {
  /** The EMA of the weights (the caller samples with it and disposes it); null if emaDecay is null. */
  ema: Ema | null;
}

/** Checks that `what` (the latents or the conditions) is a finite [N, dim] matrix; returns N. */
function checkMatrix(matrix: tf.Tensor2D | LatentSet, dim: number, what: string): number {
  const shape = matrix instanceof tf.Tensor ? matrix.shape : [matrix.count, matrix.dim];
  if (shape.length !== 2 || shape[1] !== dim) throw new InputError(`${what} must be [N, ${dim}] for this denoiser, got [${shape}]`);
  if (matrix instanceof tf.Tensor) {
    const finite = tf.tidy(() => tf.all(tf.isFinite(matrix)).dataSync()[0]);
    if (!finite) throw new InputError(`${what} hold NaN or Infinity`);
  } else {
    if (matrix.data.length !== matrix.count * matrix.dim) {
      throw new InputError(`${what} say ${matrix.count} × ${matrix.dim} but hold ${matrix.data.length} numbers`);
    }
    assertFinite(matrix.data, matrix.dim, what);
  }
  return shape[0];
}

/** A checked matrix as a tensor (a tensor passed in is used as is). */
function asTensor(matrix: tf.Tensor2D | LatentSet): tf.Tensor2D {
  return matrix instanceof tf.Tensor ? matrix : tf.tensor2d(matrix.data, [matrix.count, matrix.dim]);
}

function isConditioned(data: tf.Tensor2D | LatentSet | ConditionedLatents): data is ConditionedLatents {
  return !(data instanceof tf.Tensor) && 'conditions' in data;
}

function isConditional(denoiser: Denoiser): denoiser is ConditionalDenoiser {
  return 'predictConditional' in denoiser;
}

/**
 * The rows and the condition drop mask of `step`. They come from a generator of their own,
 * seeded by (seed, step), so they need no saved state and leave the timestep/noise stream of
 * the main generator as it is (conditions with dropout 1 then train exactly as no conditions).
 */
function stepRows(seed: number, step: number, n: number, batchSize: number | null, dropout: number | null) {
  const rng = new Rng((Math.imul(seed, 1_000_003) + step) | 0);
  let rows: Int32Array | null = null;
  if (batchSize !== null) {
    const order = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < batchSize; i++) { // the first batchSize swaps of a Fisher–Yates shuffle
      const j = i + rng.int(n - i);
      [order[i], order[j]] = [order[j], order[i]];
    }
    rows = order.slice(0, batchSize);
  }
  const drop = dropout === null ? null : Uint8Array.from({ length: rows?.length ?? n }, () => (rng.uniform() < dropout ? 1 : 0));
  return { rows, drop };
}

/**
 * Trains `denoiser` in place as ε_θ on `data`: latents [N, D], or latents with conditions
 * [N, Dc] for a conditional denoiser (a conditional denoiser given latents alone trains with
 * the null condition on every row: an unconditional model). With a `checkpoint`, the whole state
 * (weights, optimizer moments, EMA averages, timestep/noise RNG, losses) is saved every
 * `checkpoint.every` steps and after the last, and a run finds it and continues bit-identically;
 * a state of a finished run is loaded without training. NaN or Infinity in the loss, a gradient
 * or a weight stops training with a NumericalError (a state is saved only after it is checked).
 */
export function trainDiffusion(
  denoiser: Denoiser, data: tf.Tensor2D | LatentSet | ConditionedLatents, schedule: NoiseSchedule,
  config: DiffusionTrainConfig = defaultDiffusionTrainConfig, onProgress?: (p: DiffusionTrainProgress) => void,
  checkpoint?: TrainCheckpoint,
): DiffusionTrainResult {
  if (denoiser.timesteps !== schedule.steps) {
    throw new InputError(`the denoiser embeds ${denoiser.timesteps} timesteps but the schedule has ${schedule.steps}`);
  }
  if (!(Number.isInteger(config.steps) && config.steps >= 1)) throw new InputError(`steps must be a positive integer, got ${config.steps}`);
  if (!(Number.isInteger(config.logEvery) && config.logEvery >= 1)) throw new InputError(`logEvery must be a positive integer, got ${config.logEvery}`);
  checkCheckpointOption(checkpoint);
  const { batchSize = null, conditionDropout = DEFAULT_CONDITION_DROPOUT } = config;
  if (!(conditionDropout >= 0 && conditionDropout <= 1)) throw new InputError(`conditionDropout must be in [0, 1], got ${conditionDropout}`);
  const conditioned = isConditioned(data);
  if (conditioned && !isConditional(denoiser)) throw new InputError('conditions were given but the denoiser is not conditional');
  const latents = conditioned ? data.latents : data;
  const n = checkMatrix(latents, denoiser.dim, 'latents');
  if (conditioned) {
    const rows = checkMatrix(data.conditions, (denoiser as ConditionalDenoiser).conditionDim, 'conditions');
    if (rows !== n) throw new InputError(`${n} latents but ${rows} conditions: they must be aligned row by row`);
  }
  if (batchSize !== null && !(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= n)) {
    throw new InputError(`batchSize must be null or an integer in [1, ${n}] (the number of latents), got ${batchSize}`);
  }
  const ema = config.emaDecay === null ? null : new Ema(denoiser.params, config.emaDecay);
  const x0 = asTensor(latents); // [N, D]
  const c0 = conditioned ? asTensor(data.conditions) : null; // [N, Dc]
  const owned: tf.Tensor[] = [];
  if (x0 !== latents) owned.push(x0);
  if (c0 && conditioned && c0 !== data.conditions) owned.push(c0);
  const eps = (x: tf.Tensor2D, t: Int32Array) => denoiser.predict(x, t);
  // The loss of a step: p-diff's (all latents, no conditions) exactly as it always was, or over
  // the step's rows and with its conditions and drop mask.
  const stepLoss = (rng: Rng, step: number): (() => tf.Scalar) => {
    if (batchSize === null && c0 === null) return () => diffusionLoss(eps, x0, rng, schedule);
    const { rows, drop } = stepRows(config.seed, step, n, batchSize, c0 ? conditionDropout : null);
    return () => {
      const x = rows ? tf.gather(x0, rows) : x0; // [B, D]
      if (!c0) return diffusionLoss(eps, x, rng, schedule);
      const c = rows ? tf.gather(c0, rows) : c0; // [B, Dc]
      const conditional = denoiser as ConditionalDenoiser;
      return diffusionLoss((xt, t) => conditional.predictConditional(xt, t, c, drop ?? undefined), x, rng, schedule);
    };
  };
  try {
    const { losses, seconds } = runTrainingLoop({
      stage: STAGE, steps: config.steps, logEvery: config.logEvery, checkpoint, identity: stateIdentity(denoiser, x0, c0, schedule, config),
      params: denoiser.params, optimizer: config.optimizer, ema, rng: config.seed,
      step: (step, { optimizer, rng }) => minimizeChecked(denoiser.params, optimizer, stepLoss(rng, step)),
      onLog: ({ step, loss }, ctx) => onProgress?.({ step, totalSteps: config.steps, loss, elapsedSeconds: ctx.seconds() }),
    });
    return { losses, seconds, ema };
  } catch (err) {
    ema?.dispose();
    throw err;
  } finally {
    tf.dispose(owned);
  }
}

/** What a saved state must have been trained with: this config and schedule, this network's shapes, these latents (and conditions). */
function stateIdentity(
  denoiser: Denoiser, x0: tf.Tensor2D, c0: tf.Tensor2D | null, schedule: NoiseSchedule, config: DiffusionTrainConfig,
): Record<string, unknown> {
  const shapes = Object.fromEntries([...denoiser.params].map(([name, v]) => [name, v.shape]));
  const identity = { train: config, schedule: schedule.config, network: shapes, latents: dataFingerprint(x0.dataSync() as Float32Array) };
  return c0 ? { ...identity, conditions: dataFingerprint(c0.dataSync() as Float32Array) } : identity;
}
