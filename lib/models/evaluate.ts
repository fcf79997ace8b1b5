import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../data/dataset';
import { batchIndices } from './batches';
import type { TaskModel } from './task-model';

export interface Evaluation {
  /** Fraction of correct predictions in [0, 1]. */
  accuracy: number;
  /** Predicted class per example. */
  predictions: Int32Array;
}

/** Images of a dataset as one [N, H, W, C] tensor (caller disposes). */
export function imagesTensor(ds: ImageDataset): tf.Tensor4D {
  return tf.tensor4d(ds.images, [ds.labels.length, ...ds.shape]);
}

/** Inference-mode accuracy of a model on a dataset, in batches. */
export function evaluateModel(model: TaskModel, ds: ImageDataset, batchSize = 1000): Evaluation {
  const images = imagesTensor(ds);
  const predictions = new Int32Array(ds.labels.length);
  try {
    for (const idx of batchIndices(ds.labels.length, batchSize)) {
      const pred = tf.tidy(() => model.forward(gatherRows(images, idx), { mode: 'eval' }).argMax(1));
      predictions.set(pred.dataSync() as Int32Array, idx[0]);
      pred.dispose();
    }
  } finally {
    images.dispose();
  }
  return { accuracy: accuracyOf(predictions, ds.labels), predictions };
}

/** Rows `idx` of a tensor (images or features) along its first axis. */
export function gatherRows<T extends tf.Tensor>(t: T, idx: Int32Array): T {
  return tf.tidy(() => tf.gather(t, tf.tensor1d(idx, 'int32')));
}

export function accuracyOf(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (predictions.length !== labels.length) {
    throw new Error(`${predictions.length} predictions for ${labels.length} labels`);
  }
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === labels[i]) correct++;
  return labels.length ? correct / labels.length : 0;
}
