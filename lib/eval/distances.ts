/**
 * Distances between models for the copying audit (design.md, "Recipe: is it memorising?"):
 * Euclidean in weight space, and in function space the mean total-variation distance of the
 * models' class probabilities on a fixed probe set.
 */
import * as tf from '@tensorflow/tfjs';
import type { VectorSet } from '../params/types';
import { InputError } from '../util/errors';
import { assertFinite } from '../util/finite';

/**
 * `euclidean`: ‖a − b‖₂ of weight vectors. `tv`: rows are [N_probe, C] class probabilities,
 * flattened probe-major; distance = (1/N) Σ_i ½‖p_i − q_i‖₁ (see meanTotalVariation).
 */
export type Metric = { kind: 'euclidean' } | { kind: 'tv'; classes: number };

/** Nearest reference row of each query row: its index and its distance. JSON-able. */
export interface Neighbours {
  distance: number[];
  index: number[];
}

export interface NeighbourOptions {
  /** Queries and reference are the same set: row i is never its own neighbour. Default false. */
  excludeSelf?: boolean;
  /** Default Euclidean. */
  metric?: Metric;
}

/** ‖a − b‖² accumulated in double. */
export function squaredEuclidean(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) {
    const t = a[k] - b[k];
    s += t * t;
  }
  return s;
}

/**
 * (1/N) Σ_i ½ Σ_c |p_ic − q_ic| over N = length/classes probe images. Per image the total
 * variation between two categorical distributions: in [0, 1] (0 identical, 1 disjoint support),
 * the largest difference in probability the two models give any event. It compares outputs
 * only, so it is blind to hidden-unit permutations and other reparametrisations of the weights.
 */
export function meanTotalVariation(p: Float32Array, q: Float32Array, classes: number): number {
  let s = 0;
  for (let k = 0; k < p.length; k++) s += Math.abs(p[k] - q[k]);
  return (0.5 * s) / (p.length / classes);
}

function validate(queries: VectorSet, reference: VectorSet, metric: Metric, excludeSelf: boolean): void {
  if (queries.dim !== reference.dim) throw new InputError(`queries have ${queries.dim} dims, the reference ${reference.dim}`);
  if (reference.count < (excludeSelf ? 2 : 1)) throw new InputError(`the reference set needs at least ${excludeSelf ? 2 : 1} rows, got ${reference.count}`);
  if (excludeSelf && queries.count !== reference.count) throw new InputError('excludeSelf needs the queries to be the reference set');
  if (metric.kind === 'tv' && !(Number.isInteger(metric.classes) && metric.classes > 0 && queries.dim % metric.classes === 0)) {
    throw new InputError(`rows of ${queries.dim} probabilities do not split into ${metric.classes} classes per probe image`);
  }
  assertFinite(queries.data, queries.dim, 'queries');
  assertFinite(reference.data, reference.dim, 'reference');
}

const UNIT_ROUNDOFF = 2 ** -24; // float32

/** Float32 rows minus a double-precision mean, and their squared norms in double. */
function centred(set: VectorSet, mean: Float64Array): { data: Float32Array; norms: Float64Array } {
  const { count, dim } = set;
  const data = new Float32Array(count * dim);
  const norms = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < dim; k++) {
      data[i * dim + k] = set.data[i * dim + k] - mean[k];
      norms[i] += data[i * dim + k] ** 2; // of the float32 value the product sees
    }
  }
  return { data, norms };
}

/**
 * Candidates from one float32 product, ‖q − r‖² ≈ ‖q‖² + ‖r‖² − 2q·r on rows centred on the
 * reference mean (so the norms, and the cancellation, stay small), then the exact distance in
 * double for every row that rounding could make the nearest. Any-order float32 dot products err
 * by at most γ_D·Σ|q_k r_k| ≤ γ_D(‖q‖² + ‖r‖²)/2, γ_D = D·u/(1 − D·u) (Higham, Accuracy and
 * Stability of Numerical Algorithms, §3.1); centring in float32 adds < 8u(‖q‖² + ‖r‖²).
 */
function euclideanNeighbours(queries: VectorSet, reference: VectorSet, excludeSelf: boolean): Neighbours {
  const { dim } = queries;
  const [nq, nr] = [queries.count, reference.count];
  const mean = new Float64Array(dim);
  for (let j = 0; j < nr; j++) for (let k = 0; k < dim; k++) mean[k] += reference.data[j * dim + k];
  for (let k = 0; k < dim; k++) mean[k] /= nr;
  const q = centred(queries, mean);
  const r = centred(reference, mean);
  const cross = tf.tidy(() => tf.matMul(tf.tensor2d(q.data, [nq, dim]), tf.tensor2d(r.data, [nr, dim]), false, true).dataSync()); // [nq, nr]
  const u = UNIT_ROUNDOFF;
  const rel = (dim * u) / (1 - dim * u) + 8 * u;
  const out: Neighbours = { distance: [], index: [] };
  for (let i = 0; i < nq; i++) {
    const approx = (j: number) => q.norms[i] + r.norms[j] - 2 * cross[i * nr + j];
    const slack = (j: number) => rel * (q.norms[i] + r.norms[j]);
    let upper = Number.POSITIVE_INFINITY;
    for (let j = 0; j < nr; j++) if (!(excludeSelf && i === j)) upper = Math.min(upper, approx(j) + slack(j));
    let best = Number.POSITIVE_INFINITY;
    let bestIndex = -1;
    const row = queries.data.subarray(i * dim, (i + 1) * dim);
    for (let j = 0; j < nr; j++) {
      if ((excludeSelf && i === j) || approx(j) - slack(j) > upper) continue;
      const d2 = squaredEuclidean(row, reference.data.subarray(j * dim, (j + 1) * dim));
      if (d2 < best) [best, bestIndex] = [d2, j];
    }
    out.distance.push(Math.sqrt(best));
    out.index.push(bestIndex);
  }
  return out;
}

/** All pairs, in double (the L1 norm has no product form). */
function tvNeighbours(queries: VectorSet, reference: VectorSet, excludeSelf: boolean, classes: number): Neighbours {
  const { dim } = queries;
  const out: Neighbours = { distance: [], index: [] };
  for (let i = 0; i < queries.count; i++) {
    const row = queries.data.subarray(i * dim, (i + 1) * dim);
    let [best, bestIndex] = [Number.POSITIVE_INFINITY, -1];
    for (let j = 0; j < reference.count; j++) {
      if (excludeSelf && i === j) continue;
      const d = meanTotalVariation(row, reference.data.subarray(j * dim, (j + 1) * dim), classes);
      if (d < best) [best, bestIndex] = [d, j];
    }
    out.distance.push(best);
    out.index.push(bestIndex);
  }
  return out;
}

/**
 * For each query row, the nearest reference row (the lowest index on exact ties) and its
 * distance under `metric`. Euclidean distances are exact (double) and the neighbour is the true
 * one on any float32 backend; 200 × 200 rows of 24,058 dims take ~0.3 s on the native backend (plain double loops: ~2.6 s).
 */
export function nearestNeighbours(queries: VectorSet, reference: VectorSet, options: NeighbourOptions = {}): Neighbours {
  const { excludeSelf = false, metric = { kind: 'euclidean' } } = options;
  validate(queries, reference, metric, excludeSelf);
  if (queries.count === 0) return { distance: [], index: [] };
  return metric.kind === 'tv'
    ? tvNeighbours(queries, reference, excludeSelf, metric.classes)
    : euclideanNeighbours(queries, reference, excludeSelf);
}
