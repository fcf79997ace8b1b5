/** Straight paths between two vectors (latents, parameters), for probing what lies between models. */
import type { VectorSet } from '../params/types';
import { InputError } from '../util/errors';

/** `points` evenly spaced mixing weights α from 0 to 1, both ends included. */
export function interpolationWeights(points: number): number[] {
  if (!(Number.isInteger(points) && points >= 2)) throw new InputError(`an interpolation needs at least 2 points, got ${points}`);
  return Array.from({ length: points }, (_, i) => i / (points - 1));
}

/** (1 − α)·a + α·b for each α, as a set of alphas.length vectors. */
export function interpolateLinear(a: ArrayLike<number>, b: ArrayLike<number>, alphas: readonly number[]): VectorSet {
  if (a.length !== b.length) throw new InputError(`cannot interpolate between vectors of lengths ${a.length} and ${b.length}`);
  const dim = a.length;
  const data = new Float32Array(alphas.length * dim);
  alphas.forEach((alpha, n) => {
    for (let d = 0; d < dim; d++) data[n * dim + d] = (1 - alpha) * a[d] + alpha * b[d];
  });
  return { count: alphas.length, dim, data };
}

/** The two rows of a set farthest apart in Euclidean distance (the first such pair, i < j). */
export function farthestPair(set: VectorSet): [number, number] {
  if (set.count < 2) throw new InputError(`need at least 2 vectors to pick a pair, got ${set.count}`);
  let best: [number, number] = [0, 1];
  let bestDistance = -1;
  for (let i = 0; i < set.count; i++) {
    for (let j = i + 1; j < set.count; j++) {
      let s = 0;
      for (let d = 0; d < set.dim; d++) s += (set.data[i * set.dim + d] - set.data[j * set.dim + d]) ** 2;
      if (s > bestDistance) {
        bestDistance = s;
        best = [i, j];
      }
    }
  }
  return best;
}
