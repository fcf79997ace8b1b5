/**
 * D2NWG (Diffusion-based Neural Network Weights Generation, arXiv 2402.18153): heads for a task
 * nobody trained on, generated from a few of its samples. The protocol (`run`) over the pipeline
 * object (task zoo → VAE → aligned dataset encoder → conditional latent diffusion), the choices
 * made on training tasks (selection.ts), the methods, baselines and controls (methods.ts), presets,
 * the task zoo, conditions, the encoder check, and the report.
 *
 * Departures from the official code (sorobedio/DNNWG), each named where it lives:
 * - heads are generated row by row (one latent per class under that class's condition), not whole;
 * - the VAE minimises MSE + β·KL/D by default (config.vaeLoss 'official': per-row L1 over a learned
 *   log-variance + 1e-6·KL + 1000·MSE; the official optimizer leaves that log-variance at 0);
 * - the alignment uses CLIP's loss (cosine similarities, diagonal targets, τ learned from 0.07);
 *   the official one (raw dot products, soft targets, τ = 1) is conditioning/soft-clip.ts;
 * - the diffusion schedule is DDPM's (T = 1000, β linear 1e-4 → 0.02); the official one (T = 1024,
 *   β linear in √β, 0.0015 → 0.0155) is diffusion/scaled-linear.ts;
 * - conditions come from training splits only, every choice is made on training tasks' val splits,
 *   and a head is picked by its fit to the shots (the official code builds some conditions from
 *   test splits and picks the best of 50 samples by test accuracy);
 * - config.conditionOn 'prototypes' (ours, not the paper's) conditions rows on the shots' class means;
 *   config.conditionsPerHead > 1 (ours) trains the diffusion under several draws of shots per zoo head;
 *   config.vaeTrain.behaviour (ours) adds a behavioural term to the VAE's loss (the rows' logits on training features).
 * Levers toward the target (levers.ts) are presets of their own, `<preset>-<lever>`.
 */
export { run } from './run';
export type { RunOptions } from './run';
export { D2nwgPipeline } from './pipeline';
export type { D2nwgPipelineOptions, GenerateOptions, D2nwgTimings, D2nwgLosses } from './pipeline';
export { preset, presets, checkD2nwgConfig } from './config';
export type { D2nwgConfig, D2nwgSamplingConfig, D2nwgSelectionConfig } from './config';
export { D2NWG_LEVERS, D2NWG_LEVER_NAMES, isLeverName, leverPreset, SEVERAL_CONDITIONS } from './levers';
export type { D2nwgLever, D2nwgLeverName } from './levers';
export { chooseOnTrainingTasks, chooseOnTasks } from './selection';
export type { Choice, D2nwgChoices, SupportTask } from './selection';
export { MethodContext } from './methods';
export type { Proposal } from './methods';
export { prototypeHead, selectByShots, shotSet, randomCondition } from './shots';
export { d2nwgSeeds, D2NWG_SEED_OFFSETS } from './seeds';
export type { D2nwgSeeds, D2nwgSeedPurpose } from './seeds';
export { D2NWG_OUTPUTS, claimDir } from './run-dir';
export type { D2nwgResults, D2nwgSummary, MethodSummary, Spread } from './results';
export { summarize, summarizeByNovelty, summarizeRuns, spread } from './results';
export { D2NWG_METHODS, FINE_TUNE_STARTS } from './evaluate';
export type { D2nwgMethod, FineTuneStart, HeldOutResult, MethodScore } from './evaluate';

export { buildTaskZoo, openTaskZoo } from './task-zoo/build';
export type { TaskZoo } from './task-zoo/build';
export { taskZooPreset } from './task-zoo/config';
export type { TaskZooConfig } from './task-zoo/config';
export { TASK_NOVELTIES } from './task-zoo/tasks';
export type { TaskNovelty } from './task-zoo/tasks';
export type { TaskSources } from './task-zoo/extractor';
export { taskFeatures } from './features';
export type { TaskFeatures } from './features';
export { taskCondition, embedConditions, classMeans } from './conditions';
export { loadEncoder } from './encoder-io';
export { checkEncoderInvariance } from './invariance';
export type { InvarianceCheck } from './invariance';

export * as report from './report';
