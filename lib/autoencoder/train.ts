/**
 * Training of the parameter autoencoder as in p-diff: full-batch MSE between the input and the
 * reconstruction of its noise-augmented forward, AdamW; or, for rows too long for the whole set to
 * go through at once, the same on a random minibatch of rows per step. The noise (and minibatch) of
 * step s is drawn from an Rng seeded with `config.seed`, so two runs are identical, and a run
 * resumed from a saved state (which holds the Rng's state) is identical to an uninterrupted one.
 * Optionally a behavioural term on the same reconstructions (./behaviour). Then the noise-free
 * passes over whole sets: encode, decode, reconstruct.
 */
import * as tf from '@tensorflow/tfjs';
import { runTrainingLoop, type StepProgress, type TrainRunResult } from '../optim/loop';
import { minimizeChecked } from '../optim/minimize';
import { defaultAdamWConfig, type OptimizerConfig } from '../optim/optimizer';
import { checkCheckpointOption, dataFingerprint, type TrainCheckpoint } from '../optim/train-state';
import type { VectorSet } from '../params/types';
import { InputError } from '../util/errors';
import { behaviourWeight, type BehaviourLossConfig, type BehaviourTerm } from './behaviour';
import type { ParamAutoencoder } from './model';
import { checkVectorSet, mapBatches, passRows } from './batches';

export interface AutoencoderTrainConfig {
  /** Optimizer steps (pdiff-small: 2,000). */
  steps: number;
  /**
   * Rows per step. null (default): every row in each step, p-diff's recipe (its K = 200 subset
   * vectors of a few hundred values are one batch). A number: that many rows drawn at random each
   * step, for long rows whose whole set would not fit through the network at once (whole networks:
   * a training step's memory grows with rows × row length).
   */
  batchSize: number | null;
  /** p-diff: AdamW, lr 1e-3, weight decay 2e-6. */
  optimizer: OptimizerConfig;
  /** Seeds the noise augmentation of every step. */
  seed: number;
  /** Read the loss back (and report it) every this many steps, and at the first and last step. */
  logEvery: number;
  /**
   * The behavioural loss (./behaviour): weight × the term on the same reconstructions, added to
   * the parameter MSE; the caller builds the term. null (default): p-diff's training, unchanged.
   */
  behaviour: BehaviourLossConfig | null;
}

export const defaultAutoencoderTrainConfig: AutoencoderTrainConfig = {
  steps: 2000,
  batchSize: null,
  optimizer: defaultAdamWConfig,
  seed: 0,
  logEvery: 100,
  behaviour: null,
};

/** The loss is the MSE of the noise-augmented reconstruction (plus the weighted behavioural term, when on). */
export type AutoencoderProgress = StepProgress;

/** Names the stage in errors and saved states. */
const STAGE = 'autoencoder training';

export type AutoencoderTrainResult = TrainRunResult;

/**
 * Trains `ae` in place on `data` (vectors already normalised, e.g. per position). With a
 * `checkpoint`, the whole state (weights, AdamW moments, noise RNG, losses) is saved every
 * `checkpoint.every` steps and after the last, and a run finds it and continues bit-identically;
 * a state of a finished run is loaded without training. NaN or Infinity in the loss, a gradient
 * or a weight stops training with a NumericalError (a state is saved only after it is checked).
 * With `config.behaviour` on, `behaviour` is its term over `data`'s rows (the caller disposes it).
 */
export function trainAutoencoder(
  ae: ParamAutoencoder, data: VectorSet, config: AutoencoderTrainConfig = defaultAutoencoderTrainConfig,
  onProgress?: (p: AutoencoderProgress) => void, checkpoint?: TrainCheckpoint, behaviour?: BehaviourTerm,
): AutoencoderTrainResult {
  checkVectorSet(data, ae.inDim, 'autoencoder training data');
  if (!Number.isInteger(config.steps) || config.steps < 0) throw new InputError(`autoencoder steps must be a non-negative integer, got ${config.steps}`);
  if (!Number.isInteger(config.logEvery) || config.logEvery < 1) throw new InputError(`autoencoder logEvery must be a positive integer, got ${config.logEvery}`);
  checkCheckpointOption(checkpoint);
  const { batchSize } = config;
  if (batchSize !== null && !(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= data.count)) {
    throw new InputError(`autoencoder batchSize must be null (every row) or an integer in [1, ${data.count}] (the training rows), got ${batchSize}`);
  }
  const weight = behaviourWeight(config.behaviour);
  const term = weight > 0 ? checkTerm(behaviour, data.count) : undefined;
  const identity = { train: stateIdentity(config), model: ae.config, inDim: ae.inDim, data: dataFingerprint(data.data) };
  const x = tf.tensor2d(data.data, [data.count, data.dim]); // [N, inDim]
  try {
    const { losses, seconds } = runTrainingLoop({
      stage: STAGE, steps: config.steps, logEvery: config.logEvery, checkpoint, identity,
      params: ae.params, optimizer: config.optimizer, rng: config.seed,
      step: (_, { optimizer, rng }) => {
        const seeds = { input: rng.seed(), latent: rng.seed() };
        const rows = batchSize === null ? undefined : rng.permutation(data.count).subarray(0, batchSize);
        return minimizeChecked(ae.params, optimizer, () => {
          const batch = rows ? tf.gather(x, rows) : x; // [B, inDim]
          const decoded = ae.trainForward(batch, seeds); // [B, inDim]
          const loss = decoded.sub(batch).square().mean() as tf.Scalar;
          return term ? loss.add(term.loss(decoded, rows).mul(weight)) : loss;
        });
      },
      onLog: ({ step, loss }, { seconds }) => onProgress?.({ step, totalSteps: config.steps, loss, elapsedSeconds: seconds() }),
    });
    return { losses, seconds };
  } finally {
    x.dispose();
  }
}

/**
 * The training config as a saved state is pinned to. Options added after states were first saved
 * (the behavioural loss, the minibatch) stay out of it while off, so those states still resume.
 */
function stateIdentity(config: AutoencoderTrainConfig): Record<string, unknown> {
  const { behaviour, batchSize, ...always } = config;
  return { ...always, ...(behaviour ? { behaviour } : {}), ...(batchSize === null ? {} : { batchSize }) };
}

/** The term an active behavioural option needs, over the training set's `rows`. */
function checkTerm(term: BehaviourTerm | undefined, rows: number): BehaviourTerm {
  if (!term) throw new InputError('autoencoderTrain.behaviour is on, but no behavioural term was given (PDiffPipeline.fit builds it from the model, its cut and the training images)');
  if (term.rows !== rows) throw new InputError(`the behavioural term knows the outputs of ${term.rows} rows, the autoencoder's training set has ${rows}`);
  return term;
}

/** Parameter vectors [count, inDim] → latents [count, latentDim] (flattened channel-major). */
export function encodeSet(ae: ParamAutoencoder, set: VectorSet, batchSize = passRows(ae.inDim)): VectorSet {
  checkVectorSet(set, ae.inDim, 'autoencoder input');
  return mapBatches(set, ae.geometry.latentDim, batchSize, (x) => ae.encode(x));
}

/** Latents [count, latentDim] → parameter vectors [count, inDim]. */
export function decodeSet(ae: ParamAutoencoder, latents: VectorSet, batchSize = passRows(ae.inDim)): VectorSet {
  checkVectorSet(latents, ae.geometry.latentDim, 'autoencoder latents');
  return mapBatches(latents, ae.inDim, batchSize, (z) => ae.decode(z));
}

/** decode(encode(x)) for every vector, without noise. */
export function reconstruct(ae: ParamAutoencoder, set: VectorSet, batchSize = passRows(ae.inDim)): VectorSet {
  checkVectorSet(set, ae.inDim, 'autoencoder input');
  return mapBatches(set, ae.inDim, batchSize, (x) => ae.decode(ae.encode(x)));
}
