/**
 * The head parameters of M models for `ModelSplit.headMany`: the subset's columns of the
 * vectors, [M, ...shape] each, and the model's own value, [1, ...shape], for the rest.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelSplit } from '../models/split';
import type { TaskModel } from '../models/task-model';
import type { ParamManifest, VectorSet } from '../params/types';
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

/** Rejects vectors that do not fit the subset or hold NaN/Infinity, before any work. */
export function checkSubsetVectors(vectors: VectorSet, manifest: ParamManifest): void {
  if (vectors.dim !== manifest.size) throw new InputError(`vectors have dim ${vectors.dim}, the subset has ${manifest.size}`);
  const bad = vectors.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new InputError(`parameter vector ${Math.floor(bad / vectors.dim)} holds ${vectors.data[bad]}`);
}

/** A block of models × images: models [m0, m0 + models), images [i0, i0 + images). */
export interface HeadBlock {
  m0: number;
  models: number;
  i0: number;
  images: number;
}

/**
 * Runs the heads of all vectors on cached features in blocks of models × images, the memory
 * bound of evaluation. Each block of images is sliced once and met by every block of models,
 * whose parameters are laid out once beforehand. `read` turns each block's logits [M, images, C]
 * into what the caller keeps (inside a tidy: it may make tensors, and must read back what it needs).
 */
export function forEachHeadBlock(
  model: TaskModel, split: ModelSplit, manifest: ParamManifest, vectors: VectorSet, features: tf.Tensor,
  chunks: { modelsPerChunk: number; imagesPerChunk: number }, read: (logits: tf.Tensor3D, block: HeadBlock) => void,
): void {
  const n = features.shape[0];
  const modelBlocks: { m0: number; models: number; params: Map<string, tf.Tensor> }[] = [];
  try {
    for (let m0 = 0; m0 < vectors.count; m0 += chunks.modelsPerChunk) {
      const models = Math.min(chunks.modelsPerChunk, vectors.count - m0);
      const chunk = tf.tensor2d(vectors.data.subarray(m0 * vectors.dim, (m0 + models) * vectors.dim), [models, vectors.dim]);
      try {
        modelBlocks.push({ m0, models, params: headParamsOf(model, split, manifest, chunk) });
      } finally {
        chunk.dispose();
      }
    }
    for (let i0 = 0; i0 < n; i0 += chunks.imagesPerChunk) {
      const images = Math.min(chunks.imagesPerChunk, n - i0);
      const block = features.slice(i0, images);
      try {
        for (const { m0, models, params } of modelBlocks) {
          tf.tidy(() => read(split.headMany(block, params), { m0, models, i0, images }));
        }
      } finally {
        block.dispose();
      }
    }
  } finally {
    for (const { params } of modelBlocks) tf.dispose([...params.values()]);
  }
}
