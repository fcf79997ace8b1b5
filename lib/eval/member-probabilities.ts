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
import { checkSubsetVectors, forEachHeadBlock } from './head-params';

/**
 * Member m's [N, C] softmax probabilities on the N rows of `features`, for every vector of
 * `vectors` (memory of the result: M × N × C float32).
 */
export function memberProbabilities(
  model: TaskModel, split: ModelSplit, manifest: ParamManifest, vectors: VectorSet,
  features: tf.Tensor, options: EvaluateVectorsOptions = defaultEvaluateVectorsOptions,
): MemberOutputs {
  checkSubsetVectors(vectors, manifest);
  if (vectors.count < 1) throw new InputError('no parameter vectors to evaluate');
  const n = features.shape[0];
  let classes = 0;
  const members: Float32Array[] = [];
  forEachHeadBlock(model, split, manifest, vectors, features, options, (logits, { m0, models, i0, images }) => {
    const probs = tf.softmax(logits, 2); // [M, images, C]
    if (!classes) {
      classes = probs.shape[2];
      for (let j = 0; j < vectors.count; j++) members.push(new Float32Array(n * classes));
    }
    const values = probs.dataSync() as Float32Array;
    const rows = images * classes;
    for (let j = 0; j < models; j++) members[m0 + j].set(values.subarray(j * rows, (j + 1) * rows), i0 * classes);
  });
  return { classes, examples: n, members };
}
