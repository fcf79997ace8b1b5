/**
 * p-diff's protocol end to end: build the config's task model, run the pipeline (snapshots,
 * autoencoder, latent DDPM), generate new parameters, and evaluate every population — originals,
 * reconstructions, generated (by each compared sampler), the noise baselines, the weight average
 * and the model before fine-tuning — with cached features. Selection uses val; test is only
 * reported. Sampling and evaluation are seeded, so a resumed run that reloads finished stages gives
 * the numbers of an uninterrupted one.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { DataSplits } from '../data/dataset';
import { addGaussianNoise, weightAverage } from '../eval/baselines';
import { PopulationEvaluator } from '../eval/population-evaluator';
import { minMeanMax } from '../eval/stats';
import { createModel } from '../models/registry';
import type { VectorSet } from '../params/types';
import { InputError } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import { seconds } from '../util/timing';
import { loadZoo, saveZoo } from '../zoo/zoo';
import { ZOO_DIR } from '../zoo/collect';
import { pdiffSeeds, sameSampler, type PdiffConfig, type SamplerVariant } from './config';
import { auditRun } from './audit';
import { PDiffPipeline, type ResumeMode } from './pipeline';
import type { PdiffResults, Population, SamplerRun } from './results';

export interface RunOptions {
  /** The run directory: every stage's state, resumable (see ResumeMode). */
  outDir: string;
  onProgress?: ProgressFn;
  /** Default 'run'. */
  resume?: ResumeMode;
}

/** The paper's protocol on `data` with the config's own network. */
export function run(config: PdiffConfig, data: DataSplits, options: RunOptions): PdiffResults {
  const started = performance.now();
  checkSamplerVariants(config.samplerComparison, config.schedule.steps);
  const model = createModel(config.collect.model, pdiffSeeds(config.seed).init);
  const pipeline = new PDiffPipeline(config, { resume: 'run', ...options });
  try {
    pipeline.collect(model, data);
    const evaluator = new PopulationEvaluator(pipeline.collection, data, config.evaluation);
    try {
      pipeline.fit();
      const results = evaluate(pipeline, evaluator, data.train.numClasses, options);
      saveZooWithAccuracies(path.join(options.outDir, ZOO_DIR), pipeline, results.populations);
      return { ...results, timings: { ...results.timings, total: seconds(started) } };
    } finally {
      evaluator.dispose();
    }
  } finally {
    pipeline.dispose();
    model.dispose();
  }
}

/** Generates, then measures every population of the run. */
function evaluate(pipeline: PDiffPipeline, evaluator: PopulationEvaluator, classes: number, options: RunOptions): PdiffResults {
  const { config, collection } = pipeline;
  const { onProgress } = options;
  const seeds = pdiffSeeds(config.seed);
  const { training: originals, heldOut } = pipeline.members;
  const audited = heldOut.count > 0;
  const extraSamplers = config.samplerComparison.filter((v) => !sameSampler(v, config.sampler));

  let t = performance.now();
  const generated = pipeline.generate(config.generated);
  const sampleSeconds = seconds(t);

  t = performance.now();
  // originals, held-out, reconstructed, generated, noise…, average, base model, the other samplers' generated
  const populationCount = 5 + (audited ? 1 : 0) + config.noiseSigmas.length + extraSamplers.length;
  let measured = 0;
  const measure = (vectors: VectorSet, references?: Uint8Array[]) => {
    const result = evaluator.measure(vectors, references);
    onProgress?.('evaluate', ++measured, populationCount, {});
    return result;
  };
  const orig = measure(originals);
  const reconstructed = measure(pipeline.decode(pipeline.latents), orig.testWrong);
  const genStarted = performance.now();
  const gen = measure(generated, orig.testWrong);
  const genSeconds = { sample: sampleSeconds, evaluate: seconds(genStarted) };
  const populations: PdiffResults['populations'] = {
    originals: orig.population, reconstructed: reconstructed.population, generated: gen.population,
  };
  if (audited) populations['held-out'] = measure(heldOut, orig.testWrong).population;
  const noise: PdiffResults['baselines']['noise'] = {};
  config.noiseSigmas.forEach((sigma, i) => {
    const noisy = measure(addGaussianNoise(originals, sigma, seeds.noiseBaseline(i)), orig.testWrong).population;
    populations[`noise σ=${sigma}`] = noisy;
    noise[String(sigma)] = { summary: noisy.summary, maxIoU: minMeanMax(noisy.maxIoU) };
  });
  const average = measure(weightAverage(originals)).population;
  const baseModel = measure({ count: 1, dim: collection.base.length, data: collection.base }).population;
  const evaluateSeconds = seconds(t);

  t = performance.now();
  const samplers = config.samplerComparison.map((variant) => {
    if (sameSampler(variant, config.sampler)) return samplerRun(variant, config.schedule.steps, gen.population, genSeconds, true);
    const label = samplerLabel(variant, config.schedule.steps);
    const sampleStarted = performance.now();
    const vectors = pipeline.generate(config.generated, { sampler: variant, label });
    const sample = seconds(sampleStarted);
    const evaluateStarted = performance.now();
    const population = measure(vectors, orig.testWrong).population;
    return samplerRun(variant, config.schedule.steps, population, { sample, evaluate: seconds(evaluateStarted) }, false);
  });
  const samplerSeconds = seconds(t);

  t = performance.now();
  const audit = audited ? auditRun(config, evaluator, classes, {
    training: { weights: originals, test: orig.population.test },
    heldOut: { weights: heldOut, test: populations['held-out'].test },
    generated: { weights: generated, test: gen.population.test },
  }) : null;
  const auditSeconds = seconds(t);

  return {
    experiment: 'pdiff',
    preset: config.preset,
    seed: config.seed,
    backend: tf.getBackend(),
    dataset: config.dataset,
    subset: { patterns: config.collect.subset, layers: collection.subsetNames, size: collection.manifest.size },
    originals: orig.population.summary,
    reconstructed: reconstructed.population.summary,
    generated: gen.population.summary,
    novelty: {
      maxIoU: minMeanMax(gen.population.maxIoU),
      originalsVsOriginals: minMeanMax(orig.population.maxIoU),
      identicalToAnOriginal: gen.population.maxIoU.filter((v) => v >= 1).length,
    },
    baselines: { noise, weightAverage: { test: average.test[0], val: average.val[0] } },
    training: {
      baseModel: { val: baseModel.val[0], test: baseModel.test[0] },
      autoencoderLoss: pipeline.autoencoderLoss,
      diffusionLoss: pipeline.diffusion.losses,
      reconstructionMse: pipeline.reconstructionMse,
    },
    zoo: { recipe: config.zoo, members: collection.snapshots.count, training: originals.count, heldOut: heldOut.count },
    populations,
    samplers,
    audit,
    timings: { ...pipeline.timings, sample: sampleSeconds, evaluate: evaluateSeconds, samplers: samplerSeconds, audit: auditSeconds, total: 0 },
    config: config as unknown as Record<string, unknown>,
  };
}

/** Refuses, before any work, a comparison sampler the schedule cannot run. */
function checkSamplerVariants(variants: readonly SamplerVariant[], timesteps: number): void {
  for (const v of variants) {
    if (v.kind === 'ddim' && !(Number.isInteger(v.steps) && v.steps >= 1 && v.steps <= timesteps)) {
      throw new InputError(`samplerComparison: DDIM steps must be an integer in [1, ${timesteps}] (the schedule's steps), got ${v.steps}`);
    }
  }
}

function samplerLabel(v: SamplerVariant, timesteps: number): string {
  return v.kind === 'ddpm' ? `DDPM, ${timesteps} steps` : `DDIM, ${v.steps} steps, η = ${v.eta}`;
}

function samplerRun(variant: SamplerVariant, timesteps: number, p: Population, secs: SamplerRun['seconds'], isGenerated: boolean): SamplerRun {
  return {
    label: samplerLabel(variant, timesteps), sampler: variant, steps: variant.kind === 'ddpm' ? timesteps : variant.steps, isGenerated,
    summary: p.summary, maxIoU: minMeanMax(p.maxIoU), seconds: secs,
  };
}

/** The zoo on disk gets each member's val/test accuracy (training and held-out alike) and the fitted normalisation. */
function saveZooWithAccuracies(zooDir: string, pipeline: PDiffPipeline, populations: PdiffResults['populations']): void {
  const zoo = loadZoo(zooDir);
  const { split } = pipeline.members;
  const accuracies = new Map<number, { val: number; test: number }>();
  split.training.forEach((k, i) => accuracies.set(k, { val: populations.originals.val[i], test: populations.originals.test[i] }));
  split.heldOut.forEach((k, i) => accuracies.set(k, { val: populations['held-out'].val[i], test: populations['held-out'].test[i] }));
  zoo.checkpoints = zoo.checkpoints.map((c, k) => ({ ...c, valAccuracy: accuracies.get(k)!.val, testAccuracy: accuracies.get(k)!.test }));
  saveZoo(zooDir, { ...zoo, norm: pipeline.norm });
}
