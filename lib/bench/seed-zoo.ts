/**
 * Our side of the `seed-zoo` benchmark (../shared/bench/seed-zoo.md): N ConvNet-S trained from
 * seeds seed0 … seed0 + N − 1 with stage 1 of pdiff-small, one after another as the PyTorch
 * reference does, or `modelsAtOnce` together, or in `processes` single-threaded processes side by
 * side (the same models, as the spec allows); then each model's val / test accuracy, the deep
 * ensemble of all N (mean of the softmax outputs) and the mean pairwise test disagreement.
 * `summarizeSeedZoo` is pure.
 */
import type { DataSplits } from '../data/dataset';
import { pairwiseDiversity } from '../ensemble/diversity';
import { negativeLogLikelihood } from '../ensemble/calibration';
import { combine } from '../ensemble/aggregate';
import { trainMembersInProcesses } from '../ensemble/member-processes';
import { argmaxRows, memberOutputs } from '../ensemble/outputs';
import { mean, std } from '../eval/stats';
import { accuracyOf } from '../models/evaluate';
import { defaultTrainConfig, type TrainConfig } from '../models/train';
import type { ModelSpec } from '../models/registry';
import { InputError } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import { seconds } from '../util/timing';

export interface SeedZooConfig {
  /** N, the independently trained models (the spec's standard size: 20). */
  models: number;
  /** Model i initialises and shuffles with seed0 + i (the reference's default: 1000). */
  seed0: number;
  model: ModelSpec;
  /** pdiff-small stage 1: SGD 0.05, momentum 0.9, wd 5e-4, batch 128, 3 epochs, ×0.1 from epoch 2. */
  train: TrainConfig;
  /** Models trained together, each op once for all (1: one after another, each by `trainModel`). */
  modelsAtOnce: number;
  /** Processes training models side by side, each on one native thread (1: all in this process). */
  processes: number;
}

export const defaultSeedZooConfig: SeedZooConfig = {
  models: 20, seed0: 1000, model: { kind: 'convnet-s' }, train: defaultTrainConfig, modelsAtOnce: 1, processes: 1,
};

/** One model: accuracies in [0, 1]. */
export interface SeedZooModel {
  seed: number;
  trainSeconds: number;
  val: number;
  test: number;
}

export interface MeanStd {
  mean: number;
  /** Population standard deviation over the models. */
  std: number;
}

/** What both sides report, in the same units (accuracies in [0, 1], seconds). */
export interface SeedZooSummary {
  models: SeedZooModel[];
  /** Wall seconds of the whole zoo (training and evaluating every model), and that over N. */
  wall: { total: number; perModel: number };
  /**
   * Mean training seconds of one model (its evaluation excluded; trained together, its share of
   * its group's; in several processes, its own process's seconds, so the zoo's wall is less).
   */
  trainPerModel: number;
  val: MeanStd;
  test: MeanStd;
  /** Soft vote of all N: test accuracy and NLL (natural log, probabilities floored at 1e-12). */
  ensemble: { accuracy: number; nll: number };
  /** Fraction of test images on which two models' predicted labels differ, over all pairs; 0 for one model. */
  disagreement: number;
}

export interface SeedZooRun {
  config: SeedZooConfig;
  /** Training steps of each model. */
  steps: number[];
  summary: SeedZooSummary;
}

const meanStd = (values: readonly number[]): MeanStd => ({ mean: mean(values), std: std(values) });

/** The parts of a summary that come from the per-model records alone. */
export function summarizeModels(models: SeedZooModel[], wallSeconds: number): Omit<SeedZooSummary, 'ensemble' | 'disagreement'> {
  return {
    models,
    wall: { total: wallSeconds, perModel: wallSeconds / models.length },
    trainPerModel: mean(models.map((m) => m.trainSeconds)),
    val: meanStd(models.map((m) => m.val)),
    test: meanStd(models.map((m) => m.test)),
  };
}

/** Per-model mean ± std, the deep ensemble and the disagreement from each model's [N, C] softmax outputs. */
export function summarizeSeedZoo(
  probabilities: { val: Float32Array[]; test: Float32Array[] }, labels: { val: Int32Array; test: Int32Array }, classes: number,
  seeds: readonly number[], trainSeconds: readonly number[], wallSeconds: number,
): SeedZooSummary {
  const n = seeds.length;
  if (probabilities.val.length !== n || probabilities.test.length !== n || trainSeconds.length !== n) {
    throw new InputError(`seed zoo: ${n} seeds, ${probabilities.val.length} val and ${probabilities.test.length} test outputs, ${trainSeconds.length} training times`);
  }
  const test = memberOutputs(classes, probabilities.test);
  const testPredictions = test.members.map((p) => argmaxRows(p, classes));
  const models = seeds.map((seed, i) => ({
    seed, trainSeconds: trainSeconds[i],
    val: accuracyOf(argmaxRows(probabilities.val[i], classes), labels.val), test: accuracyOf(testPredictions[i], labels.test),
  }));
  const soft = combine(test, { rule: 'sbend' });
  return {
    ...summarizeModels(models, wallSeconds),
    ensemble: { accuracy: accuracyOf(argmaxRows(soft, classes), labels.test), nll: negativeLogLikelihood(soft, labels.test, classes) },
    disagreement: n > 1 ? pairwiseDiversity(testPredictions, labels.test).disagreement : 0,
  };
}

/** Trains and evaluates the zoo; the wall time covers both, as the reference's does. */
export async function runSeedZoo(data: DataSplits, config: SeedZooConfig, onProgress?: ProgressFn): Promise<SeedZooRun> {
  if (!(Number.isInteger(config.models) && config.models >= 1)) throw new InputError(`the seed zoo needs at least 1 model, got ${config.models}`);
  const seeds = Array.from({ length: config.models }, (_, i) => config.seed0 + i);
  const started = performance.now();
  const members = await trainMembersInProcesses(data.train, config.model, config.train, seeds, { val: data.val, test: data.test },
    onProgress && { label: 'model', onProgress }, { modelsAtOnce: config.modelsAtOnce, processes: config.processes });
  const wall = seconds(started);
  const labels = { val: data.val.labels, test: data.test.labels };
  return { config, steps: members.steps, summary: summarizeSeedZoo(members.probabilities, labels, data.train.numClasses, seeds, members.trainSeconds, wall) };
}
