/**
 * M independent models trained together: own initialisation (the models as given), own data order
 * (model i shuffles with seeds[i], as `trainModel` with that seed does) and own BN statistics, but
 * each op of a step runs once for all M (./model-stack), which divides the ops' fixed dispatch
 * cost by M. The loss is the sum of the models' mean cross-entropies, so each model's gradient is
 * its own loss's; the optimizer's update is elementwise, so each model's update is its own. Every
 * model ends as `trainModel` leaves it alone, up to float summation order (on the native backend
 * the conv and BN kernels run each model's slice through the single-model code).
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../data/dataset';
import { minimize } from '../optim/minimize';
import { Optimizer } from '../optim/optimizer';
import type { LossPoint } from '../optim/train-state';
import { concatTyped } from '../util/concat';
import { InputError } from '../util/errors';
import { Rng } from '../util/rng';
import { seconds } from '../util/timing';
import { batchCount, batchIndices } from './batches';
import { gatherRows, imagesTensor } from './evaluate';
import { ModelStack } from './model-stack';
import { applyBufferUpdates, type BufferUpdate, type ForwardMode, type TaskModel } from './task-model';
import { epochMeans, logsAt, stepLearningRate, type TrainConfig, type TrainProgress, type TrainResult } from './train';

/** A log step of the models trained together: each one's loss. */
export interface TogetherProgress extends Omit<TrainProgress, 'loss'> {
  losses: number[];
}

const STAGE = 'task models trained together';

/**
 * Trains `models[i]` on `data` with `config`, its seed replaced by `seeds[i]`, all together.
 * Returns what `trainModel` returns for each, `seconds` being the group's wall time over M (each
 * model's share). All parameters train (no `config.trainable`); there are no checkpoints.
 */
export function trainModelsTogether(
  models: readonly TaskModel[], data: ImageDataset, config: TrainConfig, seeds: readonly number[],
  onProgress?: (p: TogetherProgress) => void,
): TrainResult[] {
  if (seeds.length !== models.length) throw new InputError(`${models.length} models to train together need as many seeds, got ${seeds.length}`);
  if (config.trainable) throw new InputError('models trained together train every parameter: leave config.trainable unset');
  const started = performance.now();
  const stack = new ModelStack(models);
  const images = imagesTensor(data);
  const labels = tf.tensor1d(data.labels, 'int32');
  const optimizer = new Optimizer(config.optimizer);
  const n = data.labels.length;
  const stepsPerEpoch = batchCount(n, config.batchSize);
  const totalSteps = stepsPerEpoch * config.epochs;
  const rngs = seeds.map((seed) => new Rng(seed));
  const logged: LossPoint[][] = models.map(() => []);
  let epochBatches: Int32Array[][] = [];
  try {
    for (let step = 1; step <= totalSteps; step++) {
      const k = (step - 1) % stepsPerEpoch;
      if (k === 0) epochBatches = rngs.map((rng) => [...batchIndices(n, config.batchSize, rng)]);
      optimizer.lr = stepLearningRate(config, step, stepsPerEpoch);
      // The models' batches one after another: model m's rows at m·B… of the stacked batch.
      const idx = concatTyped(epochBatches.map((batches) => batches[k]), (n) => new Int32Array(n));
      const losses = stackedStep(stack, optimizer, config.mode, images, labels, idx, data.numClasses);
      if (logsAt(config, step, stepsPerEpoch)) {
        const values = Array.from(losses.dataSync());
        const bad = values.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0) throw new Error(`${STAGE}: the loss of the model of seed ${seeds[bad]} is ${values[bad]} at step ${step}`);
        values.forEach((loss, i) => logged[i].push({ step, loss }));
        onProgress?.({ epoch: Math.floor((step - 1) / stepsPerEpoch) + 1, step, totalSteps, losses: values, lr: optimizer.lr, elapsedSeconds: seconds(started) });
      }
      losses.dispose();
    }
    stack.unstack();
  } finally {
    optimizer.dispose();
    stack.dispose();
    tf.dispose([images, labels]);
  }
  const share = seconds(started) / models.length;
  return logged.map((points) => ({ steps: totalSteps, epochLosses: epochMeans(points, stepsPerEpoch, config.epochs), seconds: share }));
}

/**
 * Each model's mean softmax cross-entropy over its rows, logits [M·B, K] → [M], reduced as
 * `crossEntropy` reduces one model's (a sum over the batch, then divided by its size).
 */
function modelLosses(logits: tf.Tensor2D, labels: tf.Tensor1D, numClasses: number, models: number): tf.Tensor1D {
  return tf.tidy(() => {
    const rows = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, numClasses), logits, undefined, undefined, tf.Reduction.NONE);
    const perModel = rows.reshape([models, -1]);
    return perModel.sum(1).div(perModel.shape[1]!) as tf.Tensor1D;
  });
}

/** One optimizer step of every model on its rows of `idx`; returns the models' losses [M] (caller disposes). */
function stackedStep(
  stack: ModelStack, optimizer: Optimizer, mode: ForwardMode, images: tf.Tensor4D, labels: tf.Tensor1D, idx: Int32Array, numClasses: number,
): tf.Tensor1D {
  const bufferUpdates: BufferUpdate[] = [];
  let losses: tf.Tensor1D | undefined;
  tf.tidy(() => {
    const x = gatherRows(images, idx);
    const y = tf.gather(labels, tf.tensor1d(idx, 'int32')) as tf.Tensor1D;
    minimize(stack.params, optimizer, () => {
      const logits = stack.forward(x, { mode, bufferUpdates: mode === 'train' ? bufferUpdates : undefined });
      losses = tf.keep(modelLosses(logits, y, numClasses, stack.count)); // read back at log steps
      return losses.sum();
    });
  });
  applyBufferUpdates(stack, bufferUpdates);
  return losses!;
}
