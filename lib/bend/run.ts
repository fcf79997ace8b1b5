/**
 * BEND end to end: train the p-diff generator on the config's zoo (shared with the p-diff run of
 * the same output directory), sample M_max members, and compare their ensembles (sBEND, aBEND,
 * vote; alone and added to the N zoo members) with single models, the zoo's own ensemble, the
 * weight average, noise-added copies and a deep ensemble of full networks, in accuracy,
 * calibration, OOD detection, diversity and cost. Subset vectors are evaluated with the frozen
 * features computed once per part (val, test, OOD).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { DataSplits, ImageDataset } from '../data/dataset';
import { trainDeepEnsemble } from '../ensemble/deep-ensemble';
import { checkModelsAtOnce } from '../models/train-seeds';
import { createModel } from '../models/registry';
import type { VectorSet } from '../params/types';
import { InputError } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import { seconds } from '../util/timing';
import { BASE_MODEL_FILE } from '../zoo/base-model';
import { pdiffSeeds } from '../pdiff/config';
import { AUTOENCODER_STATE_FILE, DIFFUSION_STATE_FILE } from '../pdiff/run-dir';
import type { ResumeMode } from '../pdiff/pipeline';
import type { BendConfig } from './config';
import { loadOodData } from './ood-data';
import { borrowedGenerator } from './borrow';
import { BendPipeline } from './pipeline';
import { zooBaselines } from './populations';
import type { BendResults } from './results';
import { scoreBend } from './scores';

export interface RunOptions {
  /** The run directory; a p-diff run's directory of the same preset and seed lends its trained stages. */
  outDir: string;
  onProgress?: ProgressFn;
  /** As for p-diff (default 'run'). */
  resume?: ResumeMode;
  /** The OOD images, normalised as the run's own; default `loadOodData(config)` (the other of MNIST and Fashion-MNIST). */
  ood?: ImageDataset;
}

function checkConfig(config: BendConfig): void {
  const { members } = config;
  if (!(Number.isInteger(members) && members >= 2)) throw new InputError(`BEND needs at least 2 generated members, got ${members}`);
  const tooLarge = [...config.ensembleSizes, ...config.calibrationSizes].filter((m) => !(Number.isInteger(m) && m >= 1 && m <= members));
  if (tooLarge.length) throw new InputError(`ensemble sizes ${tooLarge.join(', ')} are not in 1…${members} (members)`);
  if (!config.calibrationSizes.includes(members)) throw new InputError(`calibrationSizes must include members (${members}): the table reports all of them`);
  if (config.deepEnsemble.size < 2) throw new InputError(`a deep ensemble needs at least 2 models, got ${config.deepEnsemble.size}`);
  checkModelsAtOnce(config.deepEnsemble.modelsAtOnce, 'deepEnsemble.modelsAtOnce');
  if (config.noiseSigmas.some((s) => !(s >= 0))) throw new InputError(`noiseSigmas must be ≥ 0, got ${config.noiseSigmas.join(', ')}`);
}

/** Generator (resumable), M_max members, and every population's outputs; the generator and the model are freed after. */
function generateMembers(config: BendConfig, data: DataSplits, ood: ImageDataset, options: RunOptions) {
  const model = createModel(config.pdiff.collect.model, pdiffSeeds(config.pdiff.seed).init);
  const pipeline = new BendPipeline(config.pdiff, { resume: 'run', ...options });
  try {
    pipeline.fit(model, data);
    const t = performance.now();
    const generated = pipeline.members(config.members);
    const sampleSeconds = seconds(t);
    const { collection, timings, members } = pipeline.generator;
    const zoo = collection.snapshots; // all N members: training and held-out
    const baselines = zooBaselines(zoo, config);
    const populations: Record<string, VectorSet> = { generated, zoo, weightAverage: baselines.weightAverage };
    baselines.noise.forEach((b, i) => { populations[`noise ${i}`] = b.vectors; });
    const { outputs, seconds: evaluated } = pipeline.outputs(populations, data, ood, config.pdiff.evaluation);
    return {
      sampleSeconds, timings: { ...timings },
      outputs: {
        generated: outputs.generated, zoo: outputs.zoo, weightAverage: outputs.weightAverage,
        noise: baselines.noise.map((b, i) => ({ sigma: b.sigma, outputs: outputs[`noise ${i}`] })),
      },
      noiseSeconds: baselines.noise.map((b) => b.seconds),
      evaluateSeconds: evaluated.features + evaluated.heads.generated,
      zoo: { recipe: config.pdiff.zoo, members: zoo.count, training: members.split.training.length, heldOut: members.split.heldOut.length },
      subset: { patterns: config.pdiff.collect.subset, layers: collection.subsetNames, size: collection.manifest.size },
    };
  } finally {
    pipeline.dispose();
    model.dispose();
  }
}

/** Stages whose saved state is in `outDir` before the run: their seconds in this run are not their full cost. */
function resumedStages(outDir: string, resume: ResumeMode): string[] {
  const files: [string, string][] = [['collect', BASE_MODEL_FILE]];
  if (resume === 'run') files.push(['autoencoder', AUTOENCODER_STATE_FILE], ['diffusion', DIFFUSION_STATE_FILE]);
  return files.filter(([, file]) => fs.existsSync(path.join(outDir, file))).map(([stage]) => stage);
}

/** BEND's protocol: members from the p-diff generator, their ensembles vs single models and the equal-budget baselines. */
export function run(config: BendConfig, data: DataSplits, options: RunOptions): BendResults {
  checkConfig(config);
  const started = performance.now();
  const { seed } = config.pdiff;
  const { outDir, onProgress, resume = 'run' } = options;
  const ood = options.ood ?? loadOodData(config);
  const borrowed = borrowedGenerator(outDir);
  const resumed = borrowed ? [] : resumedStages(outDir, resume);
  const members = generateMembers(config, data, ood, options);

  const deep = trainDeepEnsemble(data, config.pdiff.collect.model, config.pdiff.collect.train, config.deepEnsemble, seed, { ood, onProgress });
  const deepTotal = deep.trainSeconds.reduce((a, b) => a + b, 0);
  // A generator copied from its p-diff run cost what it cost there, not the seconds of reloading it.
  const stages = { ...(borrowed?.seconds ?? members.timings), sample: members.sampleSeconds };
  const costs = {
    zoo: stages.collect, generator: stages.autoencoder + stages.diffusion, sample: stages.sample, noise: members.noiseSeconds, deepEnsemble: deepTotal,
  };
  const scores = scoreBend(
    { ...members.outputs, deepEnsemble: deep.outputs }, { val: data.val.labels, test: data.test.labels }, costs, config.pdiff.zoo, config,
  );
  return {
    experiment: 'bend',
    preset: config.pdiff.preset,
    seed,
    backend: tf.getBackend(),
    dataset: config.pdiff.dataset,
    subset: members.subset,
    zoo: members.zoo,
    ood: { dataset: ood.name, images: ood.labels.length, inDistribution: data.test.labels.length },
    ...scores,
    cost: {
      bend: { ...stages, total: stages.collect + stages.autoencoder + stages.diffusion + stages.sample },
      noise: config.noiseSigmas.map((sigma, i) => ({ sigma, seconds: members.noiseSeconds[i] })),
      deepEnsemble: { train: deep.trainSeconds, total: deepTotal },
      evaluate: { bend: members.evaluateSeconds, deepEnsemble: deep.evaluateSeconds },
      resumedStages: resumed,
      ...(borrowed ? { borrowedFrom: borrowed.from } : {}),
    },
    timings: { total: seconds(started) },
    config: config as unknown as Record<string, unknown>,
  };
}
