/**
 * Novelty of generated models as p-diff measures it: the IoU of wrong-prediction sets,
 * |W1 ∩ W2| / |W1 ∪ W2|, against the most similar original. 1 means the same mistakes (a copy).
 */
import * as tf from '@tensorflow/tfjs';

/** The set of examples a model gets wrong, as a bit mask. */
export function wrongSet(predictions: ArrayLike<number>, labels: ArrayLike<number>): Uint8Array {
  if (predictions.length !== labels.length) throw new Error(`${predictions.length} predictions for ${labels.length} labels`);
  const wrong = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) wrong[i] = predictions[i] !== labels[i] ? 1 : 0;
  return wrong;
}

/** IoU of two wrong sets; two empty sets are identical (1). */
export function iou(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`wrong sets of different lengths ${a.length} and ${b.length}`);
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    inter += a[i] & b[i];
    union += a[i] | b[i];
  }
  return union === 0 ? 1 : inter / union;
}

/** Wrong sets as the rows of a 0/1 matrix [count, length]. */
function maskMatrix(sets: readonly Uint8Array[], length: number): tf.Tensor2D {
  const data = new Float32Array(sets.length * length);
  sets.forEach((set, i) => {
    if (set.length !== length) throw new Error(`wrong sets of different lengths ${length} and ${set.length}`);
    data.set(set, i * length);
  });
  return tf.tensor2d(data, [sets.length, length]);
}

/**
 * For each set of `queries`, the max IoU with any set of `references`; with `excludeSame`
 * (queries = references) a set is not compared with itself. The intersections of all pairs are
 * one product of the 0/1 masks (counts below 2^24 are exact in float32); the ratios are taken in
 * double, as iou() takes them.
 */
export function maxIoU(queries: readonly Uint8Array[], references: readonly Uint8Array[], excludeSame = false): number[] {
  if (queries.length === 0) return [];
  const length = queries[0].length;
  const [inter, querySizes, referenceSizes] = references.length === 0 ? [new Float32Array(0), [], []] : tf.tidy(() => {
    const [q, r] = [maskMatrix(queries, length), maskMatrix(references, length)];
    return [tf.matMul(q, r, false, true), q.sum(1), r.sum(1)].map((t) => t.dataSync() as Float32Array);
  });
  return queries.map((_, i) => {
    let best = Number.NEGATIVE_INFINITY;
    references.forEach((__, j) => {
      if (excludeSame && i === j) return;
      const both = inter[i * references.length + j];
      const union = querySizes[i] + referenceSizes[j] - both;
      best = Math.max(best, union === 0 ? 1 : both / union);
    });
    return best;
  });
}
