/**
 * Training of the weight beta-VAE: rows normalised per feature (the statistics stay with the
 * VAE), seeded minibatches, AdamW on MSE + beta·KL/D, the loss curve with its two terms. The
 * noise of step s is drawn from an Rng seeded with `config.seed`, and epoch e's row order from a
 * generator seeded with (seed, e), so a resumed run is identical to an uninterrupted one.
 * Optionally a behavioural term on the same reconstructions (./behaviour). Then the noise-free batched passes over whole sets: encodeRows, decodeRows.
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
import type { BehaviourTerm } from '../autoencoder/behaviour';
import { queryRows, rowBehaviourTerm, vaeBehaviourWeight, type VaeBehaviourConfig } from './behaviour';
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
  /**
   * The behavioural term (./behaviour): weight × the logit error of the reconstructions on query
   * feature vectors, added to the loss; the caller gives the queries. Rows must be a linear layer's
   * [w, b]. null (default): D2NWG's objective, unchanged.
   */
  behaviour: VaeBehaviourConfig | null;
}

export const defaultVaeTrainConfig: VaeTrainConfig = {
  steps: 2000,
  batchSize: 256,
  optimizer: defaultAdamWConfig,
  seed: 0,
  logEvery: 100,
  behaviour: null,
};

/** The losses of one step's minibatch (before its update), in normalised units. */
export interface VaeLossPoint {
  step: number;
  /** recon + beta·kl / D (+ weight·behaviour when on): what is minimised. */
  loss: number;
  /** MSE of the reconstruction of a sampled latent. */
  recon: number;
  /** KL to N(0, I) in nats per row. */
  kl: number;
  /** The unweighted behavioural term (./behaviour: 1 = the mean row's logit error); null when it is off. */
  behaviour: number | null;
}

export interface VaeProgress extends VaeLossPoint {
  totalSteps: number;
  elapsedSeconds: number;
}

export type VaeTrainResult = TrainRunResult<VaeLossPoint>;

/** Names the stage in errors and saved states. */
const STAGE = 'VAE training';
/** The recon and KL curve (and the behavioural term, when on) rides in a saved state as an extra array of shape [log points, 2 or 3]. */
const CURVE = '~curve';

/**
 * Trains `vae` in place on `rows` [N, D] (raw values: they are normalised per feature here, and
 * the statistics are stored in `vae.norm`). With a `checkpoint`, the whole state (weights,
 * AdamW moments, noise RNG, losses) is saved every `checkpoint.every` steps and after the last,
 * and a run finds it and continues bit-identically; a state of a finished run is loaded without
 * training. NaN or Infinity in the loss, a gradient or a weight stops training with a
 * NumericalError (a state is saved only after it is checked).
 * With `config.behaviour` on, `queries` are its feature vectors (rows are [w, b] over them).
 */
export function trainVae(
  vae: WeightVae, rows: VectorSet, config: VaeTrainConfig = defaultVaeTrainConfig,
  onProgress?: (p: VaeProgress) => void, checkpoint?: TrainCheckpoint, queries?: VectorSet,
): VaeTrainResult {
  checkVectorSet(rows, vae.inDim, 'VAE training rows');
  checkTrainConfig(config);
  checkCheckpointOption(checkpoint);
  const weight = vaeBehaviourWeight(config.behaviour);
  const querySet = weight > 0 ? behaviourQueries(config.behaviour!, queries, rows.dim) : undefined;
  const identity = {
    train: stateIdentity(config), model: vae.config, inDim: vae.inDim, data: dataFingerprint(rows.data),
    ...(querySet ? { queries: dataFingerprint(querySet.data) } : {}),
  };
  const norm = fitNormStats(rows, 'position');
  const x = tf.tensor2d(normalize(rows, norm).data, [rows.count, rows.dim]); // [N, D]
  const batches = new BatchOrder(rows.count, config.batchSize, config.seed);
  const last: { terms?: tf.Tensor } = {}; // [recon, kl] (and the behavioural term) of the last step
  const width = querySet ? 3 : 2;
  const terms: LossTerms<VaeLossPoint> = {
    name: CURVE,
    point: (step, loss) => {
      const [recon, kl, behaviour] = last.terms!.dataSync();
      return { step, loss, recon, kl, behaviour: querySet ? behaviour : null };
    },
    toArray: (points) => ({
      name: CURVE, shape: [points.length, width], data: Float32Array.from(points.flatMap((l) => [l.recon, l.kl, ...(querySet ? [l.behaviour!] : [])])),
    }),
    fromArray: (file, losses, curve) => savedCurve(file, losses, curve, width),
  };
  let term: BehaviourTerm | undefined;
  try {
    vae.norm = norm;
    term = querySet ? rowBehaviourTerm(config.behaviour!, { originals: rows, norm, queries: querySet }) : undefined;
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
            const behaviour = term?.loss(l.decoded, indices ?? undefined);
            last.terms?.dispose();
            last.terms = tf.keep(tf.stack(behaviour ? [l.recon, l.kl, behaviour] : [l.recon, l.kl])); // [2 or 3]
            return behaviour ? l.total.add(behaviour.mul(weight)) : l.total;
          });
        } finally {
          if (batch !== x) batch.dispose();
        }
      },
      onLog: (point, { seconds }) => onProgress?.({ ...point, totalSteps: config.steps, elapsedSeconds: seconds() }),
    });
    return { losses, seconds };
  } finally {
    term?.dispose();
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

/**
 * The training config a saved state is pinned to. The behavioural term, added after states were
 * first saved, stays out of it while off, so those states still resume.
 */
function stateIdentity(config: VaeTrainConfig): Record<string, unknown> {
  const { behaviour, ...always } = config;
  return { ...always, ...(behaviour ? { behaviour } : {}) };
}

/** The query vectors an active behavioural term uses (the first `queries` given). */
function behaviourQueries(config: VaeBehaviourConfig, queries: VectorSet | undefined, rowDim: number): VectorSet {
  if (!queries) throw new InputError('vaeTrain.behaviour is on, but no query feature vectors were given (D2nwgPipeline.fit draws them from the training tasks)');
  return queryRows(config, queries, rowDim);
}

/** The losses of a saved state with their recon and KL terms (and the behavioural one, `width` 3) put back. */
function savedCurve(file: string, losses: LossPoint[], curve: NamedArray | undefined, width: number): VaeLossPoint[] {
  if (!curve || curve.data.length !== width * losses.length) throw new FileFormatError(file, `the loss-term curve (${CURVE}) is missing or does not match the ${losses.length} losses`);
  return losses.map((l, i) => ({ ...l, recon: curve.data[width * i], kl: curve.data[width * i + 1], behaviour: width === 3 ? curve.data[width * i + 2] : null }));
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
