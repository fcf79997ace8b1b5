/**
 * Training of the weight beta-VAE: rows normalised per feature (the statistics stay with the
 * VAE), seeded minibatches, AdamW on MSE + beta·KL/D, the loss curve with its two terms. The
 * noise of step s is drawn from an Rng seeded with `config.seed`, and epoch e's row order from a
 * generator seeded with (seed, e), so a resumed run is identical to an uninterrupted one.
 * Then the noise-free batched passes over whole sets: encodeRows, decodeRows.
 */
import * as tf from '@tensorflow/tfjs';
import { runTrainingLoop, type LossTerms, type TrainRunResult } from '../optim/loop';
import { minimizeChecked } from '../optim/minimize';
import { defaultAdamWConfig, type OptimizerConfig } from '../optim/optimizer';
import { checkCheckpointOption, dataFingerprint, type LossPoint, type TrainCheckpoint } from '../optim/train-state';
import { denormalize, fitNormStats, normalize, type NormStats } from '../params/normalize';
import type { NamedArray, VectorSet } from '../params/types';
import { FileFormatError, InputError } from '../util/errors';
import { Rng } from '../util/rng';
import { checkVectorSet, DEFAULT_BATCH_SIZE, mapBatches } from '../autoencoder/batches';
import type { WeightVae } from './model';

export interface VaeTrainConfig {
  /** Optimizer steps, each on one minibatch. */
  steps: number;
  /** Rows per minibatch; every epoch walks a fresh seeded permutation of the rows. ≥ the row count: full batch. */
  batchSize: number;
  /** AdamW, lr 1e-3 (official D2NWG: 1.115e-3), weight decay 2e-6. */
  optimizer: OptimizerConfig;
  /** Seeds the minibatch order and the noise of every step (the VAE's init has its own seed). */
  seed: number;
  /** Read the losses back, check them and report them every this many steps, at step 1 and at the last. */
  logEvery: number;
}

export const defaultVaeTrainConfig: VaeTrainConfig = {
  steps: 2000,
  batchSize: 256,
  optimizer: defaultAdamWConfig,
  seed: 0,
  logEvery: 100,
};

/** The losses of one step's minibatch (before its update), in normalised units. */
export interface VaeLossPoint {
  step: number;
  /** recon + beta·kl / D: what is minimised. */
  loss: number;
  /** MSE of the reconstruction of a sampled latent. */
  recon: number;
  /** KL to N(0, I) in nats per row. */
  kl: number;
}

export interface VaeProgress extends VaeLossPoint {
  totalSteps: number;
  elapsedSeconds: number;
}

export type VaeTrainResult = TrainRunResult<VaeLossPoint>;

/** Names the stage in errors and saved states. */
const STAGE = 'VAE training';
/** The recon and KL curve rides in a saved state as an extra array of shape [log points, 2]. */
const CURVE = '~curve';

/**
 * Trains `vae` in place on `rows` [N, D] (raw values: they are normalised per feature here, and
 * the statistics are stored in `vae.norm`). With a `checkpoint`, the whole state (weights,
 * AdamW moments, noise RNG, losses) is saved every `checkpoint.every` steps and after the last,
 * and a run finds it and continues bit-identically; a state of a finished run is loaded without
 * training. NaN or Infinity in the loss, a gradient or a weight stops training with a
 * NumericalError (a state is saved only after it is checked).
 */
export function trainVae(
  vae: WeightVae, rows: VectorSet, config: VaeTrainConfig = defaultVaeTrainConfig,
  onProgress?: (p: VaeProgress) => void, checkpoint?: TrainCheckpoint,
): VaeTrainResult {
  checkVectorSet(rows, vae.inDim, 'VAE training rows');
  checkTrainConfig(config);
  checkCheckpointOption(checkpoint);
  const identity = { train: config, model: vae.config, inDim: vae.inDim, data: dataFingerprint(rows.data) };
  const norm = fitNormStats(rows, 'position');
  const x = tf.tensor2d(normalize(rows, norm).data, [rows.count, rows.dim]); // [N, D]
  const batches = new BatchOrder(rows.count, config.batchSize, config.seed);
  const last: { terms?: tf.Tensor } = {}; // [recon, kl] of the last step
  const terms: LossTerms<VaeLossPoint> = {
    name: CURVE,
    point: (step, loss) => {
      const [recon, kl] = last.terms!.dataSync();
      return { step, loss, recon, kl };
    },
    toArray: (points) => ({ name: CURVE, shape: [points.length, 2], data: Float32Array.from(points.flatMap((l) => [l.recon, l.kl])) }),
    fromArray: savedCurve,
  };
  try {
    vae.norm = norm;
    const { losses, seconds } = runTrainingLoop({
      stage: STAGE, steps: config.steps, logEvery: config.logEvery, checkpoint, identity,
      params: vae.params, optimizer: config.optimizer, rng: config.seed, terms,
      step: (step, { optimizer, rng }) => {
        const seeds = { input: rng.seed(), latent: rng.seed() };
        const indices = batches.at(step);
        const batch = indices ? tf.tidy(() => tf.gather(x, tf.tensor1d(indices, 'int32'))) : x; // [B, D]
        try {
          return minimizeChecked(vae.params, optimizer, () => {
            const l = vae.loss(batch, seeds);
            last.terms?.dispose();
            last.terms = tf.keep(tf.stack([l.recon, l.kl])); // [2]
            return l.total;
          });
        } finally {
          if (batch !== x) batch.dispose();
        }
      },
      onLog: (point, { seconds }) => onProgress?.({ ...point, totalSteps: config.steps, elapsedSeconds: seconds() }),
    });
    return { losses, seconds };
  } finally {
    last.terms?.dispose();
    x.dispose();
  }
}

/** Raw rows [count, D] → posterior means [count, Dz], normalised with the VAE's statistics. */
export function encodeRows(vae: WeightVae, rows: VectorSet, batchSize = DEFAULT_BATCH_SIZE): VectorSet {
  checkVectorSet(rows, vae.inDim, 'VAE input rows');
  return mapBatches(normalize(rows, trainedNorm(vae)), vae.latentDim, batchSize, (x) => vae.encode(x));
}

/** Latents [count, Dz] → raw rows [count, D] (decoded, then de-normalised). */
export function decodeRows(vae: WeightVae, latents: VectorSet, batchSize = DEFAULT_BATCH_SIZE): VectorSet {
  checkVectorSet(latents, vae.latentDim, 'VAE latents');
  const norm = trainedNorm(vae);
  return denormalize(mapBatches(latents, vae.inDim, batchSize, (z) => vae.decode(z)), norm);
}

function trainedNorm(vae: WeightVae): NormStats {
  if (!vae.norm) throw new InputError('the VAE has no normalisation statistics: train it (trainVae) or load a trained one first');
  return vae.norm;
}

function checkTrainConfig(config: VaeTrainConfig): void {
  for (const key of ['steps', 'batchSize', 'logEvery'] as const) {
    const min = key === 'steps' ? 0 : 1;
    if (!(Number.isInteger(config[key]) && config[key] >= min)) throw new InputError(`VAE ${key} must be an integer ≥ ${min}, got ${config[key]}`);
  }
  if (!Number.isInteger(config.seed)) throw new InputError(`VAE training seed must be an integer, got ${config.seed}`);
}

/** The losses of a saved state with their recon and KL terms put back. */
function savedCurve(file: string, losses: LossPoint[], curve: NamedArray | undefined): VaeLossPoint[] {
  if (!curve || curve.data.length !== 2 * losses.length) throw new FileFormatError(file, `the recon/KL curve (${CURVE}) is missing or does not match the ${losses.length} losses`);
  return losses.map((l, i) => ({ ...l, recon: curve.data[2 * i], kl: curve.data[2 * i + 1] }));
}

/**
 * Which rows step s trains on: epoch e = ⌊(s − 1) / batches per epoch⌋ walks a permutation drawn
 * from an Rng seeded with (seed, e), in consecutive slices (the last one shorter). Null: all rows.
 */
class BatchOrder {
  private epoch = -1;
  private order: Int32Array = new Int32Array(0);
  private readonly perEpoch: number;

  constructor(private readonly count: number, private readonly batchSize: number, private readonly seed: number) {
    this.perEpoch = Math.ceil(count / batchSize);
  }

  at(step: number): Int32Array | null {
    if (this.batchSize >= this.count) return null;
    const epoch = Math.floor((step - 1) / this.perEpoch);
    if (epoch !== this.epoch) {
      this.epoch = epoch;
      this.order = new Rng(Math.imul(epoch + 1, 0x9e3779b1) ^ this.seed).permutation(this.count);
    }
    const start = ((step - 1) % this.perEpoch) * this.batchSize;
    return this.order.subarray(start, Math.min(this.count, start + this.batchSize));
  }
}
