/** The baselines an honest p-diff report needs, in raw parameter space. */
import type { VectorSet } from '../params/types';
import { Rng } from '../util/rng';

/** Each original plus N(0, σ²) noise on every parameter. */
export function addGaussianNoise(originals: VectorSet, sigma: number, seed: number): VectorSet {
  const rng = new Rng(seed);
  const data = Float32Array.from(originals.data, (v) => v + sigma * rng.normal());
  return { count: originals.count, dim: originals.dim, data };
}

/** The element-wise mean of the originals, as one vector. */
export function weightAverage(originals: VectorSet): VectorSet {
  const sum = new Float64Array(originals.dim);
  for (let k = 0; k < originals.count; k++) {
    for (let d = 0; d < originals.dim; d++) sum[d] += originals.data[k * originals.dim + d];
  }
  return { count: 1, dim: originals.dim, data: Float32Array.from(sum, (s) => s / originals.count) };
}
