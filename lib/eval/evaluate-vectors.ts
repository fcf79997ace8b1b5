/**
 * Test many parameter vectors of one subset on one split of data, fast: the frozen features are
 * computed once (computeFeatures), then chunks of models × chunks of images run the head of
 * all models of a chunk in one pass (ModelSplit.headMany).
 */
import * as tf from '@tensorflow/tfjs';
import type { TaskModel } from '../models/task-model';
import type { ModelSplit } from '../models/split';
import type { ParamManifest, VectorSet } from '../params/types';
import { InputError } from '../util/errors';
import { checkSubsetVectors, forEachHeadBlock } from './head-params';

export interface VectorEvaluation {
  /** Accuracy of each model in [0, 1]. */
  accuracy: number[];
  /** Predicted class of each model for each example: [M][N]. */
  predictions: Int32Array[];
}

export interface EvaluateVectorsOptions {
  /** Models per pass (memory: models × images × feature size floats). */
  modelsPerChunk: number;
  /** Images per pass. */
  imagesPerChunk: number;
}

export const defaultEvaluateVectorsOptions: EvaluateVectorsOptions = { modelsPerChunk: 10, imagesPerChunk: 1000 };

export function evaluateVectors(
  model: TaskModel, split: ModelSplit, manifest: ParamManifest, vectors: VectorSet,
  features: tf.Tensor, labels: Int32Array, options: EvaluateVectorsOptions = defaultEvaluateVectorsOptions,
): VectorEvaluation {
  checkSubsetVectors(vectors, manifest);
  if (features.shape[0] !== labels.length) throw new InputError(`${features.shape[0]} feature rows for ${labels.length} labels`);
  const n = labels.length;
  const predictions = Array.from({ length: vectors.count }, () => new Int32Array(n));
  forEachHeadBlock(model, split, manifest, vectors, features, options, (logits, { m0, models, i0, images }) => {
    const values = logits.argMax(2).dataSync() as Int32Array; // [M, images]
    for (let j = 0; j < models; j++) predictions[m0 + j].set(values.subarray(j * images, (j + 1) * images), i0);
  });
  const accuracy = predictions.map((p) => {
    let correct = 0;
    for (let i = 0; i < n; i++) if (p[i] === labels[i]) correct++;
    return n ? correct / n : 0;
  });
  return { accuracy, predictions };
}
