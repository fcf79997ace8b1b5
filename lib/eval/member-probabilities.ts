/**
 * Softmax outputs of many parameter vectors of one subset on one split, fast: like
 * evaluateVectors, the frozen features are computed once by the caller and chunks of models ×
 * chunks of images run through `ModelSplit.headMany`, but every member's class probabilities are
 * kept (for ensembles and calibration), not only its argmax.
 */
import * as tf from '@tensorflow/tfjs';
import type { MemberOutputs } from '../ensemble/outputs';
import type { ModelSplit } from '../models/split';
import type { TaskModel } from '../models/task-model';
import type { ParamManifest, VectorSet } from '../params/types';
import { InputError } from '../util/errors';
import { defaultEvaluateVectorsOptions, type EvaluateVectorsOptions } from './evaluate-vectors';
import { headParamsOf } from './head-params';

/**
 * Member m's [N, C] softmax probabilities on the N rows of `features`, for every vector of
 * `vectors` (memory of the result: M × N × C float32).
 */
export function memberProbabilities(
  model: TaskModel, split: ModelSplit, manifest: ParamManifest, vectors: VectorSet,
  features: tf.Tensor, options: EvaluateVectorsOptions = defaultEvaluateVectorsOptions,
): MemberOutputs {
  if (vectors.dim !== manifest.size) throw new InputError(`vectors have dim ${vectors.dim}, the subset has ${manifest.size}`);
  if (vectors.count < 1) throw new InputError('no parameter vectors to evaluate');
  const bad = vectors.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new InputError(`parameter vector ${Math.floor(bad / vectors.dim)} holds ${vectors.data[bad]}`);
  const n = features.shape[0];
  let classes = 0;
  const members: Float32Array[] = [];
  for (let m0 = 0; m0 < vectors.count; m0 += options.modelsPerChunk) {
    const mCount = Math.min(options.modelsPerChunk, vectors.count - m0);
    const chunk = tf.tensor2d(vectors.data.subarray(m0 * vectors.dim, (m0 + mCount) * vectors.dim), [mCount, vectors.dim]);
    const params = headParamsOf(model, split, manifest, chunk);
    try {
      for (let i0 = 0; i0 < n; i0 += options.imagesPerChunk) {
        const iCount = Math.min(options.imagesPerChunk, n - i0);
        const probs = tf.tidy(() => tf.softmax(split.headMany(features.slice(i0, iCount), params), 2)); // [M, iCount, C]
        if (!classes) {
          classes = probs.shape[2];
          for (let j = 0; j < vectors.count; j++) members.push(new Float32Array(n * classes));
        }
        const values = probs.dataSync() as Float32Array;
        probs.dispose();
        const rows = iCount * classes;
        for (let j = 0; j < mCount; j++) members[m0 + j].set(values.subarray(j * rows, (j + 1) * rows), i0 * classes);
      }
    } finally {
      tf.dispose([chunk, ...params.values()]);
    }
  }
  return { classes, examples: n, members };
}
