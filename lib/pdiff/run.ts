/**
 * p-diff end to end: train the pipeline (snapshots, autoencoder, latent DDPM), sample and decode
 * new parameters, and evaluate every population — originals, reconstructions, generated, the
 * noise baselines and the weight average — with cached features. Selection uses val; test is
 * only reported. Sampling and evaluation are seeded, so a resumed run (see ResumeMode) that
 * reloads finished stages gives the numbers of an uninterrupted one.
 */
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { DataSplits } from '../data/dataset';
import { sample } from '../diffusion/samplers';
import { addGaussianNoise, weightAverage } from '../eval/baselines';
import { minMeanMax } from '../eval/stats';
import type { NormStats } from '../params/normalize';
import type { VectorSet } from '../params/types';
import { InputError } from '../util/errors';
import { assertFinite } from '../util/finite';
import { loadZoo, saveZoo } from '../zoo/zoo';
import { ZOO_DIR } from '../zoo/collect';
import { defaultSamplerComparison, sameSampler, type PdiffConfig, type SamplerVariant } from './config';
import { trainPdiffPipeline, type PdiffPipeline, type ResumeMode } from './pipeline';
import type { PdiffResults, Population, SamplerRun } from './results';
import type { ProgressFn } from '../util/progress';

const seconds = (since: number) => (performance.now() - since) / 1000;

export function runPdiff(
  data: DataSplits, config: PdiffConfig, outDir: string, backend: string, onProgress?: ProgressFn, resume: ResumeMode = 'collection',
): PdiffResults {
  const started = performance.now();
  const seed = config.seed;
  const comparison = config.samplerComparison ?? defaultSamplerComparison;
  checkSamplerVariants(comparison, config.schedule.steps);
  const extraSamplers = comparison.filter((v) => !sameSampler(v, config.sampler));
  const pipeline = trainPdiffPipeline(data, config, outDir, onProgress, resume);
  try {
    const { collection, evaluator } = pipeline;
    const originals = collection.snapshots;

    let t = performance.now();
    const sampled = pipeline.sampleLatents(config.generated, seed + 3, undefined, onProgress);
    const generated = pipeline.decode(sampled.samples);
    const sampleSeconds = seconds(t);

    t = performance.now();
    // originals, reconstructed, generated, noise…, average, base model, the other samplers' generated
    const populationCount = 5 + config.noiseSigmas.length + extraSamplers.length;
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
    const noise: PdiffResults['baselines']['noise'] = {};
    config.noiseSigmas.forEach((sigma, i) => {
      const noisy = measure(addGaussianNoise(originals, sigma, seed + 4 + i), orig.testWrong).population;
      populations[`noise σ=${sigma}`] = noisy;
      noise[String(sigma)] = { summary: noisy.summary, maxIoU: minMeanMax(noisy.maxIoU) };
    });
    const average = measure(weightAverage(originals)).population;
    const baseModel = measure({ count: 1, dim: collection.base.length, data: collection.base }).population;
    const evaluateSeconds = seconds(t);

    t = performance.now();
    const samplers = comparison.map((variant) => {
      if (sameSampler(variant, config.sampler)) return samplerRun(variant, config.schedule.steps, gen.population, genSeconds, true);
      const label = samplerLabel(variant, config.schedule.steps);
      const sampleStarted = performance.now();
      const vectors = pipeline.decode(sampleWith(pipeline, variant, config.generated, seed + 3, label, onProgress));
      const sample = seconds(sampleStarted);
      const evaluateStarted = performance.now();
      const population = measure(vectors, orig.testWrong).population;
      return samplerRun(variant, config.schedule.steps, population, { sample, evaluate: seconds(evaluateStarted) }, false);
    });
    const samplerSeconds = seconds(t);

    saveZooWithAccuracies(path.join(outDir, ZOO_DIR), orig.population, pipeline.norm);
    return {
      experiment: 'pdiff',
      preset: config.preset,
      seed,
      backend,
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
      populations,
      samplers,
      timings: { ...pipeline.timings, sample: sampleSeconds, evaluate: evaluateSeconds, samplers: samplerSeconds, total: seconds(started) },
      config: config as unknown as Record<string, unknown>,
    };
  } finally {
    pipeline.dispose();
  }
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

/** As pipeline.sampleLatents (EMA weights, same seed), with another sampler than the config's. */
function sampleWith(
  pipeline: PdiffPipeline, variant: SamplerVariant, count: number, sampleSeed: number, label: string, onProgress?: ProgressFn,
): VectorSet {
  const eps = (x: tf.Tensor2D, ts: Int32Array) => pipeline.denoiser.predict(x, ts);
  const draw = () => sample(eps, [count, pipeline.latents.dim], pipeline.schedule, { ...variant, seed: sampleSeed }, {
    onStep: (p) => onProgress?.(`sample (${label})`, p.step, p.totalSteps, {}),
  });
  const { samples } = pipeline.diffusion.ema ? pipeline.diffusion.ema.withAveraged(pipeline.denoiser.params, draw) : draw();
  assertFinite(samples.data, samples.dim, `latents sampled with ${label}`);
  return samples;
}

/** The zoo on disk gets each checkpoint's val/test accuracy and the fitted normalisation. */
function saveZooWithAccuracies(zooDir: string, originals: Population, norm: NormStats): void {
  const zoo = loadZoo(zooDir);
  zoo.checkpoints = zoo.checkpoints.map((c, k) => ({ ...c, valAccuracy: originals.val[k], testAccuracy: originals.test[k] }));
  saveZoo(zooDir, { ...zoo, norm });
}
