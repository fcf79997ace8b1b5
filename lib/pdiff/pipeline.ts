/**
 * The trained parts of a p-diff run, kept together so runners and notebooks can use them:
 * the collection (task model, subset, snapshots), the standardisation, the autoencoder and
 * the originals' latents, the latent DDPM with its EMA weights, and a population evaluator.
 * Stages 1–3 run in `trainPdiffPipeline`, resumable after a kill (see ResumeMode); sampling and
 * decoding are methods.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ParamAutoencoder } from '../autoencoder/model';
import { decodeSet, encodeSet, trainAutoencoder } from '../autoencoder/train';
import type { DataSplits } from '../data/dataset';
import { LatentDenoiser } from '../diffusion/denoiser';
import { sample, type SampleResult } from '../diffusion/samplers';
import { makeSchedule, type NoiseSchedule } from '../diffusion/schedule';
import { trainDiffusion, type DiffusionTrainResult } from '../diffusion/train';
import { denormalize, fitNormStats, normalize, type NormStats } from '../params/normalize';
import type { VectorSet } from '../params/types';
import { assertFinite } from '../util/finite';
import { collectCheckpoints, type Collection } from '../zoo/collect';
import type { PdiffConfig } from './config';
import { PopulationEvaluator } from '../eval/population-evaluator';
import type { ProgressFn } from '../util/progress';
import { AUTOENCODER_STATE_FILE, claimRunDir, DIFFUSION_STATE_FILE } from '../util/run-dir';

const seconds = (since: number) => (performance.now() - since) / 1000;

export interface PdiffPipeline {
  config: PdiffConfig;
  collection: Collection;
  evaluator: PopulationEvaluator;
  norm: NormStats;
  autoencoder: ParamAutoencoder;
  autoencoderLoss: { step: number; loss: number }[];
  /** The originals' latents (no noise), [K, latentDim]. */
  latents: VectorSet;
  /** MSE of the noise-free reconstructions in standardised units. */
  reconstructionMse: number;
  schedule: NoiseSchedule;
  denoiser: LatentDenoiser;
  diffusion: DiffusionTrainResult;
  /** Wall seconds of stages 1–3 (and the originals' evaluation). */
  timings: { collect: number; autoencoder: number; diffusion: number };
  /** Samples `count` latents with the EMA weights; `record` timesteps give a trajectory. */
  sampleLatents(count: number, seed: number, record?: number[], onProgress?: ProgressFn): SampleResult;
  /** Latents → raw parameter vectors (decode, un-standardise). */
  decode(latents: VectorSet): VectorSet;
  dispose(): void;
}

/**
 * What a re-run with the same `outDir` continues:
 * - 'collection': only the checkpoint collection (outDir may be shared by runs that differ after
 *   stage 1, as the ablations' collection directories are);
 * - 'run': the whole run. run.json pins outDir to this config (another config is refused, naming
 *   the differing fields); autoencoder and diffusion training save their state at every log
 *   point and continue from it; a finished stage is loaded instead of trained again.
 */
export type ResumeMode = 'collection' | 'run';

export function trainPdiffPipeline(
  data: DataSplits, config: PdiffConfig, outDir: string, onProgress?: ProgressFn, resume: ResumeMode = 'collection',
): PdiffPipeline {
  const seed = config.seed;
  if (resume === 'run') claimRunDir(outDir, config as unknown as Record<string, unknown>);
  // The training state of a stage, saved where the loss is read back anyway.
  const checkpoint = (file: string, every: number) => (resume === 'run' ? { file: path.join(outDir, file), every } : undefined);
  let t = performance.now();
  const collection = collectCheckpoints(data, { ...config.collect, seed }, outDir, onProgress);
  const timings = { collect: seconds(t), autoencoder: 0, diffusion: 0 };
  const owned: { dispose(): void }[] = [collection.model];
  try {
    const evaluator = new PopulationEvaluator(collection, data, config.evaluation);
    owned.push(evaluator);

    // Stage 2: standardise, train the autoencoder, encode without noise.
    t = performance.now();
    const originals = collection.snapshots;
    const norm = fitNormStats(originals, config.normalization, collection.manifest);
    const standardized = normalize(originals, norm);
    const autoencoder = new ParamAutoencoder(config.autoencoder, originals.dim, seed + 1);
    owned.push(autoencoder);
    const aeRun = trainAutoencoder(autoencoder, standardized, { ...config.autoencoderTrain, seed: seed + 1 },
      (p) => onProgress?.('autoencoder', p.step, p.totalSteps, { loss: p.loss }),
      checkpoint(AUTOENCODER_STATE_FILE, config.autoencoderTrain.logEvery));
    const latents = encodeSet(autoencoder, standardized);
    assertFinite(latents.data, latents.dim, 'latents of the originals');
    const decoded = decodeSet(autoencoder, latents).data;
    const reconstructionMse = standardized.data.reduce((sum, v, i) => sum + (v - decoded[i]) ** 2, 0) / standardized.data.length;
    timings.autoencoder = seconds(t);

    // Stage 3: latent DDPM, sampled with its EMA weights.
    t = performance.now();
    const schedule = makeSchedule(config.schedule);
    const denoiser = new LatentDenoiser(latents.dim, schedule.steps, config.denoiser, seed + 2);
    owned.push(denoiser);
    const diffusion = trainDiffusion(denoiser, latents, schedule, { ...config.diffusionTrain, seed: seed + 2 },
      (p) => onProgress?.('diffusion', p.step, p.totalSteps, { loss: p.loss }),
      checkpoint(DIFFUSION_STATE_FILE, config.diffusionTrain.logEvery));
    if (diffusion.ema) owned.push(diffusion.ema);
    timings.diffusion = seconds(t);

    const eps = (x: tf.Tensor2D, ts: Int32Array) => denoiser.predict(x, ts);
    return {
      config, collection, evaluator, norm, autoencoder, autoencoderLoss: aeRun.losses, latents, reconstructionMse, schedule, denoiser, diffusion, timings,
      sampleLatents(count, sampleSeed, record, progress) {
        const draw = () => sample(eps, [count, latents.dim], schedule, { ...config.sampler, seed: sampleSeed }, {
          record,
          onStep: (p) => progress?.('sample', p.step, p.totalSteps, {}),
        });
        const result = diffusion.ema ? diffusion.ema.withAveraged(denoiser.params, draw) : draw();
        assertFinite(result.samples.data, result.samples.dim, 'sampled latents');
        return result;
      },
      decode: (z) => denormalize(decodeSet(autoencoder, z), norm),
      dispose: () => { for (const d of owned.reverse()) d.dispose(); },
    };
  } catch (err) {
    for (const d of owned.reverse()) d.dispose();
    throw err;
  }
}
