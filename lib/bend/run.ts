/**
 * BEND end to end: train the p-diff generator (shared with the p-diff run of the same output
 * directory), sample M_max members, and compare their ensembles (sBEND, aBEND, vote) with the
 * single originals, the best generated model, the snapshot ensemble of the K originals and a
 * deep ensemble of independently trained models, in accuracy, calibration, diversity and cost.
 * Generated members and originals are evaluated with the frozen features computed once per split.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { DataSplits } from '../data/dataset';
import { trainDeepEnsemble } from '../ensemble/deep-ensemble';
import { createModel } from '../models/registry';
import { InputError } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import { seconds } from '../util/timing';
import { BASE_MODEL_FILE } from '../zoo/base-model';
import { pdiffSeeds } from '../pdiff/config';
import { AUTOENCODER_STATE_FILE, DIFFUSION_STATE_FILE } from '../pdiff/run-dir';
import type { ResumeMode } from '../pdiff/pipeline';
import type { BendConfig } from './config';
import { BendPipeline } from './pipeline';
import type { BendResults } from './results';
import { scoreBend } from './scores';

export interface RunOptions {
  /** The run directory; a p-diff run's directory of the same preset and seed lends its trained stages. */
  outDir: string;
  onProgress?: ProgressFn;
  /** As for p-diff (default 'run'). */
  resume?: ResumeMode;
}

function checkConfig(config: BendConfig): void {
  const tooLarge = [...config.ensembleSizes, ...config.calibrationSizes].filter((m) => !(Number.isInteger(m) && m >= 1 && m <= config.members));
  if (tooLarge.length) throw new InputError(`ensemble sizes ${tooLarge.join(', ')} are not in 1…${config.members} (members)`);
  if (config.deepEnsemble.size < 2) throw new InputError(`a deep ensemble needs at least 2 models, got ${config.deepEnsemble.size}`);
}

/** Generator (resumable), M_max members, their and the originals' outputs; the generator and the model are freed after. */
function generateMembers(config: BendConfig, data: DataSplits, options: RunOptions) {
  const model = createModel(config.pdiff.collect.model, pdiffSeeds(config.pdiff.seed).init);
  const pipeline = new BendPipeline(config.pdiff, { resume: 'run', ...options });
  try {
    pipeline.fit(model, data);
    const t = performance.now();
    const generated = pipeline.members(config.members);
    const sampleSeconds = seconds(t);
    const { collection, timings } = pipeline.generator;
    return {
      sampleSeconds, timings: { ...timings }, ...pipeline.outputs(generated, data, config.pdiff.evaluation),
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

/** BEND's protocol: members from the p-diff generator, their ensembles vs single models, the snapshot and a deep ensemble. */
export function run(config: BendConfig, data: DataSplits, options: RunOptions): BendResults {
  checkConfig(config);
  const started = performance.now();
  const { seed } = config.pdiff;
  const { outDir, onProgress, resume = 'run' } = options;
  const resumed = resumedStages(outDir, resume);
  const members = generateMembers(config, data, options);

  const deep = trainDeepEnsemble(data, config.pdiff.collect.model, config.pdiff.collect.train, config.deepEnsemble, seed, onProgress);
  const scores = scoreBend(
    { generated: members.generated, originals: members.originals, deepEnsemble: deep.outputs },
    { val: data.val.labels, test: data.test.labels }, config,
  );
  const stages = { ...members.timings, sample: members.sampleSeconds };
  const deepTotal = deep.trainSeconds.reduce((a, b) => a + b, 0);
  return {
    experiment: 'bend',
    preset: config.pdiff.preset,
    seed,
    backend: tf.getBackend(),
    dataset: config.pdiff.dataset,
    subset: members.subset,
    ...scores,
    cost: {
      bend: { ...stages, total: stages.collect + stages.autoencoder + stages.diffusion + stages.sample },
      deepEnsemble: { train: deep.trainSeconds, total: deepTotal },
      evaluate: { bend: members.generatedSeconds, deepEnsemble: deep.evaluateSeconds },
      resumedStages: resumed,
    },
    timings: { total: seconds(started) },
    config: config as unknown as Record<string, unknown>,
  };
}
