import { Rng } from '../util/rng';

/**
 * Index batches over n examples: a fresh seeded shuffle per call (one epoch), or the natural
 * order for evaluation. The last batch is kept even if it is short.
 */
export function* batchIndices(n: number, batchSize: number, rng?: Rng): Generator<Int32Array> {
  if (!(batchSize > 0)) throw new Error(`batch size must be positive, got ${batchSize}`);
  const order = rng ? rng.permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
  for (let start = 0; start < n; start += batchSize) yield order.subarray(start, Math.min(start + batchSize, n));
}

export function batchCount(n: number, batchSize: number): number {
  return Math.ceil(n / batchSize);
}
