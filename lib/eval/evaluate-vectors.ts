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
import { headParamsOf } from './head-params';

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
  if (vectors.dim !== manifest.size) throw new InputError(`vectors have dim ${vectors.dim}, the subset has ${manifest.size}`);
  if (features.shape[0] !== labels.length) throw new InputError(`${features.shape[0]} feature rows for ${labels.length} labels`);
  const bad = vectors.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new InputError(`parameter vector ${Math.floor(bad / vectors.dim)} holds ${vectors.data[bad]}`);
  const n = labels.length;
  const predictions = Array.from({ length: vectors.count }, () => new Int32Array(n));
  for (let m0 = 0; m0 < vectors.count; m0 += options.modelsPerChunk) {
    const mCount = Math.min(options.modelsPerChunk, vectors.count - m0);
    const chunk = tf.tensor2d(vectors.data.subarray(m0 * vectors.dim, (m0 + mCount) * vectors.dim), [mCount, vectors.dim]);
    const params = headParamsOf(model, split, manifest, chunk);
    try {
      for (let i0 = 0; i0 < n; i0 += options.imagesPerChunk) {
        const iCount = Math.min(options.imagesPerChunk, n - i0);
        const pred = tf.tidy(() => {
          const x = features.slice(i0, iCount);
          return split.headMany(x, params).argMax(2); // [M, iCount]
        });
        const values = pred.dataSync() as Int32Array;
        pred.dispose();
        for (let j = 0; j < mCount; j++) predictions[m0 + j].set(values.subarray(j * iCount, (j + 1) * iCount), i0);
      }
    } finally {
      tf.dispose([chunk, ...params.values()]);
    }
  }
  const accuracy = predictions.map((p) => {
    let correct = 0;
    for (let i = 0; i < n; i++) if (p[i] === labels[i]) correct++;
    return n ? correct / n : 0;
  });
  return { accuracy, predictions };
}
