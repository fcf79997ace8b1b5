/**
 * The classic baseline BEND is compared with: a deep ensemble of task models trained
 * independently from scratch (each its own init and shuffle seed), evaluated by full forward
 * passes (its members share no frozen part), with its measured training cost.
 */
import type { DataSplits, ImageDataset } from '../data/dataset';
import { memberOutputs, type EvalOutputs } from './outputs';
import { modelProbabilities } from '../eval/model-probabilities';
import { createModel, type ModelSpec } from '../models/registry';
import { trainModel, type TrainConfig } from '../models/train';
import type { ProgressFn } from '../util/progress';
import { seconds } from '../util/timing';

export interface DeepEnsembleConfig {
  /** Independently trained task models (full `trainModel` with the preset's training config). */
  size: number;
  /** Member i is initialised and shuffled with seed + seedOffset + i. */
  seedOffset: number;
}

export interface DeepEnsemble {
  /** Class probabilities of each member on val, test and the OOD images. */
  outputs: EvalOutputs;
  seeds: number[];
  /** `trainModel` wall seconds of each member. */
  trainSeconds: number[];
  /** Wall seconds of the members' forward passes on val, test and the OOD images. */
  evaluateSeconds: number;
}

export interface DeepEnsembleOptions {
  /** Out-of-distribution images each member is also shown. */
  ood: ImageDataset;
  onProgress?: ProgressFn;
}

export function trainDeepEnsemble(
  data: DataSplits, model: ModelSpec, train: TrainConfig, config: DeepEnsembleConfig, seed: number, options: DeepEnsembleOptions,
): DeepEnsemble {
  const { ood: oodImages, onProgress } = options;
  const seeds = Array.from({ length: config.size }, (_, i) => seed + config.seedOffset + i);
  const val: Float32Array[] = [];
  const test: Float32Array[] = [];
  const ood: Float32Array[] = [];
  const trainSeconds: number[] = [];
  let evaluateSeconds = 0;
  seeds.forEach((memberSeed, i) => {
    const member = createModel(model, memberSeed);
    try {
      const stage = `deep ensemble ${i + 1}/${seeds.length}`;
      const run = trainModel(member, data.train, { ...train, seed: memberSeed }, (p) => onProgress?.(stage, p.step, p.totalSteps, { loss: p.loss }));
      trainSeconds.push(run.seconds);
      const t = performance.now();
      val.push(modelProbabilities(member, data.val));
      test.push(modelProbabilities(member, data.test));
      ood.push(modelProbabilities(member, oodImages));
      evaluateSeconds += seconds(t);
    } finally {
      member.dispose();
    }
  });
  const classes = data.train.numClasses;
  const outputs = { val: memberOutputs(classes, val), test: memberOutputs(classes, test), ood: memberOutputs(classes, ood) };
  return { outputs, seeds, trainSeconds, evaluateSeconds };
}
