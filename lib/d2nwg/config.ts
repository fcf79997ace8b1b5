/**
 * The D2NWG run's typed config: the task zoo, the weight VAE over head rows, the dataset encoder
 * and its contrastive alignment, the conditional latent diffusion (and the unconditional one it
 * is compared with), sampling, the choices made on training tasks and the evaluation protocol.
 * Presets `smoke` (CI, seconds; its numbers mean nothing), `quick` (~7 minutes on the native backend)
 * and `standard` (the reported setting), and each with one lever toward the target (./levers.ts:
 * `quick-prototypes`, …). What a run chooses (the guidance scale, the shot head's steps) it
 * chooses on training tasks' val splits (selection), never on a held-out task's data.
 */
import { defaultVaeConfig, type VaeConfig } from '../vae/config';
import { vaeBehaviourWeight } from '../vae/behaviour';
import { defaultVaeTrainConfig, type VaeTrainConfig } from '../vae/train';
import { defaultAlignConfig, defaultDatasetEncoderConfig, type AlignConfig, type DatasetEncoderConfig } from '../conditioning/config';
import { defaultConditionalDenoiserConfig, type ConditionalDenoiserConfig } from '../diffusion/conditional';
import type { SamplerConfig } from '../diffusion/samplers';
import { defaultScheduleConfig, type ScheduleConfig } from '../diffusion/schedule';
import { defaultDiffusionTrainConfig, type DiffusionTrainConfig } from '../diffusion/train';
import { InputError } from '../util/errors';
import { defaultFineTuneConfig, type FineTuneConfig } from './heads';
import { D2NWG_LEVER_NAMES, leverPreset } from './levers';
import { d2nwgSeeds } from './seeds';
import { taskZooPreset, type TaskZooConfig } from './task-zoo/config';

export interface D2nwgSamplingConfig {
  /** Heads sampled per unseen task and draw of shots (N). */
  samples: number;
  /** The sampler (its seed is replaced per task). */
  sampler: Omit<SamplerConfig, 'seed'>;
}

/**
 * The choices made on the val splits of training tasks (never a held-out task's val or test):
 * each candidate is scored by the mean val accuracy of its heads over `tasks` training tasks, each
 * with a fresh condition drawn from its training split; the best is used (ties: the first listed).
 */
export interface D2nwgSelectionConfig {
  /** Classifier-free guidance scales s (ε_u + s·(ε_c − ε_u); 1 = plain conditional) to choose from. */
  guidance: number[];
  /** Step counts to choose from for the head trained on the shots (logistic regression). */
  shotHeadSteps: number[];
  /** Training tasks the choices are made on, drawn with the selection seed (all of them if fewer). */
  tasks: number;
  /** Heads sampled per selection task and guidance scale. */
  samples: number;
}

export interface D2nwgConfig {
  preset: string;
  /** Master seed: every stage draws its own seed from it (see d2nwgSeeds). */
  seed: number;
  zoo: TaskZooConfig;
  /** Training samples per class in a condition (the paper's few shots). */
  shots: number;
  vae: VaeConfig;
  /**
   * The VAE's objective: 'mse' (ours: MSE + beta·KL/D) or 'official' (the D2NWG code's: per-row L1
   * over a learned log-variance + beta·KL + 1000·MSE, see vae/official-loss.ts).
   */
  vaeLoss: 'mse' | 'official';
  vaeTrain: VaeTrainConfig;
  encoder: DatasetEncoderConfig;
  align: AlignConfig;
  /**
   * What row k's condition holds besides the dataset embedding: 'embeddings', class k's embedding
   * by the aligned encoder (D2NWG's); 'prototypes', the mean of class k's shots, standardised with
   * the zoo conditions' statistics (a departure: the class means the prototype head is made of).
   */
  conditionOn: 'embeddings' | 'prototypes';
  /**
   * Conditions each zoo head is paired with in the conditional diffusion's training: independent
   * draws of its task's shots (the first is the one the encoder is aligned on). Default 1, D2NWG's.
   */
  conditionsPerHead: number;
  denoiser: ConditionalDenoiserConfig;
  schedule: ScheduleConfig;
  /** Both the conditional and the unconditional denoiser train with this (the latter without conditions). */
  diffusion: DiffusionTrainConfig;
  sampling: D2nwgSamplingConfig;
  selection: D2nwgSelectionConfig;
  /** Draws of shots per held-out task: every few-shot method and control is scored on each, then averaged. */
  draws: number;
  /** Logistic regression on the shots: PyTorch's default init, full-batch steps (the count from selection.shotHeadSteps). */
  shotHead: FineTuneConfig;
  /** Step counts of the fine-tuning curves on the shots (0 = the starting head). */
  fineTuneSteps: number[];
  fineTune: FineTuneConfig;
}

const standard: D2nwgConfig = {
  preset: 'standard',
  seed: 0,
  zoo: taskZooPreset('standard'),
  shots: 5,
  vae: { ...defaultVaeConfig, latentDim: 16 },
  vaeLoss: 'mse',
  vaeTrain: { ...defaultVaeTrainConfig, steps: 2000 },
  // Fewer inducing points than the paper's 32: sets here hold 5 shots (or 5 classes), and the ISABs dominate the cost.
  encoder: { ...defaultDatasetEncoderConfig, setTransformer: { ...defaultDatasetEncoderConfig.setTransformer, inducingPoints: 8 } },
  align: { ...defaultAlignConfig, steps: 400 },
  conditionOn: 'embeddings',
  conditionsPerHead: 1,
  denoiser: defaultConditionalDenoiserConfig,
  schedule: defaultScheduleConfig,
  diffusion: { ...defaultDiffusionTrainConfig, steps: 3000, batchSize: 256, conditionDropout: 0.1 },
  sampling: { samples: 50, sampler: { kind: 'ddim', steps: 50, eta: 0, clip: null } },
  selection: { guidance: [1, 2, 3, 4, 6, 8], shotHeadSteps: [25, 100, 400], tasks: 20, samples: 10 },
  draws: 3,
  // The zoo heads' optimizer, full batch.
  shotHead: { optimizer: { kind: 'adam', lr: 0.01, weightDecay: 1e-4, betas: [0.9, 0.999], eps: 1e-8 }, batchSize: 25 },
  fineTuneSteps: [0, 1, 5, 25, 100],
  fineTune: defaultFineTuneConfig,
};

const quick: D2nwgConfig = {
  ...standard,
  preset: 'quick',
  zoo: taskZooPreset('quick'),
  encoder: { ...standard.encoder, embedSize: 64 },
  vaeTrain: { ...standard.vaeTrain, steps: 800 },
  align: { ...standard.align, steps: 150 },
  denoiser: { ...standard.denoiser, channels: [32, 64, 64] },
  diffusion: { ...standard.diffusion, steps: 800, batchSize: 128 },
  sampling: { ...standard.sampling, samples: 20, sampler: { ...standard.sampling.sampler, steps: 25 } },
  selection: { ...standard.selection, tasks: 12 },
  draws: 2,
};

const smoke: D2nwgConfig = {
  ...quick,
  preset: 'smoke',
  zoo: taskZooPreset('smoke'),
  vae: { ...quick.vae, hidden: [32], latentDim: 8 },
  vaeTrain: { ...quick.vaeTrain, steps: 30, logEvery: 10 },
  encoder: { ...quick.encoder, embedSize: 16, setTransformer: { ...quick.encoder.setTransformer, inducingPoints: 4, isabBlocks: 1 } },
  align: { ...quick.align, steps: 10, batchTasks: 2, logEvery: 5 },
  denoiser: { ...quick.denoiser, channels: [8, 16] },
  diffusion: { ...quick.diffusion, steps: 30, batchSize: 16, logEvery: 10 },
  sampling: { ...quick.sampling, samples: 4, sampler: { ...quick.sampling.sampler, steps: 5 } },
  selection: { guidance: [1, 2], shotHeadSteps: [5, 25], tasks: 2, samples: 2 },
  draws: 1,
};

const bases = { smoke, quick, standard };

/**
 * The presets by name, with master seed 0 (use `preset` for another seed): smoke, quick, standard,
 * and each of them with each lever toward the target (./levers.ts), `<base>-<lever>` (`quick-prototypes`).
 */
export const presets: Readonly<Record<string, D2nwgConfig>> = {
  ...bases,
  ...Object.fromEntries(Object.values(bases).flatMap((base) => D2NWG_LEVER_NAMES.map((lever) => {
    const config = leverPreset(base, lever);
    return [config.preset, config];
  }))),
};

/**
 * A preset (smoke, quick, standard, or one of them with a lever: `quick-prototypes`) with master
 * seed `seed` and the task zoo's seeds derived from it (see d2nwgSeeds).
 */
export function preset(name: string, seed = 0): D2nwgConfig {
  const base = Object.hasOwn(presets, name) ? presets[name] : undefined;
  if (!base) {
    throw new InputError(`unknown D2NWG preset "${name}"; expected one of ${Object.keys(bases).join(', ')}, ` +
      `or one of them with a lever, <preset>-<lever>, the lever among ${D2NWG_LEVER_NAMES.join(', ')}`);
  }
  const config = structuredClone(base);
  const seeds = d2nwgSeeds(seed);
  config.seed = seed;
  config.zoo.seed = seeds.zoo;
  config.zoo.extractor.seed = seeds.extractor;
  config.zoo.plan.seed = seeds.plan;
  config.zoo.data.seed = seeds.data;
  return config;
}

/** Rejects what the zoo's and the parts' own checks do not cover, before any work. */
export function checkD2nwgConfig(config: D2nwgConfig): void {
  const { selection } = config;
  const positive = {
    shots: config.shots, conditionsPerHead: config.conditionsPerHead, 'sampling.samples': config.sampling.samples, draws: config.draws,
    'selection.tasks': selection.tasks, 'selection.samples': selection.samples,
  };
  for (const [field, value] of Object.entries(positive)) {
    if (!(Number.isInteger(value) && value >= 1)) throw new InputError(`${field} must be a positive integer, got ${value}`);
  }
  if (config.conditionOn !== 'embeddings' && config.conditionOn !== 'prototypes') {
    throw new InputError(`conditionOn must be 'embeddings' or 'prototypes', got ${String(config.conditionOn)}`);
  }
  if (config.vaeLoss !== 'mse' && config.vaeLoss !== 'official') throw new InputError(`vaeLoss must be 'mse' or 'official', got ${String(config.vaeLoss)}`);
  vaeBehaviourWeight(config.vaeTrain.behaviour);
  if (selection.guidance.length === 0 || !selection.guidance.every((s) => Number.isFinite(s) && s >= 0)) {
    throw new InputError(`selection.guidance must list scales ≥ 0, got [${selection.guidance}]`);
  }
  for (const [field, steps] of [['selection.shotHeadSteps', selection.shotHeadSteps], ['fineTuneSteps', config.fineTuneSteps]] as const) {
    if (steps.length === 0 || steps.some((s, i) => !Number.isInteger(s) || s < 0 || (i > 0 && s <= steps[i - 1]))) {
      throw new InputError(`${field} must be ascending distinct integers ≥ 0, got [${steps}]`);
    }
  }
}
