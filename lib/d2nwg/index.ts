/**
 * D2NWG (Diffusion-based Neural Network Weights Generation, arXiv 2402.18153): heads for a task
 * nobody trained on, generated from a few of its samples. The protocol (`run`) over the pipeline
 * object (task zoo → VAE → aligned dataset encoder → conditional latent diffusion), presets, the
 * task zoo, conditions, the encoder check, and the report.
 */
export { run } from './run';
export type { RunOptions } from './run';
export { D2nwgPipeline } from './pipeline';
export type { D2nwgPipelineOptions, GenerateOptions, D2nwgTimings, D2nwgLosses } from './pipeline';
export { preset, presets, checkD2nwgConfig } from './config';
export type { D2nwgConfig, D2nwgSamplingConfig } from './config';
export { d2nwgSeeds, D2NWG_SEED_OFFSETS } from './seeds';
export type { D2nwgSeeds, D2nwgSeedPurpose } from './seeds';
export { D2NWG_OUTPUTS, claimDir } from './run-dir';
export type { D2nwgResults, D2nwgSummary, MethodSummary } from './results';
export { D2NWG_METHODS, FINE_TUNE_STARTS } from './evaluate';
export type { D2nwgMethod, FineTuneStart, HeldOutResult, MethodScore } from './evaluate';

export { buildTaskZoo, openTaskZoo } from './task-zoo/build';
export type { TaskZoo } from './task-zoo/build';
export { taskZooPreset } from './task-zoo/config';
export type { TaskZooConfig } from './task-zoo/config';
export type { TaskSources } from './task-zoo/extractor';
export { taskFeatures } from './features';
export type { TaskFeatures } from './features';
export { taskCondition, embedConditions } from './conditions';
export { loadEncoder } from './encoder-io';
export { checkEncoderInvariance } from './invariance';
export type { InvarianceCheck } from './invariance';

export * as report from './report';
