/**
 * A trajectory zoo (p-diff stage 1): train the task model (unless it comes trained), then keep
 * training only the chosen subset, with the rest frozen and the network in inference mode, saving
 * K evenly spaced snapshots of the subset. Any TaskModel works: the presets' built-in networks or
 * the user's own (`models.fromLayersModel`).
 * The frozen part runs once per image (cached features). Resumable: the trained model and the
 * fine-tuning state (snapshots so far, subset values, momentum, step, config) are saved
 * atomically, then the zoo; a re-run continues from the last saved snapshot. NaN or Infinity in
 * the loss or the subset stops the collection with a NumericalError before anything bad is saved.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { DataSplits } from '../data/dataset';
import { computeFeatures } from '../eval/features';
import { batchCount, batchIndices } from '../models/batches';
import { checkModelSpec, modelName, type ModelSpec } from '../models/registry';
import { splitFor, type ModelSplit } from '../models/split';
import type { TaskModel } from '../models/task-model';
import { defaultTrainConfig, trainStep, type TrainConfig } from '../models/train';
import { FiniteGuard } from '../optim/finite-guard';
import { Optimizer, type OptimizerConfig } from '../optim/optimizer';
import { keptNote, restoreTrainState } from '../optim/train-state';
import { flatten, stackVectors } from '../params/flatten';
import { rowsOf } from '../params/rows';
import { readParams } from '../params/tensors';
import type { ParamManifest, VectorSet } from '../params/types';
import { Rng } from '../util/rng';
import { FileFormatError, InputError } from '../util/errors';
import { loadZoo, MANIFEST_FILE, saveZoo, type Zoo } from './zoo';
import { resolveSubset, trainBaseModel } from './base-model';
import { COLLECT_STATE_FILE, loadCollectState, saveCollectState, type CollectState } from './collect-state';
import type { ProgressFn } from '../util/progress';

export interface CollectConfig {
  /** The network the zoo is of: built by the runner from a preset, or the user's own model (kind 'own'). */
  model: ModelSpec;
  /** Layer patterns of the generated subset (p-diff: the last BN and the classifier). */
  subset: string[];
  /** Training of the whole task model before collection; 0 epochs: the model comes trained. */
  train: TrainConfig;
  /** Optimizer of the subset-only training (pdiff-small: SGD 0.01, momentum 0.9, no decay). */
  finetuneOptimizer: OptimizerConfig;
  finetuneBatchSize: number;
  /** Epochs of subset-only training over which the snapshots are spread. */
  finetuneEpochs: number;
  /** Number of snapshots K. */
  snapshots: number;
  /** Seeds the training shuffles and (seed + 1) the fine-tuning shuffles; runners also initialise the model with it. */
  seed: number;
  /** Save the zoo and the resume state every this many snapshots (and at the end). */
  saveEvery: number;
}

/** pdiff-small stage 1. */
export const defaultCollectConfig: CollectConfig = {
  model: { kind: 'convnet-s' },
  subset: ['bn3/*', 'fc/*'],
  train: defaultTrainConfig,
  finetuneOptimizer: { kind: 'sgd', lr: 0.01, momentum: 0.9, weightDecay: 0 },
  finetuneBatchSize: 128,
  finetuneEpochs: 1,
  snapshots: 200,
  seed: 0,
  saveEvery: 20,
};

export interface Collection {
  /** The model the snapshots are of (the caller's: the collection does not dispose it). */
  model: TaskModel;
  /** Parameter names of the subset, in model order. */
  subsetNames: string[];
  manifest: ParamManifest;
  split: ModelSplit;
  /** [K, D] snapshots in raw parameter space. */
  snapshots: VectorSet;
  /** Fine-tuning step of each snapshot. */
  steps: number[];
  /** The subset of the trained model before fine-tuning. */
  base: Float32Array;
}

export const ZOO_DIR = 'zoo';
/** Names the stage in errors. */
const STAGE = 'checkpoint collection';

/** Fine-tuning steps at which snapshots are saved: (k + 1)·n / K, the last one at n. */
export function snapshotSteps(totalSteps: number, k: number): number[] {
  if (totalSteps < k) throw new InputError(`${totalSteps} fine-tuning steps cannot give ${k} distinct snapshots`);
  return Array.from({ length: k }, (_, i) => Math.floor(((i + 1) * totalSteps) / k));
}

/**
 * Collects the zoo of `model` (trained first unless `config.train` is null) into `outDir`,
 * resuming what an earlier run left there. The model's weights end as the last snapshot's.
 */
export function collectCheckpoints(
  model: TaskModel, data: DataSplits, config: CollectConfig, outDir: string, onProgress?: ProgressFn,
): Collection {
  checkModelSpec(config.model, model);
  return collectInto(model, data, config, outDir, onProgress);
}

function collectInto(model: TaskModel, data: DataSplits, config: CollectConfig, outDir: string, onProgress?: ProgressFn): Collection {
  const { names, manifest } = resolveSubset(model, config.subset);
  const stepsPerEpoch = batchCount(data.train.labels.length, config.finetuneBatchSize);
  const saveAt = snapshotSteps(stepsPerEpoch * config.finetuneEpochs, config.snapshots);
  const zooDir = path.join(outDir, ZOO_DIR);
  const earlier = loadEarlierRun(zooDir, config, manifest, saveAt);

  trainBaseModel(model, data, config, outDir, onProgress);

  const base = flatten(readParams(model.params, names)).vector;
  const split = splitFor(model, names);
  const features = computeFeatures(split, data.train);
  const labels = tf.tensor1d(data.train.labels, 'int32');
  const vars = new Map(names.map((n) => [n, model.params.get(n)!]));
  const optimizer = new Optimizer(config.finetuneOptimizer);
  const guard = new FiniteGuard(STAGE);
  const stateFile = path.join(zooDir, COLLECT_STATE_FILE);
  const rows: Float32Array[] = [];
  try {
    if (earlier) {
      restoreTrainState(stateFile, { params: earlier.subset, optimizer: earlier.optimizer }, vars, optimizer);
      rows.push(...rowsOf(earlier.snapshots));
      guard.kept = keptNote(stateFile, earlier.step);
    }
    const done = earlier?.step ?? 0;
    const rng = new Rng(config.seed + 1);
    let step = 0;
    for (let epoch = 0; epoch < config.finetuneEpochs; epoch++) {
      for (const idx of batchIndices(data.train.labels.length, config.finetuneBatchSize, rng)) {
        step++;
        if (step <= done) continue; // replayed shuffle, already trained before the restart
        guard.watch(step, trainStep({ model, forward: (x, o) => split.head(x, o), vars, optimizer, mode: 'eval' },
          features, labels, idx, data.train.numClasses));
        if (step !== saveAt[rows.length]) continue;
        guard.check(vars, step);
        rows.push(flatten(readParams(model.params, names)).vector);
        if (rows.length % config.saveEvery === 0 || rows.length === config.snapshots) {
          saveProgress(zooDir, config, manifest, rows, saveAt, step, optimizer, vars);
          guard.kept = keptNote(stateFile, step);
        }
        onProgress?.('collect', rows.length, config.snapshots, {});
      }
    }
  } finally {
    tf.dispose([features, labels]);
    optimizer.dispose();
    guard.dispose();
  }
  const snapshots = stackVectors(rows);
  if (earlier) ensureZoo(zooDir, config, manifest, rows, saveAt);
  return { model, subsetNames: names, manifest, split, snapshots, steps: saveAt, base };
}

function zooOf(config: CollectConfig, manifest: ParamManifest, rows: Float32Array[], saveAt: number[]): Zoo {
  return {
    model: modelName(config.model),
    subset: config.subset,
    paramManifest: manifest,
    params: stackVectors(rows),
    checkpoints: rows.map((_, k) => ({ seed: config.seed, step: saveAt[k], valAccuracy: null, testAccuracy: null })),
    norm: null,
    config: configRecord(config),
    created: new Date().toISOString(),
  };
}

const configRecord = (config: CollectConfig) => ({ ...config }) as unknown as Record<string, unknown>;

/** The resume state first (it alone is enough to continue), then the zoo, its view. */
function saveProgress(
  zooDir: string, config: CollectConfig, manifest: ParamManifest, rows: Float32Array[], saveAt: number[],
  step: number, optimizer: Optimizer, vars: Map<string, tf.Variable>,
): void {
  saveCollectState(zooDir, configRecord(config), {
    step, snapshots: stackVectors(rows), optimizer: optimizer.getState(), subset: readParams(vars, [...vars.keys()]),
  });
  saveZoo(zooDir, zooOf(config, manifest, rows, saveAt));
}

/** The resume state an earlier run left in `zooDir`, checked against this run before any work. */
function loadEarlierRun(zooDir: string, config: CollectConfig, manifest: ParamManifest, saveAt: number[]): CollectState | undefined {
  const state = loadCollectState(zooDir, configRecord(config), manifest);
  if (!state) {
    if (fs.existsSync(path.join(zooDir, MANIFEST_FILE))) {
      throw new InputError(`${zooDir} holds a zoo without a resume state; collect into another directory`);
    }
    return undefined;
  }
  const k = state.snapshots.count;
  if (k < 1 || k > config.snapshots || state.step !== saveAt[k - 1]) {
    throw new FileFormatError(path.join(zooDir, COLLECT_STATE_FILE), `${k} snapshots at step ${state.step} do not fit this run's schedule`);
  }
  return state;
}

/** Rewrites the zoo when it is not the state's snapshots (a kill between writing the two). */
function ensureZoo(zooDir: string, config: CollectConfig, manifest: ParamManifest, rows: Float32Array[], saveAt: number[]): void {
  const expected = stackVectors(rows).data;
  try {
    const { data } = loadZoo(zooDir).params;
    if (data.length === expected.length && data.every((v, i) => v === expected[i])) return;
  } catch (err) {
    if (!(err instanceof FileFormatError)) throw err;
  }
  saveZoo(zooDir, zooOf(config, manifest, rows, saveAt));
}
