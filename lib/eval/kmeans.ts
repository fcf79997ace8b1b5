/**
 * Seeded k-means: k-means++ seeding (Arthur & Vassilvitskii, SODA 2007), then Lloyd iterations
 * until no assignment changes. Partitions a zoo into the cells of the data-copying test.
 */
import { rowOf as row } from '../params/rows';
import type { VectorSet } from '../params/types';
import { InputError } from '../util/errors';
import { assertFinite } from '../util/finite';
import { Rng } from '../util/rng';
import { nearestNeighbours, squaredEuclidean } from './distances';

export interface KMeansOptions {
  /** Seeds the k-means++ draws; the same seed gives the same clustering. */
  seed: number;
  /** Lloyd iterations at most; default 100. */
  maxIter?: number;
}

export interface KMeans {
  k: number;
  /** [k, dim] cluster means. */
  centroids: VectorSet;
  /** Cluster of each fitted point: its nearest centroid (the lowest index on ties). */
  labels: number[];
  /** Σ over points of the squared distance to their centroid. */
  inertia: number;
  iterations: number;
  /** False when maxIter ran out while assignments still changed. */
  converged: boolean;
  /** Nearest centroid of each row of `points` (same dim). */
  assign(points: VectorSet): number[];
}

/**
 * k-means++: the first centre uniformly, each next one with probability D(x)²/Σ D², D(x) the
 * distance to the nearest centre chosen so far. Fewer than k distinct points leave Σ D² = 0
 * before k centres are found: that is an InputError, not a silent smaller k.
 */
function seedCentres(points: VectorSet, k: number, rng: Rng): number[] {
  const chosen = [rng.int(points.count)];
  const d2 = Array.from({ length: points.count }, (_, i) => squaredEuclidean(row(points, i), row(points, chosen[0])));
  while (chosen.length < k) {
    const total = d2.reduce((a, b) => a + b, 0);
    if (!(total > 0)) throw new InputError(`k-means with k = ${k}: the points have only ${chosen.length} distinct rows`);
    const target = rng.uniform() * total;
    let next = -1;
    for (let i = 0, cum = 0; i < d2.length; i++) {
      if (d2[i] === 0) continue;
      next = i; // the last positive one if rounding leaves cum ≤ target
      cum += d2[i];
      if (cum > target) break;
    }
    chosen.push(next);
    for (let i = 0; i < d2.length; i++) d2[i] = Math.min(d2[i], squaredEuclidean(row(points, i), row(points, next)));
  }
  return chosen;
}

/** Means of the points of each cluster; a cluster left empty keeps its previous centroid. */
function updateCentroids(points: VectorSet, labels: number[], previous: VectorSet): VectorSet {
  const { dim } = points;
  const k = previous.count;
  const sums = new Float64Array(k * dim);
  const counts = new Array<number>(k).fill(0);
  labels.forEach((c, i) => {
    counts[c]++;
    for (let d = 0; d < dim; d++) sums[c * dim + d] += points.data[i * dim + d];
  });
  const data = Float32Array.from(previous.data);
  for (let c = 0; c < k; c++) {
    if (counts[c] > 0) for (let d = 0; d < dim; d++) data[c * dim + d] = sums[c * dim + d] / counts[c];
  }
  return { count: k, dim, data };
}

/** k-means of the rows of `points` (Lloyd 1982 after k-means++ seeding). */
export function kmeans(points: VectorSet, k: number, options: KMeansOptions): KMeans {
  const { seed, maxIter = 100 } = options;
  if (!(Number.isInteger(k) && k >= 1 && k <= points.count)) {
    throw new InputError(`k-means needs 1 ≤ k ≤ ${points.count} (the number of points), got k = ${k}`);
  }
  assertFinite(points.data, points.dim, 'k-means points');
  const seeds = seedCentres(points, k, new Rng(seed));
  let centroids: VectorSet = { count: k, dim: points.dim, data: new Float32Array(k * points.dim) };
  seeds.forEach((s, c) => centroids.data.set(row(points, s), c * points.dim));
  const assign = (set: VectorSet) => nearestNeighbours(set, centroids).index;
  let labels = assign(points);
  let iterations = 0;
  let converged = false;
  while (!converged && iterations < maxIter) {
    centroids = updateCentroids(points, labels, centroids);
    iterations++;
    const next = assign(points);
    converged = next.every((c, i) => c === labels[i]);
    labels = next;
  }
  const inertia = labels.reduce((s, c, i) => s + squaredEuclidean(row(points, i), row(centroids, c)), 0);
  return { k, centroids, labels, inertia, iterations, converged, assign };
}
