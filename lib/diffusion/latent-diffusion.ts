/**
 * A latent diffusion model as one object: the denoiser ε_θ, its noise schedule and the EMA of its
 * weights. Sampling uses the averaged weights whenever there are any (swapped in for the call and
 * restored after, as DDPM implementations sample with EMA weights) and refuses non-finite samples,
 * so no runner writes the swap-and-check itself.
 */
import type { Ema } from './ema';
import { sample, type SampleOptions, type SampleResult, type SamplerConfig } from './samplers';
import type { NoiseSchedule } from './schedule';
import { trainDiffusion, type DiffusionTrainConfig, type DiffusionTrainProgress } from './train';
import type { Denoiser, EpsFn } from './types';
import type { TrainCheckpoint } from '../optim/train-state';
import { assertFinite } from '../util/finite';

export interface LatentSampleOptions extends Pick<SampleOptions, 'record' | 'onStep'> {
  /** The noise prediction to sample with (e.g. a guided one); default: the denoiser's own `predict`. */
  eps?: EpsFn;
  /** Names the samples in the error a non-finite value raises. */
  what?: string;
}

/** A denoiser that frees its own variables. */
type OwnedDenoiser = Denoiser & { dispose(): void };

export class LatentDiffusion<D extends OwnedDenoiser = OwnedDenoiser> {
  constructor(
    readonly denoiser: D,
    readonly schedule: NoiseSchedule,
    /** The EMA of the denoiser's weights; null when training kept none. */
    readonly ema: Ema | null,
    /** The training losses at the log points. */
    readonly losses: { step: number; loss: number }[] = [],
  ) {}

  /**
   * Trains `denoiser` on `data` (see trainDiffusion: latents, or latents with conditions) and
   * returns the trained model; with a checkpoint the training resumes from its saved state.
   */
  static train<D extends OwnedDenoiser>(
    denoiser: D, data: Parameters<typeof trainDiffusion>[1], schedule: NoiseSchedule, config: DiffusionTrainConfig,
    onProgress?: (p: DiffusionTrainProgress) => void, checkpoint?: TrainCheckpoint,
  ): LatentDiffusion<D> {
    const run = trainDiffusion(denoiser, data, schedule, config, onProgress, checkpoint);
    return new LatentDiffusion(denoiser, schedule, run.ema, run.losses);
  }

  /** `count` latents [count, D] drawn by `sampler` with the averaged weights. */
  sample(count: number, sampler: SamplerConfig, options: LatentSampleOptions = {}): SampleResult {
    const { eps = (x, ts) => this.denoiser.predict(x, ts), what = 'sampled latents', ...extras } = options;
    const draw = () => sample(eps, [count, this.denoiser.dim], this.schedule, sampler, extras);
    const result = this.ema ? this.ema.withAveraged(this.denoiser.params, draw) : draw();
    assertFinite(result.samples.data, result.samples.dim, what);
    return result;
  }

  /** Frees the denoiser and the EMA's averages. */
  dispose(): void {
    this.ema?.dispose();
    this.denoiser.dispose();
  }
}
