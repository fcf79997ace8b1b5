/**
 * The training loop for task models: seeded shuffles, softmax cross-entropy, an optimizer with
 * PyTorch's rules, a learning-rate schedule by epoch, BN running statistics updated after each
 * step, and a progress callback. Only `trainable` parameters change; the rest stay frozen.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../data/dataset';
import { minimize } from '../optim/minimize';
import { Optimizer, type OptimizerConfig } from '../optim/optimizer';
import { learningRateAt, type LrSchedule } from '../optim/schedule';
import { checkFiniteVariables } from '../optim/finite-guard';
import {
  checkCheckpointOption, dataFingerprint, loadTrainState, restoreTrainState, saveDue, saveTrainState,
  type LossPoint, type TrainCheckpoint,
} from '../optim/train-state';
import { readParams } from '../params/tensors';
import { Rng } from '../util/rng';
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
  const identity = { train: config, model: model.kind, images: dataFingerprint(data.images), labels: dataFingerprint(Float32Array.from(data.labels)) };
  const optimizer = new Optimizer(config.optimizer);
  const images = imagesTensor(data);
  const labels = tf.tensor1d(data.labels, 'int32');
  const stepsPerEpoch = batchCount(data.labels.length, config.batchSize);
  const totalSteps = stepsPerEpoch * config.epochs;
  const started = performance.now();
  try {
    const saved = checkpoint && loadTrainState(checkpoint.file, STAGE, identity, totalSteps);
    if (saved) restoreTrainState(checkpoint.file, saved, state, optimizer);
    // Resuming mid-epoch replays that epoch's shuffle from its start and skips the batches done.
    const rng = saved ? Rng.fromState(saved.rng) : new Rng(config.seed);
    const losses: LossPoint[] = saved ? saved.losses : [];
    let step = saved?.step ?? 0;
    for (let epoch = Math.floor(step / stepsPerEpoch); epoch < config.epochs; epoch++) {
      const epochStart = rng.getState();
      let stepInEpoch = 0;
      for (const idx of batchIndices(data.labels.length, config.batchSize, rng)) {
        if (epoch * stepsPerEpoch + stepInEpoch++ < step) continue;
        optimizer.lr = learningRateAt(config.optimizer.lr, config.schedule, epoch + (stepInEpoch - 1) / stepsPerEpoch);
        const loss = trainStep({ model, forward: model.forward.bind(model), vars, optimizer, mode: config.mode },
          images, labels, idx, data.numClasses);
        step++;
        const log = step % config.logEvery === 0 || step === totalSteps || step % stepsPerEpoch === 0;
        const save = saveDue(checkpoint, step, totalSteps);
        const value = log || save ? loss.dataSync()[0] : 0;
        loss.dispose();
        if (!log && !save) continue;
        if (!Number.isFinite(value)) throw new Error(`${STAGE}: loss is ${value} at step ${step} (epoch ${epoch + 1})`);
        if (log) losses.push({ step, loss: value });
        if (checkpoint && save) {
          checkFiniteVariables(STAGE, step, state);
          // After an epoch's last step the next epoch's shuffle is not drawn yet: its start is now.
          const rngState = step % stepsPerEpoch === 0 ? rng.getState() : epochStart;
          saveTrainState(checkpoint.file, STAGE, identity, {
            step, params: readParams(state, [...state.keys()]), optimizer: optimizer.getState(), rng: rngState, losses, averages: null,
          });
        }
        if (log) {
          onProgress?.({ epoch: epoch + 1, step, totalSteps, loss: value, lr: optimizer.lr, elapsedSeconds: (performance.now() - started) / 1000 });
        }
      }
    }
    return { steps: step, epochLosses: epochMeans(losses, stepsPerEpoch, config.epochs), seconds: (performance.now() - started) / 1000 };
  } finally {
    tf.dispose([images, labels]);
    optimizer.dispose();
  }
}

/** Mean of the logged losses within each epoch. */
function epochMeans(losses: LossPoint[], stepsPerEpoch: number, epochs: number): number[] {
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
