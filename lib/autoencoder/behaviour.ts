/**
 * The autoencoder's behavioural loss ("Structure Is Not Enough", 2025): the decoded parameters,
 * loaded into the network, should give the original's outputs on a fixed query set of training
 * images, next to the parameter MSE. The trainer sees only `BehaviourTerm` (reconstructions in →
 * a scalar out); building one takes the model, its cut and the normalisation, which the caller has.
 *
 * Cost: the query features are computed once (the frozen trunk), the originals' outputs once per
 * training row; each step runs the head of each row it trains on (all, or its minibatch) on the
 * query set, differentiably, so the cut must be one whose headMany is tf ops on the parameters
 * (`ModelSplit.differentiable`).
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../data/dataset';
import { headParamsOf } from '../eval/head-params';
import type { ModelSplit } from '../models/split';
import type { TaskModel } from '../models/task-model';
import { perPositionStats, type NormStats } from '../params/normalize';
import type { ParamManifest, VectorSet } from '../params/types';
import { InputError } from '../util/errors';

export const BEHAVIOUR_LOSSES = ['kl', 'mse'] as const;
/** 'kl': KL(original's softmax ‖ decoded's softmax) per image; 'mse': squared difference of the logits. */
export type BehaviourLossKind = (typeof BEHAVIOUR_LOSSES)[number];

export interface BehaviourLossConfig {
  /** Multiplies the behavioural term added to the parameter MSE; 0 trains exactly as without it. */
  weight: number;
  /** The first this many training images are the query set. Memory of a step grows with rows × images (ConvNet-S's bn3 cut: × 7·7·64). */
  queryImages: number;
  /** Mean over training rows, images (and classes for 'mse'). */
  loss: BehaviourLossKind;
}

/** What the `-behaviour` presets and the whole-network variant switch on: KL on 64 images, weight 1 (a starting point, not tuned). */
export const defaultBehaviourLossConfig: BehaviourLossConfig = { weight: 1, queryImages: 64, loss: 'kl' };

/**
 * The weight the trainer adds the term with, after checking the config: 0 for none (null or
 * weight 0, and then nothing is built or computed).
 */
export function behaviourWeight(config: BehaviourLossConfig | null): number {
  if (config === null) return 0;
  const { weight, queryImages, loss } = config;
  if (!(Number.isFinite(weight) && weight >= 0)) throw new InputError(`autoencoderTrain.behaviour.weight must be a finite number ≥ 0, got ${weight}`);
  if (!(Number.isInteger(queryImages) && queryImages >= 1)) throw new InputError(`autoencoderTrain.behaviour.queryImages must be a positive integer, got ${queryImages}`);
  if (!BEHAVIOUR_LOSSES.includes(loss)) throw new InputError(`autoencoderTrain.behaviour.loss must be one of ${BEHAVIOUR_LOSSES.join(', ')}, got ${JSON.stringify(loss)}`);
  return weight;
}

/** The behavioural term as the trainer calls it. */
export interface BehaviourTerm {
  /** The training rows the term knows the outputs of; the trainer's set must have as many, in the same order. */
  readonly rows: number;
  /**
   * Reconstructions in the autoencoder's (normalised) units → the unweighted term; differentiable.
   * `decoded` holds every training row [rows, D], or, given `batch` (training-row indices, a
   * minibatch), those rows in that order [batch.length, D].
   */
  loss(decoded: tf.Tensor2D, batch?: Int32Array): tf.Scalar;
  dispose(): void;
}

/** Throws unless `decoded` holds the reconstructions a term over `originals` takes: all of them, or `batch`'s rows. */
export function checkTermInput(decoded: tf.Tensor2D, batch: Int32Array | undefined, originals: Pick<VectorSet, 'count' | 'dim'>): void {
  const rows = batch ? batch.length : originals.count;
  if (decoded.rank !== 2 || decoded.shape[0] !== rows || decoded.shape[1] !== originals.dim) {
    throw new InputError(`behavioural loss: reconstructions must be [${rows}, ${originals.dim}], got [${decoded.shape.join(', ')}]`);
  }
  const outside = batch?.find((r) => r < 0 || r >= originals.count);
  if (outside !== undefined) throw new InputError(`behavioural loss: row ${outside} is not one of the ${originals.count} training rows`);
}

/** What the term compares the reconstructions with. */
export interface BehaviourTarget {
  model: TaskModel;
  /** The model's cut for the subset the vectors hold (head parameters outside it keep the model's values). */
  split: ModelSplit;
  manifest: ParamManifest;
  /** The normalisation the autoencoder's vectors are in. */
  norm: NormStats;
  /** The training rows in raw parameter units, in the order the autoencoder sees them. */
  originals: VectorSet;
  /** Training images; the first `queryImages` are the query set. */
  images: ImageDataset;
}

/** Throws unless the behavioural loss can train through `split` (a model of kind `kind`). */
export function checkDifferentiable(split: ModelSplit, kind: string): void {
  if (split.differentiable) return;
  const names = split.headParams.length > 3 ? `${split.headParams.slice(0, 3).join(', ')}, …` : split.headParams.join(', ');
  throw new InputError(`the behavioural loss needs a differentiable cut, but the ${kind} model's cut for its head (${names}) `
    + 'loads each model into its variables in turn; generate a subset the model cuts with tf ops (ConvNet-S: bn3/* and fc/*, or fc/*; '
    + 'an MLP: any layers, the whole network included), or set autoencoderTrain.behaviour to null');
}

export function behaviourTerm(config: BehaviourLossConfig, target: BehaviourTarget): BehaviourTerm {
  behaviourWeight(config);
  const { model, split, manifest, norm, originals, images } = target;
  checkDifferentiable(split, model.kind);
  if (originals.dim !== manifest.size) throw new InputError(`behavioural loss: originals have ${originals.dim} values, the subset ${manifest.size}`);
  const available = images.labels.length;
  if (config.queryImages > available) {
    throw new InputError(`autoencoderTrain.behaviour.queryImages is ${config.queryImages}, but there are only ${available} training images`);
  }
  const { mean, std } = perPositionStats(norm, originals.dim);
  const perImage = images.shape[0] * images.shape[1] * images.shape[2];
  const queries = images.images.subarray(0, config.queryImages * perImage);
  const features = tf.tidy(() => split.trunk(tf.tensor4d(queries, [config.queryImages, ...images.shape])));
  const meanRow = tf.tensor2d(Float32Array.from(mean), [1, originals.dim]);
  const stdRow = tf.tensor2d(Float32Array.from(std), [1, originals.dim]);
  /** Raw parameter rows [M, D] → logits [M, queryImages, classes]. */
  const outputs = (raw: tf.Tensor2D) => split.headMany(features, headParamsOf(model, split, manifest, raw));
  let reference: tf.Tensor3D;
  try {
    // The originals' outputs as the loss compares them: log-probabilities ('kl') or logits ('mse').
    reference = tf.tidy(() => {
      const logits = outputs(tf.tensor2d(originals.data, [originals.count, originals.dim]));
      return config.loss === 'kl' ? tf.logSoftmax(logits) : logits;
    });
  } catch (err) {
    tf.dispose([features, meanRow, stdRow]);
    throw err;
  }
  return {
    rows: originals.count,
    loss(decoded, batch) {
      checkTermInput(decoded, batch, originals);
      return tf.tidy(() => {
        const target = batch ? tf.gather(reference, batch) : reference; // [M, N, classes]
        const logits = outputs(decoded.mul(stdRow).add(meanRow)); // [M, N, classes]
        if (config.loss === 'mse') return logits.sub(target).square().mean() as tf.Scalar;
        // KL(p ‖ q) = Σ_c p_c (log p_c − log q_c), p the original's softmax, q the decoded's.
        return target.exp().mul(target.sub(tf.logSoftmax(logits))).sum(-1).mean() as tf.Scalar;
      });
    },
    dispose: () => tf.dispose([features, meanRow, stdRow, reference]),
  };
}
