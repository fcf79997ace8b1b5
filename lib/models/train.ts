/**
 * The training loop for task models: seeded shuffles, softmax cross-entropy, an optimizer with
 * PyTorch's rules, a learning-rate schedule by epoch, BN running statistics updated after each
 * step, and a progress callback. Only `trainable` parameters change; the rest stay frozen.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../data/dataset';
import { checkFiniteVariables } from '../optim/finite-guard';
import { runTrainingLoop, type StepCheck } from '../optim/loop';
import { minimize } from '../optim/minimize';
import type { Optimizer, OptimizerConfig } from '../optim/optimizer';
import { learningRateAt, type LrSchedule } from '../optim/schedule';
import { checkCheckpointOption, dataFingerprint, saveDue, type LossPoint, type TrainCheckpoint } from '../optim/train-state';
import type { RngState } from '../util/rng';
import { batchCount, batchIndices } from './batches';
import { gatherRows, imagesTensor } from './evaluate';
import { applyBufferUpdates, type BufferUpdate, type ForwardMode, type ForwardOptions, type TaskModel } from './task-model';

export interface TrainConfig {
  epochs: number;
  batchSize: number;
  optimizer: OptimizerConfig;
  /** Learning rate as a function of the epoch. */
  schedule: LrSchedule;
  /** Seeds the per-epoch shuffles. */
  seed: number;
  /** Names of the parameters to train (default: all). */
  trainable?: string[];
  /**
   * 'train': batch statistics, running BN stats updated (ordinary training);
   * 'eval': the network runs in inference mode (frozen BN), as when fine-tuning a subset.
   */
  mode: ForwardMode;
  /** Report progress every this many steps (and at the end). */
  logEvery: number;
}

/** pdiff-small stage 1: SGD 0.05, momentum 0.9, wd 5e-4, batch 128, 3 epochs, ×0.1 from epoch 2. */
export const defaultTrainConfig: TrainConfig = {
  epochs: 3,
  batchSize: 128,
  optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4 },
  schedule: { kind: 'step', milestones: [2], gamma: 0.1 },
  seed: 0,
  mode: 'train',
  logEvery: 50,
};

export interface TrainProgress {
  epoch: number;
  step: number;
  totalSteps: number;
  loss: number;
  lr: number;
  elapsedSeconds: number;
}

export interface TrainResult {
  steps: number;
  /** Mean training loss of each epoch (read back at log points only). */
  epochLosses: number[];
  seconds: number;
}

/** Which variables a config trains, checked against the model. */
function trainableVariables(model: TaskModel, names?: string[]): Map<string, tf.Variable> {
  if (!names) return model.params;
  const vars = new Map<string, tf.Variable>();
  for (const name of names) {
    const v = model.params.get(name);
    if (!v) throw new Error(`cannot train ${name}: the ${model.kind} model has no such parameter`);
    vars.set(name, v);
  }
  return vars;
}

export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, numClasses: number): tf.Scalar {
  return tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(labels, numClasses), logits) as tf.Scalar);
}

const STAGE = 'task model training';

/**
 * Trains `model` on `data`. With a `checkpoint`, the state (parameters, BN buffers, momentum,
 * the shuffle RNG at the start of the current epoch, losses) is saved every `checkpoint.every`
 * steps and after the last; a later call finds it and continues bit-identically.
 */
export function trainModel(
  model: TaskModel, data: ImageDataset, config: TrainConfig, onProgress?: (p: TrainProgress) => void,
  checkpoint?: TrainCheckpoint,
): TrainResult {
  checkCheckpointOption(checkpoint);
  const vars = trainableVariables(model, config.trainable);
  const state = new Map([...model.params, ...model.buffers]);
  // Only a saved state needs it: hashing the images costs ~0.16 s a call on Fashion-MNIST, paid by every model of a zoo.
  const identity = checkpoint && {
    train: config, model: model.kind, images: dataFingerprint(data.images), labels: dataFingerprint(Float32Array.from(data.labels)),
  };
  const images = imagesTensor(data);
  const labels = tf.tensor1d(data.labels, 'int32');
  const stepsPerEpoch = batchCount(data.labels.length, config.batchSize);
  const totalSteps = stepsPerEpoch * config.epochs;
  const epochOf = (step: number) => Math.floor((step - 1) / stepsPerEpoch);
  // An epoch's shuffle is drawn at its first step. A state saved mid-epoch holds the RNG as it was
  // before that draw, so a resumed run draws the same shuffle again and goes on with the batches not done.
  const epoch: { start?: RngState; batches: Int32Array[] } = { batches: [] };
  try {
    const run = runTrainingLoop({
      stage: STAGE, steps: totalSteps, logEvery: config.logEvery, checkpoint, identity,
      params: vars, state, optimizer: config.optimizer, rng: config.seed,
      logAt: (step) => logsAt(config, step, stepsPerEpoch),
      check: new LoggedLossCheck(epochOf, (step) => saveDue(checkpoint, step, totalSteps)),
      // After an epoch's last step the next shuffle is not drawn yet: its start is now.
      rngState: (step, rng) => (step % stepsPerEpoch === 0 ? rng.getState() : epoch.start!),
      step: (step, { optimizer, rng }) => {
        const k = (step - 1) % stepsPerEpoch;
        if (k === 0 || epoch.batches.length === 0) {
          epoch.start = rng.getState();
          epoch.batches = [...batchIndices(data.labels.length, config.batchSize, rng)];
        }
        optimizer.lr = stepLearningRate(config, step, stepsPerEpoch);
        return trainStep({ model, forward: model.forward.bind(model), vars, optimizer, mode: config.mode }, images, labels, epoch.batches[k], data.numClasses);
      },
      onLog: ({ step, loss }, { optimizer, seconds }) =>
        onProgress?.({ epoch: epochOf(step) + 1, step, totalSteps, loss, lr: optimizer.lr, elapsedSeconds: seconds() }),
    });
    return { steps: run.steps, epochLosses: epochMeans(run.losses, stepsPerEpoch, config.epochs), seconds: run.seconds };
  } finally {
    tf.dispose([images, labels]);
  }
}

/**
 * The task model's checks, as they always were: the loss of log and save steps only (a plain
 * Error naming the epoch), and before a save the weights with their BN buffers.
 */
class LoggedLossCheck implements StepCheck {
  kept: string | undefined;
  private last: tf.Tensor | null = null;

  constructor(private readonly epochOf: (step: number) => number, private readonly saveAt: (step: number) => boolean) {}

  watch(_step: number, loss: tf.Tensor): void {
    this.dispose();
    this.last = loss;
  }

  check(vars: Map<string, tf.Variable>, step: number): number {
    const value = this.last!.dataSync()[0];
    this.dispose();
    if (!Number.isFinite(value)) throw new Error(`${STAGE}: loss is ${value} at step ${step} (epoch ${this.epochOf(step) + 1})`);
    if (this.saveAt(step)) checkFiniteVariables(STAGE, step, vars);
    return value;
  }

  dispose(): void {
    this.last?.dispose();
    this.last = null;
  }
}

/** Whether a step reads its loss back (to check and report it): every logEvery-th, each epoch's last. */
export function logsAt(config: TrainConfig, step: number, stepsPerEpoch: number): boolean {
  return step % config.logEvery === 0 || step === stepsPerEpoch * config.epochs || step % stepsPerEpoch === 0;
}

/** The schedule's rate at a step (1-based), the epoch counted fractionally from the step's batch. */
export function stepLearningRate(config: TrainConfig, step: number, stepsPerEpoch: number): number {
  const k = (step - 1) % stepsPerEpoch;
  return learningRateAt(config.optimizer.lr, config.schedule, Math.floor((step - 1) / stepsPerEpoch) + k / stepsPerEpoch);
}

/** Mean of the logged losses within each epoch. */
export function epochMeans(losses: LossPoint[], stepsPerEpoch: number, epochs: number): number[] {
  return Array.from({ length: epochs }, (_, e) => {
    const inEpoch = losses.filter((l) => l.step > e * stepsPerEpoch && l.step <= (e + 1) * stepsPerEpoch).map((l) => l.loss);
    return inEpoch.reduce((a, b) => a + b, 0) / Math.max(inEpoch.length, 1);
  });
}

/** What one step trains: the whole model (forward) or a head on cached features (ModelSplit.head). */
export interface StepTarget {
  model: TaskModel;
  forward: (x: tf.Tensor4D, options: ForwardOptions) => tf.Tensor2D;
  vars: Map<string, tf.Variable>;
  optimizer: Optimizer;
  mode: ForwardMode;
}

/** One optimizer step on the rows `idx` of `inputs` (images or features); returns the loss (caller disposes). */
export function trainStep(
  target: StepTarget, inputs: tf.Tensor, labels: tf.Tensor1D, idx: Int32Array, numClasses: number,
): tf.Scalar {
  const { model, forward, vars, optimizer, mode } = target;
  const bufferUpdates: BufferUpdate[] = [];
  const loss = tf.tidy(() => {
    const x = gatherRows(inputs, idx) as tf.Tensor4D;
    const y = tf.gather(labels, tf.tensor1d(idx, 'int32')) as tf.Tensor1D;
    return minimize(vars, optimizer, () =>
      crossEntropy(forward(x, { mode, bufferUpdates: mode === 'train' ? bufferUpdates : undefined }), y, numClasses));
  });
  applyBufferUpdates(model, bufferUpdates);
  return loss;
}
