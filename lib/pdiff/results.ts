/** What a p-diff run measured: the `results.json` contract of the design doc, plus per-model data for plots. */
import type { AuditResult } from '../eval/audit';
import type { AccuracySummary } from '../eval/stats';
import type { SamplerVariant } from './config';

export interface Distribution {
  min: number;
  mean: number;
  max: number;
}

/** One population of models (originals, generated, a baseline), summarised and per model. */
export interface Population {
  summary: AccuracySummary;
  /** Test and val accuracy of each model, in [0, 1]. */
  test: number[];
  val: number[];
  /** Max IoU of each model's wrong test predictions against the originals (others, for originals). */
  maxIoU: number[];
}

/** The generated models as one sampler draws them, from the run's trained diffusion model and sampling seed. */
export interface SamplerRun {
  /** e.g. 'DDPM, 1000 steps' or 'DDIM, 50 steps, η = 0'. */
  label: string;
  sampler: SamplerVariant;
  /** Denoiser evaluations per sample: T for DDPM, `steps` for DDIM. */
  steps: number;
  /** True for the run's own sampler: the `generated` population, not drawn again. */
  isGenerated: boolean;
  summary: AccuracySummary;
  maxIoU: Distribution;
  /** Wall seconds of sampling + decoding, and of evaluating the population. */
  seconds: { sample: number; evaluate: number };
}

export interface PdiffResults {
  experiment: 'pdiff';
  preset: string;
  seed: number;
  backend: string;
  dataset: string;
  subset: { patterns: string[]; layers: string[]; size: number };
  /** Summaries as in the design doc's schema (test accuracies). */
  originals: AccuracySummary;
  reconstructed: AccuracySummary;
  generated: AccuracySummary;
  novelty: {
    maxIoU: Distribution;
    originalsVsOriginals: Distribution;
    /** Generated models whose wrong set equals an original's (IoU = 1). */
    identicalToAnOriginal: number;
  };
  baselines: {
    /** Originals + N(0, σ²) on every parameter, keyed by σ. */
    noise: Record<string, { summary: AccuracySummary; maxIoU: Distribution }>;
    weightAverage: { test: number; val: number };
  };
  /** Diagnostics of the trained parts. */
  training: {
    baseModel: { val: number; test: number };
    autoencoderLoss: { step: number; loss: number }[];
    diffusionLoss: { step: number; loss: number }[];
    reconstructionMse: number;
  };
  /** The zoo: its recipe, its members, those the generator trained on (the `originals`) and those held out for the audit. */
  zoo: { recipe: string; members: number; training: number; heldOut: number };
  /** `originals` are the training members; `held-out` (with the audit) the members the generator never saw. */
  populations: Record<'originals' | 'reconstructed' | 'generated', Population> & Record<string, Population>;
  /** The generated models drawn by each sampler of the config's samplerComparison, side by side. */
  samplers: SamplerRun[];
  /** The copying audit against the held-out members; null when none are held out. */
  audit: AuditResult | null;
  /** Wall seconds per stage; `samplers` is the extra sampling and evaluation of the sampler comparison. */
  timings: { collect: number; autoencoder: number; diffusion: number; sample: number; evaluate: number; samplers: number; audit: number; total: number };
  config: Record<string, unknown>;
}
