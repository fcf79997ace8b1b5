/** Softmax outputs of whole task models (full forward passes, inference mode), e.g. a deep ensemble's members. */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../data/dataset';
import { batchIndices } from '../models/batches';
import { gatherRows, imagesTensor } from '../models/evaluate';
import type { TaskModel } from '../models/task-model';

/** One model's [N, C] class probabilities on a dataset, in batches. */
export function modelProbabilities(model: TaskModel, ds: ImageDataset, batchSize = 500): Float32Array {
  const images = imagesTensor(ds);
  const out = new Float32Array(ds.labels.length * ds.numClasses);
  try {
    for (const idx of batchIndices(ds.labels.length, batchSize)) {
      const probs = tf.tidy(() => tf.softmax(model.forward(gatherRows(images, idx), { mode: 'eval' }))); // [B, C]
      out.set(probs.dataSync() as Float32Array, idx[0] * ds.numClasses);
      probs.dispose();
    }
  } finally {
    images.dispose();
  }
  return out;
}
