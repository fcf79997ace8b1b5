/**
 * One training step of each p-diff model, timed inside its real training loop (the loop's own
 * clock at its log points): ConvNet-S on a batch of 128 images (SGD, BN in training mode), the
 * parameter autoencoder on the K snapshots with its noise augmentation (AdamW), and the latent
 * denoiser on K latents (AdamW + EMA). Data are random: the values do not change the timings.
 */
import { trainAutoencoder } from '../autoencoder/train';
import { ParamAutoencoder } from '../autoencoder/model';
import type { ImageDataset } from '../data/dataset';
import { LatentDenoiser } from '../diffusion/denoiser';
import { makeSchedule } from '../diffusion/schedule';
import { trainDiffusion } from '../diffusion/train';
import type { PdiffConfig } from '../pdiff/config';
import { createModel } from '../models/registry';
import { trainModel } from '../models/train';
import { Rng } from '../util/rng';
import type { ModelShapes } from './shapes';
import { perStepTiming, type ClockPoint, type Timing, type TimingConfig } from './timing';

export type StepModel = 'task model' | 'autoencoder' | 'denoiser';

export interface StepResult {
  model: StepModel;
  /** The batch it trains on, e.g. '[200, 778]'. */
  shape: string;
  step: Timing;
}

export interface StepTimingConfig extends TimingConfig {
  /** Steps between two clock readings; a run's time is their difference over this. */
  stepsPerRun: number;
}

/** 2 warm-up runs and 5 measured runs of 4 steps: 28 steps of each model. */
export const defaultStepTimingConfig: StepTimingConfig = { warmup: 2, runs: 5, stepsPerRun: 4 };

const totalSteps = (t: StepTimingConfig) => (t.warmup + t.runs) * t.stepsPerRun;

function randomImages(count: number, shape: [number, number, number], numClasses: number, rng: Rng): ImageDataset {
  return {
    name: 'random', shape, numClasses,
    images: rng.normalArray(count * shape[0] * shape[1] * shape[2]),
    labels: Int32Array.from({ length: count }, () => rng.int(numClasses)),
  };
}

/** ConvNet-S: one epoch is one run (stepsPerRun batches), so the loop reports after every run. */
export function convNetStep(config: PdiffConfig, shapes: ModelShapes, timing: StepTimingConfig): StepResult {
  const batch = shapes.taskBatch;
  const data = randomImages(batch * timing.stepsPerRun, shapes.image, shapes.numClasses, new Rng(0));
  const model = createModel(config.collect.model, 0);
  const points: ClockPoint[] = [];
  try {
    trainModel(model, data, { ...config.collect.train, batchSize: batch, epochs: timing.warmup + timing.runs, logEvery: timing.stepsPerRun },
      (p) => points.push({ step: p.step, seconds: p.elapsedSeconds }));
  } finally {
    model.dispose();
  }
  return { model: 'task model', shape: `[${batch}, ${shapes.image.join(', ')}]`, step: perStepTiming(points, timing.stepsPerRun, timing) };
}

export function autoencoderStep(config: PdiffConfig, shapes: ModelShapes, timing: StepTimingConfig): StepResult {
  const ae = new ParamAutoencoder(config.autoencoder, shapes.subsetSize, 1);
  const data = { count: shapes.snapshots, dim: shapes.subsetSize, data: new Rng(1).normalArray(shapes.snapshots * shapes.subsetSize) };
  const points: ClockPoint[] = [];
  try {
    trainAutoencoder(ae, data, { ...config.autoencoderTrain, steps: totalSteps(timing), logEvery: timing.stepsPerRun },
      (p) => points.push({ step: p.step, seconds: p.elapsedSeconds }));
  } finally {
    ae.dispose();
  }
  return { model: 'autoencoder', shape: `[${shapes.snapshots}, ${shapes.subsetSize}]`, step: perStepTiming(points, timing.stepsPerRun, timing) };
}

export function denoiserStep(config: PdiffConfig, shapes: ModelShapes, timing: StepTimingConfig): StepResult {
  const schedule = makeSchedule(config.schedule);
  const denoiser = new LatentDenoiser(shapes.latentDim, schedule.steps, config.denoiser, 2);
  const rng = new Rng(2);
  const latents = { count: shapes.snapshots, dim: shapes.latentDim, data: Float32Array.from({ length: shapes.snapshots * shapes.latentDim }, () => 2 * rng.uniform() - 1) };
  const points: ClockPoint[] = [];
  try {
    const { ema } = trainDiffusion(denoiser, latents, schedule, { ...config.diffusionTrain, steps: totalSteps(timing), logEvery: timing.stepsPerRun },
      (p) => points.push({ step: p.step, seconds: p.elapsedSeconds }));
    ema?.dispose();
  } finally {
    denoiser.dispose();
  }
  return { model: 'denoiser', shape: `[${shapes.snapshots}, ${shapes.latentDim}]`, step: perStepTiming(points, timing.stepsPerRun, timing) };
}
