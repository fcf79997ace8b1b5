/**
 * BEND end to end: train the p-diff generator (shared with the p-diff run of the same output
 * directory), sample M_max members, and compare their ensembles (sBEND, aBEND, vote) with the
 * single originals, the best generated model, the snapshot ensemble of the K originals and a
 * deep ensemble of independently trained models, in accuracy, calibration, diversity and cost.
 * Generated members and originals are evaluated with the frozen features computed once per split.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataSplits } from '../data/dataset';
import { computeFeatures } from '../eval/features';
import { memberProbabilities } from '../eval/member-probabilities';
import type { VectorSet } from '../params/types';
import { InputError } from '../util/errors';
import { BASE_MODEL_FILE, type Collection } from '../zoo/collect';
import type { BendConfig } from './config';
import type { BendResults } from './results';
import { scoreBend, type SplitOutputs } from './scores';
import { trainDeepEnsemble } from '../ensemble/deep-ensemble';
import { trainPdiffPipeline, type PdiffPipeline, type ResumeMode } from '../pdiff/pipeline';
import type { ProgressFn } from '../util/progress';
import { AUTOENCODER_STATE_FILE, DIFFUSION_STATE_FILE } from '../util/run-dir';

const seconds = (since: number) => (performance.now() - since) / 1000;

function checkConfig(config: BendConfig): void {
  const tooLarge = [...config.ensembleSizes, ...config.calibrationSizes].filter((m) => !(Number.isInteger(m) && m >= 1 && m <= config.members));
  if (tooLarge.length) throw new InputError(`ensemble sizes ${tooLarge.join(', ')} are not in 1…${config.members} (members)`);
  if (config.deepEnsemble.size < 2) throw new InputError(`a deep ensemble needs at least 2 models, got ${config.deepEnsemble.size}`);
}

/**
 * Class probabilities of the generated members and of the originals on val and test. One split's
 * features are held at a time; `generatedSeconds` is what BEND's own inference costs (features +
 * generated heads).
 */
function evaluateMembers(collection: Collection, data: DataSplits, generated: VectorSet, config: BendConfig) {
  const { model, split, manifest, snapshots } = collection;
  const on = (part: 'val' | 'test') => {
    const t = performance.now();
    const features = computeFeatures(split, data[part]);
    try {
      const gen = memberProbabilities(model, split, manifest, generated, features, config.pdiff.evaluation);
      const generatedSeconds = seconds(t);
      return { gen, generatedSeconds, orig: memberProbabilities(model, split, manifest, snapshots, features, config.pdiff.evaluation) };
    } finally {
      features.dispose();
    }
  };
  const val = on('val');
  const test = on('test');
  return {
    generated: { val: val.gen, test: test.gen } satisfies SplitOutputs,
    originals: { val: val.orig, test: test.orig } satisfies SplitOutputs,
    generatedSeconds: val.generatedSeconds + test.generatedSeconds,
  };
}

/** Samples and decodes M_max members (seed + 3, as the p-diff runner), evaluates them, and frees the pipeline's tensors. */
function sampleAndEvaluate(pipeline: PdiffPipeline, data: DataSplits, config: BendConfig, onProgress?: ProgressFn) {
  try {
    const t = performance.now();
    const generated = pipeline.decode(pipeline.sampleLatents(config.members, config.pdiff.seed + 3, undefined, onProgress).samples);
    const sampleSeconds = seconds(t);
    return { sampleSeconds, ...evaluateMembers(pipeline.collection, data, generated, config) };
  } finally {
    pipeline.dispose();
  }
}

/** Stages whose saved state is in `outDir` before the run: their seconds in this run are not their full cost. */
function resumedStages(outDir: string, resume: ResumeMode): string[] {
  const files: [string, string][] = [['collect', BASE_MODEL_FILE]];
  if (resume === 'run') files.push(['autoencoder', AUTOENCODER_STATE_FILE], ['diffusion', DIFFUSION_STATE_FILE]);
  return files.filter(([, file]) => fs.existsSync(path.join(outDir, file))).map(([stage]) => stage);
}

/** `resume` as in trainPdiffPipeline: with 'run', a p-diff run's directory (same preset and seed) lends its trained stages. */
export function runBend(
  data: DataSplits, config: BendConfig, outDir: string, backend: string, onProgress?: ProgressFn, resume: ResumeMode = 'collection',
): BendResults {
  checkConfig(config);
  const started = performance.now();
  const { seed } = config.pdiff;
  const resumed = resumedStages(outDir, resume);
  const pipeline = trainPdiffPipeline(data, config.pdiff, outDir, onProgress, resume);
  const { collection } = pipeline;
  const members = sampleAndEvaluate(pipeline, data, config, onProgress);

  const deep = trainDeepEnsemble(data, config.pdiff.collect.model, config.pdiff.collect.train, config.deepEnsemble, seed, onProgress);
  const scores = scoreBend(
    { generated: members.generated, originals: members.originals, deepEnsemble: deep.outputs },
    { val: data.val.labels, test: data.test.labels }, config,
  );
  const stages = { ...pipeline.timings, sample: members.sampleSeconds };
  const deepTotal = deep.trainSeconds.reduce((a, b) => a + b, 0);
  return {
    experiment: 'bend',
    preset: config.pdiff.preset,
    seed,
    backend,
    dataset: config.pdiff.dataset,
    subset: { patterns: config.pdiff.collect.subset, layers: collection.subsetNames, size: collection.manifest.size },
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
