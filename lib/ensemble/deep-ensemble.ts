/**
 * The classic baseline BEND is compared with: a deep ensemble of task models trained
 * independently from scratch (each its own init and shuffle seed), evaluated by full forward
 * passes (its members share no frozen part), with its measured training cost.
 */
import type { DataSplits, ImageDataset } from '../data/dataset';
import { memberOutputs, type EvalOutputs } from './outputs';
import { modelProbabilities } from '../eval/model-probabilities';
import type { ModelSpec } from '../models/registry';
import type { TrainConfig } from '../models/train';
import { trainSeedModels } from '../models/train-seeds';
import type { ProgressFn } from '../util/progress';
import { seconds } from '../util/timing';

export interface DeepEnsembleConfig {
  /** Independently trained task models (full `trainModel` with the preset's training config). */
  size: number;
  /** Member i is initialised and shuffled with seed + seedOffset + i. */
  seedOffset: number;
  /** Members trained together, each op once for all (1: one after another, each by `trainModel`). */
  modelsAtOnce: number;
}

export interface DeepEnsemble {
  /** Class probabilities of each member on val, test and the OOD images. */
  outputs: EvalOutputs;
  seeds: number[];
  /** Training wall seconds of each member (trained together: its share of its group's). */
  trainSeconds: number[];
  /** Wall seconds of the members' forward passes on val, test and the OOD images. */
  evaluateSeconds: number;
}

export interface DeepEnsembleOptions {
  /** Out-of-distribution images each member is also shown. */
  ood: ImageDataset;
  onProgress?: ProgressFn;
}

/** Independently trained members and their class probabilities on each named image set. */
export interface IndependentMembers<S extends string> {
  /** probabilities[set][m]: member m's [N, C] class probabilities on that set, row-major. */
  probabilities: Record<S, Float32Array[]>;
  /** Training wall seconds of each member (trained together: its share of its group's). */
  trainSeconds: number[];
  /** `trainModel` steps of each member. */
  steps: number[];
  /** Wall seconds of all the members' forward passes on the sets. */
  evaluateSeconds: number;
}

/**
 * One task model per seed: `createModel(model, seed)` trained with that seed (initialisation and
 * shuffles), one after another by `trainModel` or `modelsAtOnce` at a time (lib/models/train-seeds),
 * then its softmax outputs on every set in `evaluate`. ./member-processes runs it in several processes.
 */
export function trainIndependentMembers<S extends string>(
  train: ImageDataset, model: ModelSpec, config: TrainConfig, seeds: readonly number[], evaluate: Record<S, ImageDataset>,
  progress?: { label: string; onProgress: ProgressFn }, modelsAtOnce = 1,
): IndependentMembers<S> {
  const sets = Object.keys(evaluate) as S[];
  const probabilities = Object.fromEntries(sets.map((s) => [s, [] as Float32Array[]])) as Record<S, Float32Array[]>;
  const trainSeconds: number[] = [];
  const steps: number[] = [];
  let evaluateSeconds = 0;
  const stage = (first: number, count: number) =>
    `${progress?.label} ${count === 1 ? first + 1 : `${first + 1}–${first + count}`}/${seeds.length}`;
  trainSeedModels(model, train, config, seeds, modelsAtOnce, (member, run) => {
    trainSeconds.push(run.seconds);
    steps.push(run.steps);
    const t = performance.now();
    for (const s of sets) probabilities[s].push(modelProbabilities(member, evaluate[s]));
    evaluateSeconds += seconds(t);
  }, progress && ((p) => progress.onProgress(stage(p.first, p.count), p.step, p.totalSteps, { loss: p.loss })));
  return { probabilities, trainSeconds, steps, evaluateSeconds };
}

export function trainDeepEnsemble(
  data: DataSplits, model: ModelSpec, train: TrainConfig, config: DeepEnsembleConfig, seed: number, options: DeepEnsembleOptions,
): DeepEnsemble {
  const { ood, onProgress } = options;
  const seeds = Array.from({ length: config.size }, (_, i) => seed + config.seedOffset + i);
  const progress = onProgress && { label: 'deep ensemble', onProgress };
  const members = trainIndependentMembers(data.train, model, train, seeds, { val: data.val, test: data.test, ood }, progress, config.modelsAtOnce);
  const classes = data.train.numClasses;
  const p = members.probabilities;
  const outputs = { val: memberOutputs(classes, p.val), test: memberOutputs(classes, p.test), ood: memberOutputs(classes, p.ood) };
  return { outputs, seeds, trainSeconds: members.trainSeconds, evaluateSeconds: members.evaluateSeconds };
}
