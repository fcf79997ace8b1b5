/** The baselines an honest p-diff report needs, in raw parameter space. */
import { meanRow, rowOf } from '../params/rows';
import type { VectorSet } from '../params/types';
import { InputError } from '../util/errors';
import { Rng } from '../util/rng';

/** Each original plus N(0, σ²) noise on every parameter. */
export function addGaussianNoise(originals: VectorSet, sigma: number, seed: number): VectorSet {
  const rng = new Rng(seed);
  const data = Float32Array.from(originals.data, (v) => v + sigma * rng.normal());
  return { count: originals.count, dim: originals.dim, data };
}

/** The element-wise mean of the originals, as one vector. */
export function weightAverage(originals: VectorSet): VectorSet {
  return { count: 1, dim: originals.dim, data: meanRow(originals) };
}

/** `count` points on the segments between random pairs of distinct originals, (1 − α)·a + α·b with α ~ U(0, 1). */
export function interpolatePairs(originals: VectorSet, count: number, seed: number): VectorSet {
  if (originals.count < 2) throw new InputError(`interpolating pairs needs at least 2 originals, got ${originals.count}`);
  const rng = new Rng(seed);
  const { dim } = originals;
  const data = new Float32Array(count * dim);
  for (let m = 0; m < count; m++) {
    const i = rng.int(originals.count);
    const j = (i + 1 + rng.int(originals.count - 1)) % originals.count; // any other member
    const alpha = rng.uniform();
    const [a, b] = [rowOf(originals, i), rowOf(originals, j)];
    for (let d = 0; d < dim; d++) data[m * dim + d] = (1 - alpha) * a[d] + alpha * b[d];
  }
  return { count, dim, data };
}
