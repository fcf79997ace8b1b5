/**
 * Vector sets in and out of the autoencoder: the input check (dims, finite values) that runs
 * before any work, and row batching for the noise-free passes.
 */
import * as tf from '@tensorflow/tfjs';
import type { VectorSet } from '../params/types';
import { InputError } from '../util/errors';
import { assertFinite } from '../util/finite';

/** Rows per forward pass; InstanceNorm is per sample, so the batching never changes a result. */
export const DEFAULT_BATCH_SIZE = 256;

/**
 * Input values per noise-free autoencoder pass: a pass holds its intermediates until it ends (tens
 * of floats per input value), so long rows go fewer at a time. p-diff's subsets (≤ 4096 values)
 * keep DEFAULT_BATCH_SIZE; a whole MLP of 101,770 parameters goes 10 rows at a time.
 */
const PASS_VALUES = 1 << 20;

/** Rows per noise-free pass of an autoencoder whose rows hold `inDim` values. */
export function passRows(inDim: number): number {
  return Math.max(1, Math.min(DEFAULT_BATCH_SIZE, Math.floor(PASS_VALUES / inDim)));
}

/** Throws an InputError unless `set` is a non-empty, finite [count, dim] set. */
export function checkVectorSet(set: VectorSet, dim: number, what: string): void {
  if (set.dim !== dim) throw new InputError(`${what} has dim ${set.dim}, the autoencoder expects ${dim}`);
  if (!Number.isInteger(set.count) || set.count < 1) throw new InputError(`${what} must hold at least one vector, got count ${set.count}`);
  if (set.data.length !== set.count * set.dim) {
    throw new InputError(`${what} holds ${set.data.length} numbers, not count × dim = ${set.count} × ${set.dim}`);
  }
  assertFinite(set.data, set.dim, what);
}

/** Applies `fn` to row batches of `set`, collecting the [count, outDim] results. */
export function mapBatches(set: VectorSet, outDim: number, batchSize: number, fn: (x: tf.Tensor2D) => tf.Tensor2D): VectorSet {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InputError(`batch size must be a positive integer, got ${batchSize}`);
  const out = new Float32Array(set.count * outDim);
  for (let start = 0; start < set.count; start += batchSize) {
    const rows = Math.min(batchSize, set.count - start);
    const y = tf.tidy(() => fn(tf.tensor2d(set.data.subarray(start * set.dim, (start + rows) * set.dim), [rows, set.dim])));
    out.set(y.dataSync(), start * outDim);
    y.dispose();
  }
  return { count: set.count, dim: outDim, data: out };
}
