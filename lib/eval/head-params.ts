/**
 * The head parameters of M models for `ModelSplit.headMany`: the subset's columns of the
 * vectors, [M, ...shape] each, and the model's own value, [1, ...shape], for the rest.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelSplit } from '../models/split';
import type { TaskModel } from '../models/task-model';
import type { ParamManifest } from '../params/types';
import { InputError } from '../util/errors';

/** Caller disposes the returned tensors. */
export function headParamsOf(model: TaskModel, split: ModelSplit, manifest: ParamManifest, vectors: tf.Tensor2D): Map<string, tf.Tensor> {
  const byName = new Map(manifest.entries.map((e) => [e.name, e]));
  const m = vectors.shape[0];
  const params = new Map<string, tf.Tensor>();
  for (const name of split.headParams) {
    const entry = byName.get(name);
    const own = model.params.get(name);
    if (!own) throw new InputError(`the ${model.kind} model has no parameter ${name}`);
    params.set(name, tf.tidy(() => entry
      ? vectors.slice([0, entry.offset], [m, entry.size]).reshape([m, ...entry.shape])
      : own.expandDims(0)));
  }
  return params;
}
