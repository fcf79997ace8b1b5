/**
 * p-diff stage 1: train the task model, then keep training only the chosen subset, with the rest
 * frozen and the network in inference mode, saving K evenly spaced snapshots of the subset.
 * The frozen part runs once per image (cached features). Resumable: the trained model, the zoo
 * so far and the fine-tuning state (subset values, momentum, step) are saved atomically; a
 * re-run continues from the last saved snapshot.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { DataSplits } from '../data/dataset';
import { computeFeatures } from '../eval/features';
import { batchCount, batchIndices } from '../models/batches';
import { loadModelWeights, saveModelWeights } from '../models/checkpoint';
import { createModel, type ModelSpec } from '../models/registry';
import { splitFor, type ModelSplit } from '../models/split';
import type { TaskModel } from '../models/task-model';
import { defaultTrainConfig, trainModel, trainStep, type TrainConfig } from '../models/train';
import { Optimizer, type OptimizerConfig } from '../optim/optimizer';
import { flatten, stackVectors } from '../params/flatten';
import { selectParamNames } from '../params/select';
import { assignParams, readParams } from '../params/tensors';
import type { ParamManifest, VectorSet } from '../params/types';
import { Rng } from '../util/rng';
import { InputError } from '../util/errors';
import { loadZoo, MANIFEST_FILE, saveZoo, type Zoo } from '../zoo/zoo';
import { loadCollectState, saveCollectState, type CollectState } from './collect-state';
import type { ProgressFn } from './progress';

export interface CollectConfig {
  model: ModelSpec;
  /** Layer patterns of the generated subset (p-diff: the last BN and the classifier). */
  subset: string[];
  /** Training of the whole task model before collection. */
  train: TrainConfig;
  /** Optimizer of the subset-only training (pdiff-small: SGD 0.01, momentum 0.9, no decay). */
  finetuneOptimizer: OptimizerConfig;
  finetuneBatchSize: number;
  /** Epochs of subset-only training over which the snapshots are spread. */
  finetuneEpochs: number;
  /** Number of snapshots K. */
  snapshots: number;
  /** Seeds the model init, the training shuffles and the fine-tuning shuffles. */
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

export const BASE_MODEL_FILE = 'base-model.safetensors';
export const ZOO_DIR = 'zoo';

/** The subset's names and layout on a model, checked before any long work. */
export function resolveSubset(model: TaskModel, patterns: string[]): { names: string[]; manifest: ParamManifest } {
  const names = selectParamNames([...model.params.keys()], patterns);
  return { names, manifest: flatten(readParams(model.params, names)).manifest };
}

/** Fine-tuning steps at which snapshots are saved: (k + 1)·n / K, the last one at n. */
export function snapshotSteps(totalSteps: number, k: number): number[] {
  if (totalSteps < k) throw new InputError(`${totalSteps} fine-tuning steps cannot give ${k} distinct snapshots`);
  return Array.from({ length: k }, (_, i) => Math.floor(((i + 1) * totalSteps) / k));
}

export function collectCheckpoints(data: DataSplits, config: CollectConfig, outDir: string, onProgress?: ProgressFn): Collection {
  const model = createModel(config.model, config.seed);
  try {
    return collectInto(model, data, config, outDir, onProgress);
  } catch (err) {
    model.dispose();
    throw err;
  }
}

function collectInto(model: TaskModel, data: DataSplits, config: CollectConfig, outDir: string, onProgress?: ProgressFn): Collection {
  const { names, manifest } = resolveSubset(model, config.subset);
  const stepsPerEpoch = batchCount(data.train.labels.length, config.finetuneBatchSize);
  const saveAt = snapshotSteps(stepsPerEpoch * config.finetuneEpochs, config.snapshots);
  const zooDir = path.join(outDir, ZOO_DIR);
  const earlier = loadEarlierRun(zooDir, config, manifest);

  const baseFile = path.join(outDir, BASE_MODEL_FILE);
  if (fs.existsSync(baseFile)) {
    loadModelWeights(baseFile, model);
  } else {
    trainModel(model, data.train, { ...config.train, seed: config.seed },
      (p) => onProgress?.('train', p.step, p.totalSteps, { loss: p.loss }));
    saveModelWeights(baseFile, model);
  }

  const base = flatten(readParams(model.params, names)).vector;
  const split = splitFor(model, names);
  const features = computeFeatures(split, data.train);
  const labels = tf.tensor1d(data.train.labels, 'int32');
  const vars = new Map(names.map((n) => [n, model.params.get(n)!]));
  const optimizer = new Optimizer(config.finetuneOptimizer);
  const rows: Float32Array[] = [];
  const done = restore(earlier, vars, optimizer, rows);
  try {
    const rng = new Rng(config.seed + 1);
    let step = 0;
    for (let epoch = 0; epoch < config.finetuneEpochs; epoch++) {
      for (const idx of batchIndices(data.train.labels.length, config.finetuneBatchSize, rng)) {
        step++;
        if (step <= done) continue; // replayed shuffle, already trained before the restart
        const loss = trainStep({ model, forward: (x, o) => split.head(x, o), vars, optimizer, mode: 'eval' },
          features, labels, idx, data.train.numClasses);
        loss.dispose();
        if (step === saveAt[rows.length]) {
          rows.push(flatten(readParams(model.params, names)).vector);
          onProgress?.('collect', rows.length, config.snapshots, {});
          if (rows.length % config.saveEvery === 0 || rows.length === config.snapshots) {
            saveProgress(zooDir, config, manifest, rows, saveAt, step, optimizer, vars);
          }
        }
      }
    }
  } finally {
    tf.dispose([features, labels]);
    optimizer.dispose();
  }
  return { model, subsetNames: names, manifest, split, snapshots: stackVectors(rows), steps: saveAt, base };
}

function zooOf(config: CollectConfig, manifest: ParamManifest, rows: Float32Array[], saveAt: number[]): Zoo {
  return {
    model: config.model.kind,
    subset: config.subset,
    paramManifest: manifest,
    params: stackVectors(rows),
    checkpoints: rows.map((_, k) => ({ seed: config.seed, step: saveAt[k], valAccuracy: null, testAccuracy: null })),
    norm: null,
    config: { ...config } as unknown as Record<string, unknown>,
    created: new Date().toISOString(),
  };
}

function saveProgress(
  zooDir: string, config: CollectConfig, manifest: ParamManifest, rows: Float32Array[], saveAt: number[],
  step: number, optimizer: Optimizer, vars: Map<string, tf.Variable>,
): void {
  saveZoo(zooDir, zooOf(config, manifest, rows, saveAt));
  saveCollectState(zooDir, { step, snapshots: rows.length, optimizer: optimizer.getState(),
    subset: readParams(vars, [...vars.keys()]) });
}

interface EarlierRun {
  zoo: Zoo;
  state: CollectState;
}

/** Top-level config fields whose values differ (compared as JSON). */
function differingFields(saved: Record<string, unknown>, current: CollectConfig): string[] {
  const keys = new Set([...Object.keys(saved), ...Object.keys(current)]);
  return [...keys].filter((k) => JSON.stringify(saved[k]) !== JSON.stringify((current as unknown as Record<string, unknown>)[k]));
}

/** The zoo and resume state an earlier run left in `zooDir`, checked against this run before any work. */
function loadEarlierRun(zooDir: string, config: CollectConfig, manifest: ParamManifest): EarlierRun | undefined {
  const state = loadCollectState(zooDir);
  if (!state) {
    if (fs.existsSync(path.join(zooDir, MANIFEST_FILE))) {
      throw new InputError(`${zooDir} holds a zoo without a resume state; collect into another directory`);
    }
    return undefined;
  }
  const zoo = loadZoo(zooDir, { expect: manifest });
  const differing = differingFields(zoo.config, config);
  if (differing.length) {
    throw new InputError(`${zooDir} was collected with another config (${differing.join(', ')} differ); use another output directory`);
  }
  if (zoo.params.count !== state.snapshots || zoo.params.count > config.snapshots) {
    throw new InputError(`${zooDir}: the resume state (${state.snapshots} snapshots) does not match the zoo (${zoo.params.count}); delete it to restart`);
  }
  return { zoo, state };
}

/** Continues an earlier run: subset values, momentum and snapshots; returns the steps already done. */
function restore(earlier: EarlierRun | undefined, vars: Map<string, tf.Variable>, optimizer: Optimizer, rows: Float32Array[]): number {
  if (!earlier) return 0;
  const { zoo, state } = earlier;
  assignParams(vars, state.subset);
  optimizer.setState(state.optimizer);
  for (let k = 0; k < zoo.params.count; k++) rows.push(zoo.params.data.slice(k * zoo.params.dim, (k + 1) * zoo.params.dim));
  return state.step;
}
