/**
 * Novelty of generated models as p-diff measures it: the IoU of wrong-prediction sets,
 * |W1 ∩ W2| / |W1 ∪ W2|, against the most similar original. 1 means the same mistakes (a copy).
 */

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

/**
 * For each set of `queries`, the max IoU with any set of `references`; with `excludeSame`
 * (queries = references) a set is not compared with itself.
 */
export function maxIoU(queries: readonly Uint8Array[], references: readonly Uint8Array[], excludeSame = false): number[] {
  return queries.map((q, i) => {
    let best = Number.NEGATIVE_INFINITY;
    references.forEach((r, j) => {
      if (!(excludeSame && i === j)) best = Math.max(best, iou(q, r));
    });
    return best;
  });
}
