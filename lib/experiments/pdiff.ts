/**
 * p-diff end to end: collect K snapshots of a subset, standardise them, train the parameter
 * autoencoder, train a latent DDPM on the encoded snapshots, sample latents, decode them into
 * parameters and evaluate every population (originals, reconstructions, generated, baselines)
 * with cached features. Selection uses val; test is only reported.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ParamAutoencoder } from '../autoencoder/model';
import { decodeSet, encodeSet, trainAutoencoder } from '../autoencoder/train';
import type { DataSplits } from '../data/dataset';
import { LatentDenoiser } from '../diffusion/denoiser';
import { sample } from '../diffusion/samplers';
import { makeSchedule } from '../diffusion/schedule';
import { trainDiffusion } from '../diffusion/train';
import { addGaussianNoise, weightAverage } from '../eval/baselines';
import { computeFeatures } from '../eval/features';
import { evaluateVectors } from '../eval/evaluate-vectors';
import { maxIoU, wrongSet } from '../eval/novelty';
import { minMeanMax, summarizeAccuracy } from '../eval/stats';
import { denormalize, fitNormStats, normalize } from '../params/normalize';
import type { VectorSet } from '../params/types';
import { assertFinite } from '../util/finite';
import { saveZoo, loadZoo } from '../zoo/zoo';
import { collectCheckpoints, ZOO_DIR, type Collection } from './collect';
import type { PdiffConfig } from './pdiff-config';
import type { PdiffResults, Population } from './pdiff-results';
import type { ProgressFn } from './progress';

/** Val and test predictions of a population, and everything reported about it. */
interface Measured {
  population: Population;
  testWrong: Uint8Array[];
}

/** Evaluates parameter vectors on val and test with features computed once per split. */
class Evaluator {
  private readonly features: { val: tf.Tensor; test: tf.Tensor };

  constructor(private readonly collection: Collection, private readonly data: DataSplits, private readonly config: PdiffConfig) {
    this.features = {
      val: computeFeatures(collection.split, data.val),
      test: computeFeatures(collection.split, data.test),
    };
  }

  measure(vectors: VectorSet, references?: Uint8Array[]): Measured {
    const { model, split, manifest } = this.collection;
    const run = (part: 'val' | 'test') =>
      evaluateVectors(model, split, manifest, vectors, this.features[part], this.data[part].labels, this.config.evaluation);
    const val = run('val');
    const test = run('test');
    const testWrong = test.predictions.map((p) => wrongSet(p, this.data.test.labels));
    const population: Population = {
      summary: summarizeAccuracy(test.accuracy, val.accuracy),
      test: test.accuracy,
      val: val.accuracy,
      maxIoU: references ? maxIoU(testWrong, references) : maxIoU(testWrong, testWrong, true),
    };
    return { population, testWrong };
  }

  dispose(): void {
    tf.dispose([this.features.val, this.features.test]);
  }
}

const seconds = (since: number) => (performance.now() - since) / 1000;

export function runPdiff(data: DataSplits, config: PdiffConfig, outDir: string, backend: string, onProgress?: ProgressFn): PdiffResults {
  const started = performance.now();
  const seed = config.seed;
  const timings = { collect: 0, autoencoder: 0, diffusion: 0, sample: 0, evaluate: 0, total: 0 };

  let t = performance.now();
  const collection = collectCheckpoints(data, { ...config.collect, seed }, outDir, onProgress);
  timings.collect = seconds(t);
  const originals = collection.snapshots;
  const disposables: { dispose(): void }[] = [collection.model];
  try {
    t = performance.now();
    const evaluator = new Evaluator(collection, data, config);
    disposables.push(evaluator);
    const orig = evaluator.measure(originals);
    timings.evaluate += seconds(t);

    // Stage 2: standardise per position, train the autoencoder, encode without noise.
    t = performance.now();
    const norm = fitNormStats(originals, config.normalization, collection.manifest);
    const standardized = normalize(originals, norm);
    const ae = new ParamAutoencoder(config.autoencoder, originals.dim, seed + 1);
    disposables.push(ae);
    const aeRun = trainAutoencoder(ae, standardized, { ...config.autoencoderTrain, seed: seed + 1 },
      (p) => onProgress?.('autoencoder', p.step, p.totalSteps, { loss: p.loss }));
    const latents = encodeSet(ae, standardized);
    assertFinite(latents.data, latents.dim, 'latents of the originals');
    const reconstructedStd = decodeSet(ae, latents);
    const reconstructionMse = standardized.data.reduce((s, v, i) => s + (v - reconstructedStd.data[i]) ** 2, 0) / standardized.data.length;
    timings.autoencoder = seconds(t);

    // Stage 3: latent DDPM with EMA weights.
    t = performance.now();
    const schedule = makeSchedule(config.schedule);
    const denoiser = new LatentDenoiser(latents.dim, schedule.steps, config.denoiser, seed + 2);
    disposables.push(denoiser);
    const diffusionRun = trainDiffusion(denoiser, latents, schedule, { ...config.diffusionTrain, seed: seed + 2 },
      (p) => onProgress?.('diffusion', p.step, p.totalSteps, { loss: p.loss }));
    if (diffusionRun.ema) disposables.push(diffusionRun.ema);
    timings.diffusion = seconds(t);

    // Stage 4: sample latents, decode, un-standardise.
    t = performance.now();
    const eps = (x: tf.Tensor2D, ts: Int32Array) => denoiser.predict(x, ts);
    const draw = () => sample(eps, [config.generated, latents.dim], schedule, { ...config.sampler, seed: seed + 3 },
      { onStep: (p) => { if (p.step % 100 === 0 || p.step === p.totalSteps) onProgress?.('sample', p.step, p.totalSteps, {}); } });
    const sampled = diffusionRun.ema ? diffusionRun.ema.withAveraged(denoiser.params, draw) : draw();
    assertFinite(sampled.samples.data, sampled.samples.dim, 'sampled latents');
    const generated = denormalize(decodeSet(ae, sampled.samples), norm);
    timings.sample = seconds(t);

    // Evaluation of every population against the originals' mistakes.
    t = performance.now();
    const reconstructed = evaluator.measure(denormalize(reconstructedStd, norm), orig.testWrong);
    const gen = evaluator.measure(generated, orig.testWrong);
    const noise: PdiffResults['baselines']['noise'] = {};
    const populations: PdiffResults['populations'] = {
      originals: orig.population, reconstructed: reconstructed.population, generated: gen.population,
    };
    config.noiseSigmas.forEach((sigma, i) => {
      const measured = evaluator.measure(addGaussianNoise(originals, sigma, seed + 4 + i), orig.testWrong).population;
      populations[`noise σ=${sigma}`] = measured;
      noise[String(sigma)] = { summary: measured.summary, maxIoU: minMeanMax(measured.maxIoU) };
    });
    const average = evaluator.measure(weightAverage(originals)).population;
    const baseModel = evaluator.measure({ count: 1, dim: collection.base.length, data: collection.base }).population;
    timings.evaluate += seconds(t);

    saveZooWithAccuracies(path.join(outDir, ZOO_DIR), orig.population, norm);
    timings.total = seconds(started);
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
        autoencoderLoss: aeRun.losses,
        diffusionLoss: diffusionRun.losses,
        reconstructionMse,
      },
      populations,
      timings,
      config: config as unknown as Record<string, unknown>,
    };
  } finally {
    for (const d of disposables.reverse()) d.dispose();
  }
}

/** The zoo on disk gets each checkpoint's val/test accuracy and the fitted normalisation. */
function saveZooWithAccuracies(zooDir: string, originals: Population, norm: ReturnType<typeof fitNormStats>): void {
  const zoo = loadZoo(zooDir);
  zoo.checkpoints = zoo.checkpoints.map((c, k) => ({ ...c, valAccuracy: originals.val[k], testAccuracy: originals.test[k] }));
  saveZoo(zooDir, { ...zoo, norm });
}
