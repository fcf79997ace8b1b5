/**
 * The generators of whole networks behind one interface, each fitted on the zoo's training rows
 * (raw weights, aligned or not) and generating raw weights:
 * - 'flow' / 'ddpm': per-position standardisation (and, with space 'pca', dual PCA: refitted on
 *   resume, it is a function of the rows), then flow matching with a velocity MLP and an ODE
 *   sampler (DeepWeightFlow) / p-diff's denoiser with DDPM training and a DDIM sampler; state in
 *   `<dir>/flow-state.safetensors` / `<dir>/ddpm-state.safetensors`.
 * - 'latent-ddpm': p-diff's autoencoder + latent DDPM on the whole vector (PDiffPipeline.useZoo,
 *   which standardises the same way); state in `<dir>/latent/`.
 * Training resumes from the saved state, and a finished state is loaded instead of trained again.
 */
import * as path from 'node:path';
import type { ImageDataset } from '../../data/dataset';
import { LatentDenoiser } from '../../diffusion/denoiser';
import { FlowMatching } from '../../diffusion/flow-matching';
import { LatentDiffusion } from '../../diffusion/latent-diffusion';
import { makeSchedule } from '../../diffusion/schedule';
import { VelocityMlp } from '../../diffusion/velocity-mlp';
import type { TaskModel } from '../../models/task-model';
import { denormalize, fitNormStats, normalize } from '../../params/normalize';
import type { ParamManifest, VectorSet } from '../../params/types';
import type { ProgressFn } from '../../util/progress';
import { seconds } from '../../util/timing';
import { preset as pdiffPreset, type PdiffConfig } from '../config';
import { PDiffPipeline } from '../pipeline';
import { wholeSeeds, type WholeConfig } from './config';
import { fitDualPca, pcaDecode, pcaEncode } from './dual-pca';

export const FLOW_STATE_FILE = 'flow-state.safetensors';
export const DDPM_STATE_FILE = 'ddpm-state.safetensors';
export const LATENT_DIR = 'latent';

export interface WeightGenerator {
  /** `count` raw weight vectors [count, D], x_0 (or x_T) drawn from `seed`. */
  generate(count: number, seed: number): VectorSet;
  /** The generator's training losses at its log points (the flow's, or the autoencoder's and the DDPM's). */
  losses: Record<string, { step: number; loss: number }[]>;
  /** latent-ddpm: MSE of the autoencoder's noise-free reconstructions in standardised units. */
  reconstructionMse: number | null;
  seconds: number;
  dispose(): void;
}

/** Trains (or reloads from `dir`) the config's generator on `training` [N, D]; `images` (training images) are the behavioural loss's queries. */
export function fitGenerator(
  config: WholeConfig, model: TaskModel, manifest: ParamManifest, training: VectorSet, images: ImageDataset, dir: string, onProgress?: ProgressFn,
): WeightGenerator {
  if (config.generator === 'latent-ddpm') return fitLatent(config, model, training, images, dir, onProgress);
  const started = performance.now();
  const rep = representation(config, manifest, training);
  const fitted = config.generator === 'flow' ? fitFlow(config, rep.rows, dir, onProgress) : fitDdpm(config, rep.rows, dir, onProgress);
  return {
    generate: (count, seed) => rep.decode(fitted.sample(count, seed)),
    losses: fitted.losses,
    reconstructionMse: null,
    seconds: seconds(started),
    dispose: () => fitted.dispose(),
  };
}

/** What 'flow' and 'ddpm' learn: the standardised rows, or their dual-PCA coefficients; and the way back. */
function representation(config: WholeConfig, manifest: ParamManifest, training: VectorSet) {
  const norm = fitNormStats(training, config.normalization, manifest);
  const standardized = normalize(training, norm);
  const pca = config.space === 'pca' ? fitDualPca(standardized, config.components) : null;
  return {
    rows: pca ? pcaEncode(pca, standardized) : standardized,
    decode: (samples: VectorSet) => denormalize(pca ? pcaDecode(pca, samples) : samples, norm),
  };
}

interface Fitted {
  sample(count: number, seed: number): VectorSet;
  losses: Record<string, { step: number; loss: number }[]>;
  dispose(): void;
}

function fitFlow(config: WholeConfig, rows: VectorSet, dir: string, onProgress?: ProgressFn): Fitted {
  const seeds = wholeSeeds(config.seed);
  const { network, train, sampler } = config.flow;
  const field = new VelocityMlp(rows.dim, network, seeds.init);
  try {
    const flow = FlowMatching.train(field, rows, { ...train, seed: seeds.train },
      (p) => onProgress?.('flow', p.step, p.totalSteps, { loss: p.loss }),
      { file: path.join(dir, FLOW_STATE_FILE), every: train.logEvery });
    return {
      sample: (count, seed) => flow.sample(count, { ...sampler, seed }, 'generated weights'),
      losses: { flow: flow.losses },
      dispose: () => flow.dispose(),
    };
  } catch (err) {
    field.dispose();
    throw err;
  }
}

function fitDdpm(config: WholeConfig, rows: VectorSet, dir: string, onProgress?: ProgressFn): Fitted {
  const seeds = wholeSeeds(config.seed);
  const { schedule: scheduleConfig, denoiser: denoiserConfig, train, sampler } = config.ddpm;
  const schedule = makeSchedule(scheduleConfig);
  const denoiser = new LatentDenoiser(rows.dim, schedule.steps, denoiserConfig, seeds.init);
  try {
    const diffusion = LatentDiffusion.train(denoiser, rows, schedule, { ...train, seed: seeds.train },
      (p) => onProgress?.('ddpm', p.step, p.totalSteps, { loss: p.loss }),
      { file: path.join(dir, DDPM_STATE_FILE), every: train.logEvery });
    return {
      sample: (count, seed) => diffusion.sample(count, { ...sampler, seed }, { what: 'generated weights' }).samples,
      losses: { ddpm: diffusion.losses },
      dispose: () => diffusion.dispose(),
    };
  } catch (err) {
    denoiser.dispose();
    throw err;
  }
}

/** The p-diff config the latent generator runs with: the whole-network run's stages 2–3, no audit of its own. */
export function latentPdiffConfig(config: WholeConfig): PdiffConfig {
  const { latent } = config;
  const base = pdiffPreset('quick', wholeSeeds(config.seed).init);
  return {
    ...base,
    preset: `${config.preset}/latent-ddpm`,
    dataset: config.dataset,
    zoo: 'seeds',
    audit: { ...base.audit, holdOutEvery: 0 },
    normalization: config.normalization,
    autoencoder: latent.autoencoder,
    autoencoderTrain: latent.autoencoderTrain,
    schedule: latent.schedule,
    denoiser: latent.denoiser,
    diffusionTrain: latent.diffusionTrain,
    sampler: { ...latent.sampler, seed: 0 },
    samplerComparison: [],
    generated: config.generated,
  };
}

function fitLatent(config: WholeConfig, model: TaskModel, training: VectorSet, images: ImageDataset, dir: string, onProgress?: ProgressFn): WeightGenerator {
  const started = performance.now();
  const pipeline = new PDiffPipeline(latentPdiffConfig(config), { outDir: path.join(dir, LATENT_DIR), onProgress });
  try {
    pipeline.useZoo(model, training, { subset: ['**'], images });
    pipeline.fit();
  } catch (err) {
    pipeline.dispose();
    throw err;
  }
  return {
    generate: (count, seed) => pipeline.generate(count, { seed }),
    losses: { autoencoder: pipeline.autoencoderLoss, diffusion: pipeline.diffusion.losses },
    reconstructionMse: pipeline.reconstructionMse,
    seconds: seconds(started),
    dispose: () => pipeline.dispose(),
  };
}
