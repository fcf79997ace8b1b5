/**
 * Whole-network generation's typed config and presets (issue 15, after DeepWeightFlow): a zoo of
 * independently trained networks, weight matching to one reference, per-position standardisation,
 * a generator (flow matching on the weights, or p-diff's autoencoder + latent DDPM), BN statistics
 * recomputed after generation, and the copying audit. `whole-quick`: an MLP on the embedded MNIST
 * (minutes on 2 cores); `whole`: ConvNet-S on Fashion-MNIST (hours); `whole-smoke`: seconds.
 */
import { autoencoderPresets, type AutoencoderConfig } from '../../autoencoder/config';
import { defaultAutoencoderTrainConfig, type AutoencoderTrainConfig } from '../../autoencoder/train';
import type { DenoiserConfig } from '../../diffusion/denoiser';
import { defaultFlowTrainConfig, type FlowTrainConfig } from '../../diffusion/flow-matching';
import type { FlowSamplerConfig } from '../../diffusion/flow-sampler';
import { defaultScheduleConfig, type ScheduleConfig } from '../../diffusion/schedule';
import { defaultDiffusionTrainConfig, type DiffusionTrainConfig } from '../../diffusion/train';
import type { VelocityMlpConfig } from '../../diffusion/velocity-mlp';
import { defaultAuditConfig, type AuditConfig } from '../../eval/audit';
import type { BuiltinModelSpec } from '../../models/registry';
import { defaultTrainConfig } from '../../models/train';
import type { NormMode } from '../../params/normalize';
import { InputError } from '../../util/errors';
import { defaultWholeSeedsConfig, type WholeSeedsConfig } from '../../zoo/whole-seeds';
import type { PdiffDataset, SamplerVariant } from '../config';
import type { WholeAcceptance } from './acceptance';

/**
 * What learns the distribution of the (aligned, standardised) weights: 'flow' (flow matching) or
 * 'ddpm' (p-diff's denoiser and DDPM, with no autoencoder) on the `space` representation, or
 * 'latent-ddpm' (p-diff's autoencoder, then DDPM on its latents; always on the weights).
 */
export type WholeGenerator = 'flow' | 'ddpm' | 'latent-ddpm';
export const WHOLE_GENERATORS: readonly WholeGenerator[] = ['flow', 'ddpm', 'latent-ddpm'];
/** What 'flow' and 'ddpm' learn: the standardised weights themselves, or their whitened dual-PCA coefficients. */
export type GeneratorSpace = 'weights' | 'pca';
/**
 * 'weight-matching': every member permuted to the reference first (Git Re-Basin); 'merge-many': then
 * the training members permuted toward each other (MergeMany), the held-out ones to their mean;
 * 'none': as trained.
 */
export type WholeAlignment = 'weight-matching' | 'merge-many' | 'none';
export const WHOLE_ALIGNMENTS: readonly WholeAlignment[] = ['weight-matching', 'merge-many', 'none'];
/** 'train-images': BN running statistics recomputed from unlabelled training images; 'none': the aligned zoo's mean statistics. */
export type BnRecalibration = 'train-images' | 'none';

export interface WholeConfig {
  /** Preset the config started from. */
  preset: string;
  dataset: PdiffDataset;
  /** Seeds the generator and the audit (`wholeSeeds`); the zoo (and weight matching's sweep order) has its own seed, so one aligned zoo serves every generator seed. */
  seed: number;
  /** The architecture every member and every generated network has. */
  model: BuiltinModelSpec;
  zoo: WholeSeedsConfig;
  align: WholeAlignment;
  /** Weight matching: the member every other one is matched to (a training member) and the most sweeps. */
  alignment: { referenceIndex: number; maxIter: number };
  /** Standardisation of the zoo's rows before the generator (DeepWeightFlow, p-diff: per position). */
  normalization: NormMode;
  generator: WholeGenerator;
  /**
   * Generators 'flow' and 'ddpm': 'weights' (the standardised vector, D values) or 'pca' (its
   * whitened dual-PCA coefficients, DeepWeightFlow's compression for large networks).
   */
  space: GeneratorSpace;
  /** space 'pca': the axes kept; null: every axis of non-zero variance (at most N − 1; the training rows decode exactly). */
  components: number | null;
  /** generator 'flow': the velocity MLP, its training, the ODE sampler. */
  flow: { network: VelocityMlpConfig; train: FlowTrainConfig; sampler: Omit<FlowSamplerConfig, 'seed'> };
  /** generator 'ddpm': the noise schedule, p-diff's 1D-conv denoiser, its training, the sampler. */
  ddpm: { schedule: ScheduleConfig; denoiser: DenoiserConfig; train: DiffusionTrainConfig; sampler: SamplerVariant };
  /** generator 'latent-ddpm': p-diff's stages 2–3 on the whole vector (PDiffPipeline.useZoo). */
  latent: {
    autoencoder: AutoencoderConfig; autoencoderTrain: AutoencoderTrainConfig;
    schedule: ScheduleConfig; denoiser: DenoiserConfig; diffusionTrain: DiffusionTrainConfig; sampler: SamplerVariant;
  };
  bnRecalibration: BnRecalibration;
  /** Which generated networks are kept: every sample, or those reaching the training members' lowest validation accuracy (acceptance.ts). */
  acceptance: WholeAcceptance;
  /** Training images (the first ones, labels unused) the BN statistics are recomputed from. */
  calibrationImages: number;
  /** Number of generated networks. */
  generated: number;
  /** The copying audit: held-out fifth, probe images, C_T cells, the front's baselines. */
  audit: AuditConfig;
}

/** The seed of every random purpose of a whole-network run, derived here and nowhere else. */
export function wholeSeeds(seed: number) {
  return {
    /** The velocity network's initialisation (flow); the p-diff run's master seed (latent-ddpm). */
    init: seed + 1,
    /** Flow matching's rows, x_0 and t. */
    train: seed + 2,
    /** x_0 of the generated networks. */
    sampling: seed + 3,
    /** The audit's k-means cells, noise-added copies and interpolated pairs. */
    audit: seed + 100,
  };
}

/**
 * Rows per training step of the latent generator's autoencoder and DDPM. A whole network is a long
 * row, and a step's memory and time grow with rows × row length: at whole-quick (101,770 values,
 * 80 rows) the full set would be ~5 GB and ~4 s per autoencoder step, and ~8 GB and ~8 s per DDPM
 * step (latents of 5,028 values through 128 channels). With 8 rows (measured there, native, one
 * thread): 0.45 s per autoencoder step, 0.76 s per DDPM step, the process under 1.6 GB while training.
 */
const LATENT_BATCH_ROWS = 8;

/** ConvNet-S on Fashion-MNIST, N = 50 members of 3 epochs (pdiff-small's training), flow matching. */
const whole: WholeConfig = {
  preset: 'whole',
  dataset: 'fashion-mnist',
  seed: 0,
  model: { kind: 'convnet-s' },
  zoo: { ...defaultWholeSeedsConfig, members: 50, train: defaultTrainConfig },
  align: 'weight-matching',
  alignment: { referenceIndex: 0, maxIter: 100 },
  normalization: 'position',
  generator: 'flow',
  space: 'pca',
  components: null,
  flow: {
    network: { hidden: [256, 256], timeFeatures: 32, prediction: 'velocity' },
    train: { ...defaultFlowTrainConfig, steps: 4000, logEvery: 200, optimizer: { kind: 'adamw', lr: 1e-3, weightDecay: 0, betas: [0.9, 0.999], eps: 1e-8 } },
    sampler: { kind: 'euler', steps: 100 },
  },
  ddpm: {
    schedule: defaultScheduleConfig,
    denoiser: { channels: [16, 32], norm: 'none' },
    train: { ...defaultDiffusionTrainConfig, steps: 2000, logEvery: 200 },
    sampler: { kind: 'ddim', steps: 100, eta: 0, clip: null },
  },
  latent: {
    autoencoder: { ...autoencoderPresets.small, encChannels: [4, 4, 4, 4], decChannels: [4, 16, 16, 8] },
    autoencoderTrain: { ...defaultAutoencoderTrainConfig, batchSize: LATENT_BATCH_ROWS },
    schedule: defaultScheduleConfig,
    denoiser: { channels: [32, 64, 128] },
    diffusionTrain: { ...defaultDiffusionTrainConfig, batchSize: LATENT_BATCH_ROWS },
    sampler: { kind: 'ddim', steps: 100, eta: 0, clip: 1 },
  },
  bnRecalibration: 'train-images',
  acceptance: 'all',
  calibrationImages: 500,
  generated: 50,
  audit: defaultAuditConfig,
};

/**
 * An MLP 784-128-10 (101,770 parameters) on the embedded MNIST: N = 100 members of 2 epochs (under a
 * second each). Width 128, not 32: aligned midpoints of two members lose 0.2 points there, 2.3 at
 * width 32 (measured on this data), a barrier no generator that mixes members can beat.
 */
const quick: WholeConfig = {
  ...whole,
  preset: 'whole-quick',
  dataset: 'mnist',
  model: { kind: 'mlp', config: { hidden: [128] } },
  zoo: defaultWholeSeedsConfig,
  latent: {
    ...whole.latent,
    autoencoderTrain: { ...whole.latent.autoencoderTrain, steps: 300, logEvery: 50 },
    diffusionTrain: { ...whole.latent.diffusionTrain, steps: 500, logEvery: 50 },
  },
  generated: 50,
  audit: { ...defaultAuditConfig, frontSigmas: [0.01, 0.03, 0.1], interpolations: 50 },
};

/** Seconds: N = 10 MLPs 784-16-10 of one epoch, 30 flow steps; shows that the code runs, not what it achieves. */
const smoke: WholeConfig = {
  ...quick,
  preset: 'whole-smoke',
  model: { kind: 'mlp', config: { hidden: [16] } },
  zoo: { ...quick.zoo, members: 10, train: { ...quick.zoo.train, epochs: 1 } },
  space: 'weights',
  flow: { network: { hidden: [32], timeFeatures: 8, prediction: 'data' }, train: { ...quick.flow.train, steps: 30, logEvery: 10 }, sampler: { kind: 'euler', steps: 10 } },
  ddpm: { ...quick.ddpm, denoiser: { channels: [8, 16], norm: 'none' }, train: { ...quick.ddpm.train, steps: 30, logEvery: 10 }, sampler: { ...quick.ddpm.sampler, steps: 10 } },
  latent: {
    ...quick.latent,
    autoencoderTrain: { ...quick.latent.autoencoderTrain, steps: 20, logEvery: 10 },
    denoiser: { channels: [8, 16] },
    diffusionTrain: { ...quick.latent.diffusionTrain, steps: 20, logEvery: 10 },
    sampler: { ...quick.latent.sampler, steps: 10 },
  },
  generated: 6,
  audit: { ...quick.audit, probeImages: 100, cells: 2, frontSigmas: [0.01, 0.1], interpolations: 6 },
};

export const wholePresets: Readonly<Record<string, WholeConfig>> = { [smoke.preset]: smoke, [quick.preset]: quick, [whole.preset]: whole };

/** A copy of the preset `name` with the run's seed. */
export function wholePreset(name: string, seed = 0): WholeConfig {
  const config = wholePresets[name];
  if (!config) throw new InputError(`unknown preset ${name}; use one of ${Object.keys(wholePresets).join(', ')}`);
  return { ...structuredClone(config), seed };
}
