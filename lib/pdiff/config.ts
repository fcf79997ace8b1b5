/**
 * The p-diff run's typed config and its presets: `smoke` (embedded MNIST, seconds: CI runs of the
 * notebooks), `quick` (embedded MNIST, minutes) and `standard` (pdiff-small).
 */
import { defaultBehaviourLossConfig } from '../autoencoder/behaviour';
import { autoencoderPresets, type AutoencoderConfig } from '../autoencoder/config';
import { defaultAutoencoderTrainConfig, type AutoencoderTrainConfig } from '../autoencoder/train';
import { defaultDenoiserConfig, type DenoiserConfig } from '../diffusion/denoiser';
import { defaultSamplerConfig, type SamplerConfig } from '../diffusion/samplers';
import { defaultScheduleConfig, type ScheduleConfig } from '../diffusion/schedule';
import { defaultDiffusionTrainConfig, type DiffusionTrainConfig } from '../diffusion/train';
import { defaultEvaluateVectorsOptions, type EvaluateVectorsOptions } from '../eval/evaluate-vectors';
import type { NormMode } from '../params/normalize';
import { InputError } from '../util/errors';
import { defaultAuditConfig, type AuditConfig } from '../eval/audit';
import { defaultCollectConfig, type CollectConfig } from '../zoo/collect';
import { defaultSeedsZooConfig, type SeedsZooConfig } from '../zoo/seeds';

export type PdiffDataset = 'mnist' | 'fashion-mnist';

/** The zoo recipes a p-diff run can learn from. */
export const ZOO_RECIPES = ['trajectory', 'seeds', 'recipes'] as const;
export type ZooRecipe = (typeof ZOO_RECIPES)[number];

/** Whether a zoo's members are trained independently (own initialisation and data order): `seeds` and `recipes`. */
export const isIndependentZoo = (zoo: ZooRecipe): boolean => zoo === 'seeds' || zoo === 'recipes';

/**
 * A `recipes` zoo's grid when its config sets none (`seeds.grid` null): the fine-tuning learning rate
 * halved, as is, and doubled, each without and with weight decay 5e-4 (Wenzel et al. 2020's
 * hyperparameter ensembles vary such settings), member i taking setting i mod 6.
 */
export function defaultRecipesGrid(lr: number): { lr: number; weightDecay: number }[] {
  return [lr / 2, lr, lr * 2].flatMap((l) => [{ lr: l, weightDecay: 0 }, { lr: l, weightDecay: 5e-4 }]);
}

/** The seeds-zoo config a run trains with: a `recipes` zoo gets its grid (default `defaultRecipesGrid`), a `seeds` zoo none. */
export function seedsZooOf(config: PdiffConfig): SeedsZooConfig {
  if (config.zoo !== 'recipes') return config.seeds;
  return { ...config.seeds, grid: config.seeds.grid ?? defaultRecipesGrid(config.collect.finetuneOptimizer.lr) };
}

/** A sampler without its seed (runs sample with the run's own seed). */
export type SamplerVariant = Omit<SamplerConfig, 'seed'>;

/** The reference's 1000-step ancestral DDPM and 50-step deterministic DDIM (η = 0), both clamped to [−1, 1]. */
export const defaultSamplerComparison: readonly SamplerVariant[] = [
  { kind: 'ddpm', steps: defaultSamplerConfig.steps, eta: 0, clip: 1 },
  { kind: 'ddim', steps: 50, eta: 0, clip: 1 },
];

/** Whether two samplers draw the same samples from the same seed (DDPM ignores steps and η). */
export function sameSampler(a: SamplerVariant, b: SamplerVariant): boolean {
  return a.kind === b.kind && a.clip === b.clip && (a.kind === 'ddpm' || (a.steps === b.steps && a.eta === b.eta));
}

/**
 * The seed of every random purpose of a p-diff run, derived from the run's seed here and nowhere
 * else. Streams of different purposes may share a value: each seeds its own generator.
 */
export function pdiffSeeds(seed: number) {
  return {
    /** The task model's initialisation (runners that build the model). */
    init: seed,
    /** The task model's training shuffles; the subset fine-tuning shuffles use train + 1 (lib/zoo/collect). */
    train: seed,
    /** The autoencoder's initialisation, batches and noise augmentation. */
    autoencoder: seed + 1,
    /** The denoiser's initialisation, timesteps and noise. */
    diffusion: seed + 2,
    /** x_T and the sampler's noise of the generated models (every sampler of the comparison, and BEND's members). */
    sampling: seed + 3,
    /** The noise-added copies of σ number i. */
    noiseBaseline: (i: number) => seed + 4 + i,
    /** The copying audit: k-means cells, the front's noise-added copies and interpolated pairs. */
    audit: seed + 100,
  };
}

export interface PdiffConfig {
  /** Preset the config started from. */
  preset: string;
  /** 'mnist' = the embedded digits (offline); 'fashion-mnist' = the benchmark's data. */
  dataset: PdiffDataset;
  /** Master seed; every stage derives its own seed from it (`pdiffSeeds`). */
  seed: number;
  /**
   * What the generator learns from: 'trajectory' (p-diff's: K snapshots of one fine-tuning run,
   * `collect`), 'seeds' (N independently trained subsets on one shared trunk, `seeds`) or
   * 'recipes' (the same, each member also with its own training setting: `seeds.grid`, or
   * `defaultRecipesGrid`).
   */
  zoo: ZooRecipe;
  /** Stage 1: the task model's training, the subset, and the trajectory's K snapshots. */
  collect: CollectConfig;
  /** Stage 1 of a 'seeds' or 'recipes' zoo (the trunk, subset and fine-tuning optimizer come from `collect`). */
  seeds: SeedsZooConfig;
  /** The copying audit: the zoo members held out as fresh models, and the front's baselines. */
  audit: AuditConfig;
  /** Standardisation of the snapshots before the autoencoder (p-diff: per position). */
  normalization: NormMode;
  /** Stage 2: the parameter autoencoder and its training. */
  autoencoder: AutoencoderConfig;
  autoencoderTrain: AutoencoderTrainConfig;
  /** Stage 3: latent diffusion. */
  schedule: ScheduleConfig;
  denoiser: DenoiserConfig;
  diffusionTrain: DiffusionTrainConfig;
  /** Stage 4: sampling and evaluation. */
  sampler: SamplerConfig;
  /**
   * The generated models are also sampled with each of these (same trained model, same seed) and
   * reported side by side; one equal to `sampler` reuses the `generated` population. Default
   * `defaultSamplerComparison`.
   */
  samplerComparison: SamplerVariant[];
  /** Number of generated models. */
  generated: number;
  /** σ of the "originals + Gaussian noise" baselines. */
  noiseSigmas: number[];
  evaluation: EvaluateVectorsOptions;
}

/** Exactly ../shared/bench/pdiff-small.md on Fashion-MNIST. */
const standard: PdiffConfig = {
  preset: 'standard',
  dataset: 'fashion-mnist',
  seed: 0,
  zoo: 'trajectory',
  collect: defaultCollectConfig,
  seeds: defaultSeedsZooConfig,
  audit: defaultAuditConfig,
  normalization: 'position',
  autoencoder: autoencoderPresets.small,
  autoencoderTrain: defaultAutoencoderTrainConfig,
  schedule: defaultScheduleConfig,
  denoiser: defaultDenoiserConfig,
  diffusionTrain: defaultDiffusionTrainConfig,
  sampler: { ...defaultSamplerConfig, kind: 'ddpm' },
  samplerComparison: [...defaultSamplerComparison],
  generated: 100,
  noiseSigmas: [0.001, 0.01, 0.05],
  evaluation: defaultEvaluateVectorsOptions,
};

/**
 * The same recipe on the embedded MNIST digits, scaled to finish in minutes on 2 cores:
 * K = 50 snapshots (batch 64: 110 fine-tuning steps), 1,000 AE and DDPM steps, DDIM sampling
 * with 100 steps instead of 1,000-step ancestral sampling.
 */
const quick: PdiffConfig = {
  ...standard,
  preset: 'quick',
  dataset: 'mnist',
  collect: { ...standard.collect, finetuneBatchSize: 64, snapshots: 50 },
  seeds: { ...standard.seeds, members: 50 },
  autoencoderTrain: { ...standard.autoencoderTrain, steps: 1000 },
  diffusionTrain: { ...standard.diffusionTrain, steps: 1000 },
  sampler: { ...standard.sampler, kind: 'ddim', steps: 100, eta: 0 },
};

/**
 * Every stage of the quick recipe, shrunk until a whole run takes well under a minute on 2 cores
 * (the notebooks in CI): 1 training epoch, K = 10 snapshots, 100 AE and 100 DDPM steps with a
 * 2-level denoiser (16, 32 channels), 20 DDIM steps, 20 generated models. The numbers it gives
 * show that the code runs, not what p-diff achieves.
 */
const smoke: PdiffConfig = {
  ...quick,
  preset: 'smoke',
  collect: { ...quick.collect, train: { ...quick.collect.train, epochs: 1 }, snapshots: 10, saveEvery: 10 },
  seeds: { ...quick.seeds, members: 10, epochs: 1 },
  audit: { ...quick.audit, probeImages: 200, frontSigmas: [0.01, 0.1], interpolations: 20, cells: 2 },
  autoencoderTrain: { ...quick.autoencoderTrain, steps: 100, logEvery: 10 },
  denoiser: { channels: [16, 32] },
  diffusionTrain: { ...quick.diffusionTrain, steps: 100, logEvery: 10 },
  sampler: { ...quick.sampler, steps: 20 },
  generated: 20,
};

/**
 * The paper's code takes one snapshot per epoch over K epochs of fine-tuning (one per 430 steps at
 * pdiff-small's scale, instead of ~2 steps apart): `<preset>-epochs` spreads the K snapshots so.
 */
const perEpoch = (config: PdiffConfig): PdiffConfig =>
  ({ ...config, preset: `${config.preset}-epochs`, collect: { ...config.collect, finetuneEpochs: config.collect.snapshots } });

/**
 * `<preset>-seeds`: the zoo is N independently trained subsets on one shared trunk (N = the preset's
 * K); `<preset>-recipes`: the same, member i also with setting i mod 6 of `defaultRecipesGrid`.
 */
const independent = (config: PdiffConfig, zoo: 'seeds' | 'recipes'): PdiffConfig => ({ ...config, preset: `${config.preset}-${zoo}`, zoo });

/**
 * `<preset>-behaviour`: the autoencoder also learns to keep the originals' outputs on training
 * images (`defaultBehaviourLossConfig`: KL on 64 images, weight 1), against `<preset>` without it.
 */
const withBehaviour = (config: PdiffConfig): PdiffConfig =>
  ({ ...config, preset: `${config.preset}-behaviour`, autoencoderTrain: { ...config.autoencoderTrain, behaviour: defaultBehaviourLossConfig } });

export const presets: Readonly<Record<string, PdiffConfig>> = Object.fromEntries(
  [smoke, quick, standard]
    .flatMap((c) => [c, perEpoch(c), independent(c, 'seeds'), independent(c, 'recipes'), withBehaviour(c)])
    .map((c) => [c.preset, c]),
);

/** A copy of the preset `name` with the run's seed. */
export function preset(name: string, seed = 0): PdiffConfig {
  const config = presets[name];
  if (!config) throw new InputError(`unknown preset ${name}; use one of ${Object.keys(presets).join(', ')}`);
  return { ...structuredClone(config), seed };
}
