import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../data/dataset';
import { batchIndices } from '../models/batches';
import { gatherRows, imagesTensor } from '../models/evaluate';
import type { ModelSplit } from '../models/split';

/** Frozen features of a dataset: the split's trunk over every image, once, in batches. */
export function computeFeatures(split: ModelSplit, ds: ImageDataset, batchSize = 500): tf.Tensor {
  const images = imagesTensor(ds);
  const parts: tf.Tensor[] = [];
  try {
    for (const idx of batchIndices(ds.labels.length, batchSize)) {
      parts.push(tf.tidy(() => split.trunk(gatherRows(images, idx))));
    }
    return tf.concat(parts, 0);
  } finally {
    tf.dispose([images, ...parts]);
  }
}
