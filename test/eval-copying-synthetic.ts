// Synthetic zoos for the copying-audit tests: Gaussian clusters in a few dimensions.
import type { VectorSet } from '../lib/params/types';
import { Rng } from '../lib/util/rng';

/** `k` cluster centres with coordinates N(0, spread²). */
export function clusterCentres(rng: Rng, k: number, dim: number, spread: number): Float64Array[] {
  return Array.from({ length: k }, () => Float64Array.from(rng.normalArray(dim, spread)));
}

/** `count` points, each around a uniformly chosen centre with N(0, sigma²) noise; `labels` the centre of each. */
export function sampleClusters(rng: Rng, centres: Float64Array[], count: number, sigma: number): VectorSet & { labels: number[] } {
  const dim = centres[0].length;
  const data = new Float32Array(count * dim);
  const labels: number[] = [];
  for (let i = 0; i < count; i++) {
    const c = rng.int(centres.length);
    labels.push(c);
    for (let d = 0; d < dim; d++) data[i * dim + d] = centres[c][d] + sigma * rng.normal();
  }
  return { count, dim, data, labels };
}

/** `count` rows picked uniformly from `set`, each plus N(0, sigma²) noise: near-copies when sigma is tiny. */
export function noisyCopies(rng: Rng, set: VectorSet, count: number, sigma: number): VectorSet {
  const data = new Float32Array(count * set.dim);
  for (let i = 0; i < count; i++) {
    const r = rng.int(set.count);
    for (let d = 0; d < set.dim; d++) data[i * set.dim + d] = set.data[r * set.dim + d] + sigma * rng.normal();
  }
  return { count, dim: set.dim, data };
}
