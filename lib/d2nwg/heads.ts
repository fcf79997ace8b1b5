/**
 * Linear heads on frozen features: the weights D2NWG learns to generate. A head is ConvNet-S's
 * `fc` for a k-way task, flattened as `fc/weight` [F, k] (tfjs layout [in, out]) then `fc/bias`
 * [k]: logits = features · W + b. The heads of a task train together (HeadBatch).
 */
import * as tf from '@tensorflow/tfjs';
import type { OptimizerConfig } from '../optim/optimizer';
import { flatten } from '../params/flatten';
import type { ParamManifest, VectorSet } from '../params/types';
import { InputError } from '../util/errors';
import { Rng } from '../util/rng';
import { HeadBatch } from '../models/head-batch';
import { HEAD_RUN_SEED_OFFSETS } from './seeds';

/** Features with labels: [count, dim] rows, label i of row i in [0, numClasses). */
export interface FeatureSet extends VectorSet {
  labels: Int32Array;
  numClasses: number;
}

export interface HeadTrainConfig {
  /** Default Adam 0.01 with coupled L2 1e-4 (PyTorch's Adam weight_decay), on weights and bias alike. */
  optimizer: OptimizerConfig;
  /** Rows per minibatch of each head. Default 64. */
  batchSize: number;
  /** Epochs of each run over the task's training features. Default 20. */
  epochs: number;
  /** Heads kept per task: runs × snapshotsPerRun. Default 10 (the official code keeps 50 per dataset). */
  headsPerTask: number;
  /**
   * Heads kept from each run, at epochs evenly spaced over the run's second half (1: the end of
   * each run only, so every head has its own seed and init). Must divide headsPerTask.
   */
  snapshotsPerRun: number;
}

export const defaultHeadTrainConfig: HeadTrainConfig = {
  optimizer: { kind: 'adam', lr: 0.01, weightDecay: 1e-4, betas: [0.9, 0.999], eps: 1e-8 },
  batchSize: 64,
  epochs: 20,
  headsPerTask: 10,
  snapshotsPerRun: 1,
};

export interface FineTuneConfig {
  /** Default Adam 1e-3 without decay: small steps away from a given (e.g. generated) head. */
  optimizer: OptimizerConfig;
  /** Rows per step. Default 25: a 5-way 5-shot set in one batch. */
  batchSize: number;
}

export const defaultFineTuneConfig: FineTuneConfig = {
  optimizer: { kind: 'adam', lr: 1e-3, weightDecay: 0, betas: [0.9, 0.999], eps: 1e-8 },
  batchSize: 25,
};

/** Trained heads, one row each, with where each came from. */
export interface TrainedHeads {
  /** [M, F·k + k] flattened heads (see headManifest). */
  heads: VectorSet;
  /** Seed of the run that produced each head. */
  seeds: number[];
  /** Optimizer steps of each head. */
  steps: number[];
}

/** The layout of a flattened head: `fc/weight` [F, k], then `fc/bias` [k]. */
export function headManifest(inFeatures: number, classes: number): ParamManifest {
  return flatten([
    { name: 'fc/weight', shape: [inFeatures, classes], data: new Float32Array(inFeatures * classes) },
    { name: 'fc/bias', shape: [classes], data: new Float32Array(classes) },
  ]).manifest;
}

export function checkFeatureSet(set: FeatureSet, what: string): void {
  if (set.count < 1 || set.data.length !== set.count * set.dim || set.labels.length !== set.count) {
    throw new InputError(`${what}: ${set.data.length} values and ${set.labels.length} labels do not make ${set.count} rows of ${set.dim}`);
  }
  const bad = set.labels.findIndex((l) => !(l >= 0 && l < set.numClasses));
  if (bad >= 0) throw new InputError(`${what}: label ${set.labels[bad]} of row ${bad} is outside [0, ${set.numClasses})`);
}

/** Epochs after which a run keeps a head: evenly spaced over its second half, the last at `epochs`. */
export function snapshotEpochs(epochs: number, snapshots: number): number[] {
  const half = Math.floor(epochs / 2);
  if (!Number.isInteger(snapshots) || snapshots < 1 || snapshots > epochs - half) {
    throw new InputError(`${epochs} epochs give at most ${epochs - half} distinct snapshots per run, asked for ${snapshots}`);
  }
  return Array.from({ length: snapshots }, (_, k) => half + Math.round(((k + 1) * (epochs - half)) / snapshots));
}


/** Rejects a head config that cannot run, naming the field. */
export function checkHeadTrainConfig(config: HeadTrainConfig): void {
  const { headsPerTask, snapshotsPerRun } = config;
  if (!Number.isInteger(config.batchSize) || config.batchSize < 1 || !Number.isInteger(config.epochs) || config.epochs < 1) {
    throw new InputError(`heads.batchSize and heads.epochs must be positive integers, got ${config.batchSize} and ${config.epochs}`);
  }
  if (!Number.isInteger(headsPerTask) || headsPerTask < 1 || headsPerTask % snapshotsPerRun !== 0) {
    throw new InputError(`heads.headsPerTask (${headsPerTask}) must be a positive multiple of heads.snapshotsPerRun (${snapshotsPerRun})`);
  }
  snapshotEpochs(config.epochs, snapshotsPerRun);
}

/** PyTorch's default init of a linear layer, U(−1/√F, 1/√F) for weight and bias, as a flattened head. */
export function initHead(inFeatures: number, classes: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const bound = 1 / Math.sqrt(inFeatures);
  return Float32Array.from({ length: inFeatures * classes + classes }, () => (2 * rng.uniform() - 1) * bound);
}

/**
 * `config.headsPerTask` heads for one task: headsPerTask / snapshotsPerRun runs, each from its own
 * init and shuffle (seeds drawn from `seed`), each keeping snapshotsPerRun snapshots. Rows are run
 * by run, snapshots in training order.
 */
export function trainHeads(train: FeatureSet, config: HeadTrainConfig, seed: number): TrainedHeads {
  checkFeatureSet(train, 'head training features');
  checkHeadTrainConfig(config);
  const { headsPerTask, snapshotsPerRun } = config;
  const atEpochs = snapshotEpochs(config.epochs, snapshotsPerRun);
  const runs = headsPerTask / snapshotsPerRun;
  const seedRng = new Rng(seed);
  const runSeeds = Array.from({ length: runs }, () => seedRng.seed());
  const { dim: f, numClasses: k } = train;
  const init = { count: runs, dim: f * k + k, data: new Float32Array(runs * (f * k + k)) };
  runSeeds.forEach((s, r) => init.data.set(initHead(f, k, s + HEAD_RUN_SEED_OFFSETS.init), r * init.dim));
  const shuffleSeeds = runSeeds.map((s) => s + HEAD_RUN_SEED_OFFSETS.shuffle);
  const batch = new HeadBatch(init, f, k, config.optimizer, shuffleSeeds, 'D2NWG head training');
  const x = tf.tensor2d(train.data, [train.count, f]);
  const y = tf.tensor1d(train.labels, 'int32');
  const stepsPerEpoch = Math.ceil(train.count / config.batchSize);
  const snapshots: VectorSet[] = [];
  try {
    for (let epoch = 1; epoch <= config.epochs; epoch++) {
      for (let s = 0; s < stepsPerEpoch; s++) batch.step(x, y, config.batchSize);
      if (atEpochs.includes(epoch)) snapshots.push(batch.read());
    }
  } finally {
    tf.dispose([x, y]);
    batch.dispose();
  }
  const data = new Float32Array(headsPerTask * init.dim);
  const seeds: number[] = [];
  const steps: number[] = [];
  for (let r = 0; r < runs; r++) {
    snapshots.forEach((snap, s) => {
      data.set(snap.data.subarray(r * init.dim, (r + 1) * init.dim), (r * snapshotsPerRun + s) * init.dim);
      seeds.push(runSeeds[r]);
      steps.push(atEpochs[s] * stepsPerEpoch);
    });
  }
  return { heads: { count: headsPerTask, dim: init.dim, data }, seeds, steps };
}

/** One head trained on `train` (one run, kept at its end). */
export function trainHead(train: FeatureSet, config: Omit<HeadTrainConfig, 'headsPerTask' | 'snapshotsPerRun'>, seed: number): Float32Array {
  return trainHeads(train, { ...config, headsPerTask: 1, snapshotsPerRun: 1 }, seed).heads.data;
}

/** Heads evaluated together per chunk, bounding the [N, chunk·k] logits. */
const HEADS_PER_CHUNK = 64;

/**
 * One number per head (row of `heads`) on `data`: `measure` maps the logits [N, m, k] of a chunk
 * of m heads and the labels [N] to m values.
 */
function perHead(heads: VectorSet, data: FeatureSet, measure: (logits: tf.Tensor3D, labels: tf.Tensor1D) => tf.Tensor1D): number[] {
  checkFeatureSet(data, 'evaluation features');
  const { dim: f, numClasses: k, count: n } = data;
  if (heads.dim !== f * k + k) throw new InputError(`heads have ${heads.dim} values, a ${f}→${k} head has ${f * k + k}`);
  const values: number[] = [];
  const x = tf.tensor2d(data.data, [n, f]);
  const y = tf.tensor1d(data.labels, 'int32');
  try {
    for (let m0 = 0; m0 < heads.count; m0 += HEADS_PER_CHUNK) {
      const m = Math.min(HEADS_PER_CHUNK, heads.count - m0);
      const out = tf.tidy(() => {
        const rows = tf.tensor2d(heads.data.subarray(m0 * heads.dim, (m0 + m) * heads.dim), [m, heads.dim]);
        const w = rows.slice([0, 0], [m, f * k]).reshape([m, f, k]).transpose([1, 0, 2]).reshape([f, m * k]); // [F, M·k]
        const b = rows.slice([0, f * k], [m, k]).reshape([m * k]); // [M·k]
        return measure(x.matMul(w).add(b).reshape([n, m, k]) as tf.Tensor3D, y); // [M]
      });
      values.push(...out.dataSync());
      out.dispose();
    }
  } finally {
    tf.dispose([x, y]);
  }
  return values;
}

/** Accuracy in [0, 1] of each head (row of `heads`) on `data`. */
export function headsAccuracy(heads: VectorSet, data: FeatureSet): number[] {
  const correct = perHead(heads, data, (logits, y) => logits.argMax(2).equal(y.expandDims(1)).sum(0)); // [M]
  return correct.map((c) => c / data.count);
}

/** Mean cross-entropy (nats) of each head on `data`. */
export function headsCrossEntropy(heads: VectorSet, data: FeatureSet): number[] {
  return perHead(heads, data, (logits, y) => {
    const target = tf.oneHot(y, data.numClasses).expandDims(1); // [N, 1, k]
    return tf.logSoftmax(logits).mul(target).sum(2).mean(0).neg() as tf.Tensor1D; // [M]
  });
}

/** Accuracy in [0, 1] of one flattened head on `data`. */
export function headAccuracy(head: Float32Array, data: FeatureSet): number {
  return headsAccuracy({ count: 1, dim: head.length, data: head }, data)[0];
}

/**
 * Trains each head of `heads` on `train` (full batches when config.batchSize ≥ its rows) and returns
 * the heads after each step count of `steps` (ascending, distinct, ≥ 0; 0 is the heads as given).
 */
export function trainFrom(heads: VectorSet, train: FeatureSet, steps: number[], config: FineTuneConfig, seed: number): VectorSet[] {
  checkFeatureSet(train, 'fine-tuning features');
  if (steps.length === 0 || steps.some((s, i) => !Number.isInteger(s) || s < 0 || (i > 0 && s <= steps[i - 1]))) {
    throw new InputError(`fine-tuning step counts must be ascending distinct integers ≥ 0, got [${steps.join(', ')}]`);
  }
  const seedRng = new Rng(seed);
  const batch = new HeadBatch(heads, train.dim, train.numClasses, config.optimizer,
    Array.from({ length: heads.count }, () => seedRng.seed()), 'D2NWG head fine-tuning');
  const x = tf.tensor2d(train.data, [train.count, train.dim]);
  const y = tf.tensor1d(train.labels, 'int32');
  const snapshots: VectorSet[] = [];
  try {
    let done = 0;
    for (const target of steps) {
      for (; done < target; done++) batch.step(x, y, config.batchSize);
      snapshots.push(batch.read());
    }
  } finally {
    tf.dispose([x, y]);
    batch.dispose();
  }
  return snapshots;
}

/**
 * Fine-tunes each head on `train` and returns, per head, its accuracy on `evaluate` after each
 * step count of `steps` (as trainFrom).
 */
export function fineTuneHeads(heads: VectorSet, train: FeatureSet, evaluate: FeatureSet, steps: number[], config: FineTuneConfig, seed: number): number[][] {
  if (evaluate.dim !== train.dim || evaluate.numClasses !== train.numClasses) {
    throw new InputError(`evaluation features (${evaluate.dim}-d, ${evaluate.numClasses} classes) do not match training features (${train.dim}-d, ${train.numClasses} classes)`);
  }
  const accuracies = trainFrom(heads, train, steps, config, seed).map((snapshot) => headsAccuracy(snapshot, evaluate)); // [steps][heads]
  return Array.from({ length: heads.count }, (_, m) => accuracies.map((a) => a[m]));
}

/** fineTuneHeads for one head: its accuracy after each step count. */
export function fineTune(head: Float32Array, train: FeatureSet, evaluate: FeatureSet, steps: number[], config: FineTuneConfig, seed: number): number[] {
  return fineTuneHeads({ count: 1, dim: head.length, data: head }, train, evaluate, steps, config, seed)[0];
}
