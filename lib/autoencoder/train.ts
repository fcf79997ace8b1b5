/**
 * Training of the parameter autoencoder as in p-diff: full-batch MSE between the input and the
 * reconstruction of its noise-augmented forward, AdamW. The noise of step s is drawn from seeds
 * taken in order from an Rng seeded with `config.seed`, so two runs are identical.
 * Then the noise-free passes over whole sets: encode, decode, reconstruct.
 */
import * as tf from '@tensorflow/tfjs';
import { minimize } from '../optim/minimize';
import { defaultAdamWConfig, Optimizer, type OptimizerConfig } from '../optim/optimizer';
import type { VectorSet } from '../params/types';
import { InputError } from '../util/errors';
import { Rng } from '../util/rng';
import type { ParamAutoencoder } from './model';
import { checkVectorSet, DEFAULT_BATCH_SIZE, mapBatches } from './batches';

export interface AutoencoderTrainConfig {
  /** Optimizer steps, each on the full set (pdiff-small: 2,000). */
  steps: number;
  /** p-diff: AdamW, lr 1e-3, weight decay 2e-6. */
  optimizer: OptimizerConfig;
  /** Seeds the noise augmentation of every step. */
  seed: number;
  /** Read the loss back (and report it) every this many steps, and at the first and last step. */
  logEvery: number;
}

export const defaultAutoencoderTrainConfig: AutoencoderTrainConfig = {
  steps: 2000,
  optimizer: defaultAdamWConfig,
  seed: 0,
  logEvery: 100,
};

export interface AutoencoderProgress {
  step: number;
  totalSteps: number;
  /** MSE of the noise-augmented reconstruction at this step (before its update). */
  loss: number;
  elapsedSeconds: number;
}

export interface AutoencoderTrainResult {
  /** The loss at every log point. */
  losses: { step: number; loss: number }[];
  seconds: number;
}

/** Trains `ae` in place on `data` (vectors already normalised, e.g. per position). */
export function trainAutoencoder(
  ae: ParamAutoencoder, data: VectorSet, config: AutoencoderTrainConfig = defaultAutoencoderTrainConfig,
  onProgress?: (p: AutoencoderProgress) => void,
): AutoencoderTrainResult {
  checkVectorSet(data, ae.inDim, 'autoencoder training data');
  if (!Number.isInteger(config.steps) || config.steps < 0) throw new InputError(`autoencoder steps must be a non-negative integer, got ${config.steps}`);
  if (!Number.isInteger(config.logEvery) || config.logEvery < 1) throw new InputError(`autoencoder logEvery must be a positive integer, got ${config.logEvery}`);
  const x = tf.tensor2d(data.data, [data.count, data.dim]); // [B, inDim]
  const optimizer = new Optimizer(config.optimizer);
  const rng = new Rng(config.seed);
  const losses: AutoencoderTrainResult['losses'] = [];
  const started = performance.now();
  try {
    for (let step = 1; step <= config.steps; step++) {
      const seeds = { input: rng.seed(), latent: rng.seed() };
      const loss = minimize(ae.params, optimizer, () => ae.trainForward(x, seeds).sub(x).square().mean() as tf.Scalar);
      try {
        if (step === 1 || step % config.logEvery === 0 || step === config.steps) {
          const value = loss.dataSync()[0];
          if (!Number.isFinite(value)) {
            throw new Error(`autoencoder training diverged: loss is ${value} at step ${step} (checked every ${config.logEvery} steps)`);
          }
          losses.push({ step, loss: value });
          onProgress?.({ step, totalSteps: config.steps, loss: value, elapsedSeconds: (performance.now() - started) / 1000 });
        }
      } finally {
        loss.dispose();
      }
    }
  } finally {
    x.dispose();
    optimizer.dispose();
  }
  return { losses, seconds: (performance.now() - started) / 1000 };
}

/** Parameter vectors [count, inDim] → latents [count, latentDim] (flattened channel-major). */
export function encodeSet(ae: ParamAutoencoder, set: VectorSet, batchSize = DEFAULT_BATCH_SIZE): VectorSet {
  checkVectorSet(set, ae.inDim, 'autoencoder input');
  return mapBatches(set, ae.geometry.latentDim, batchSize, (x) => ae.encode(x));
}

/** Latents [count, latentDim] → parameter vectors [count, inDim]. */
export function decodeSet(ae: ParamAutoencoder, latents: VectorSet, batchSize = DEFAULT_BATCH_SIZE): VectorSet {
  checkVectorSet(latents, ae.geometry.latentDim, 'autoencoder latents');
  return mapBatches(latents, ae.inDim, batchSize, (z) => ae.decode(z));
}

/** decode(encode(x)) for every vector, without noise. */
export function reconstruct(ae: ParamAutoencoder, set: VectorSet, batchSize = DEFAULT_BATCH_SIZE): VectorSet {
  checkVectorSet(set, ae.inDim, 'autoencoder input');
  return mapBatches(set, ae.inDim, batchSize, (x) => ae.decode(ae.encode(x)));
}
