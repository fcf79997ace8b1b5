/** Latent diffusion on any [N, D] tensor: schedules, the forward process and loss, samplers, the denoiser and its conditional (CFG) form, EMA, training. */
export { makeSchedule, linearBetas, cosineBetas, defaultScheduleConfig, MAX_COSINE_BETA } from './schedule';
export type { ScheduleConfig, NoiseSchedule } from './schedule';
export { qSample, predictX0, diffusionLoss } from './forward';
export { ddpmStep, ddimStep, ddimSigma } from './steps';
export { ddpmSample, ddimSample, ddimTimesteps, sample, defaultSamplerConfig } from './samplers';
export type { SamplerConfig, SampleOptions, DdimOptions, SampleProgress, SampleResult, TrajectoryPoint } from './samplers';
export { LatentDenoiser, defaultDenoiserConfig, officialDenoiserChannels } from './denoiser';
export type { DenoiserConfig, BlockModulation } from './denoiser';
export { ConditionalLatentDenoiser, defaultConditionalDenoiserConfig } from './conditional';
export type { ConditionalDenoiserConfig } from './conditional';
export { guidedEps } from './guidance';
export { Ema, emaDecayAt, DEFAULT_EMA_DECAY } from './ema';
export { trainDiffusion, defaultDiffusionTrainConfig, DEFAULT_CONDITION_DROPOUT } from './train';
export type { DiffusionTrainConfig, DiffusionTrainProgress, DiffusionTrainResult } from './train';
export type { EpsFn, LatentSet, Denoiser, ConditionalDenoiser, ConditionedLatents } from './types';
export { LatentDiffusion } from './latent-diffusion';
export type { LatentSampleOptions } from './latent-diffusion';
