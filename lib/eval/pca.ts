/**
 * Principal component analysis of a set of vectors (latents, parameters), in float64: the
 * eigenvectors of the covariance matrix by cyclic Jacobi rotations (exact for symmetric
 * matrices, fine for the few hundred dimensions of a latent), sorted by explained variance.
 */
import type { VectorSet } from '../params/types';
import { InputError } from '../util/errors';

export interface Pca {
  /** Mean of the fitted vectors, length D. */
  mean: Float64Array;
  /** Unit principal axes, largest variance first, each of length D; sign: largest-magnitude entry positive. */
  components: Float64Array[];
  /** Variance along each component (population covariance). */
  variance: number[];
  /** Share of the total variance along each component (0 when the data do not vary at all). */
  varianceRatio: number[];
}

/** A 2-D (or k-D) point per projected vector. */
export type Projection = number[][];

/** Population covariance matrix, D×D row-major. */
function covariance(set: VectorSet, mean: Float64Array): Float64Array {
  const { count, dim, data } = set;
  const cov = new Float64Array(dim * dim);
  const centered = new Float64Array(dim);
  for (let n = 0; n < count; n++) {
    for (let d = 0; d < dim; d++) centered[d] = data[n * dim + d] - mean[d];
    for (let i = 0; i < dim; i++) {
      const ci = centered[i];
      for (let j = i; j < dim; j++) cov[i * dim + j] += ci * centered[j];
    }
  }
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) {
      cov[i * dim + j] /= count;
      cov[j * dim + i] = cov[i * dim + j];
    }
  }
  return cov;
}

/**
 * Eigen-decomposition of a symmetric n×n matrix by cyclic Jacobi rotations (Golub & Van Loan,
 * Matrix Computations, algorithm 8.5.3): returns the eigenvalues and the eigenvectors as columns of V.
 */
export function symmetricEigen(matrix: Float64Array, n: number): { values: number[]; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  const offNorm = () => {
    let s = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) s += a[i * n + j] ** 2;
    return s;
  };
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale += a[i] ** 2;
  for (let sweep = 0; sweep < 100 && offNorm() > 1e-30 * Math.max(scale, 1e-300); sweep++) {
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        // Rotation angle that zeroes a[p][q] (Golub & Van Loan eq. 8.5.4).
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) { // A ← A·J
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) { // A ← Jᵀ·A
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) { // V ← V·J
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: Array.from({ length: n }, (_, i) => a[i * n + i]), vectors: v };
}

/** Fits `components` principal axes to the vectors of `set`. */
export function fitPca(set: VectorSet, components = 2): Pca {
  const { count, dim, data } = set;
  if (count < 1 || data.length !== count * dim) throw new InputError(`PCA needs a non-empty [N, D] set, got ${count} × ${dim} with ${data.length} numbers`);
  if (!(Number.isInteger(components) && components >= 1 && components <= dim)) {
    throw new InputError(`PCA components must be an integer in [1, ${dim}], got ${components}`);
  }
  const mean = new Float64Array(dim);
  for (let n = 0; n < count; n++) for (let d = 0; d < dim; d++) mean[d] += data[n * dim + d] / count;
  const { values, vectors } = symmetricEigen(covariance(set, mean), dim);
  const order = values.map((_, i) => i).sort((i, j) => values[j] - values[i]).slice(0, components);
  const total = values.reduce((s, x) => s + Math.max(x, 0), 0);
  const axes = order.map((i) => {
    const axis = Float64Array.from({ length: dim }, (_, d) => vectors[d * dim + i]);
    const peak = axis.reduce((best, x) => (Math.abs(x) > Math.abs(best) ? x : best), 0);
    return peak < 0 ? axis.map((x) => -x) : axis;
  });
  const variance = order.map((i) => Math.max(values[i], 0));
  return { mean, components: axes, variance, varianceRatio: variance.map((v) => (total > 0 ? v / total : 0)) };
}

/** Coordinates of each vector of `set` along the fitted axes: (x − mean)·component. */
export function projectPca(pca: Pca, set: VectorSet): Projection {
  const dim = pca.mean.length;
  if (set.dim !== dim) throw new InputError(`PCA was fitted on ${dim}-dim vectors, got ${set.dim}`);
  return Array.from({ length: set.count }, (_, n) => pca.components.map((axis) => {
    let s = 0;
    for (let d = 0; d < dim; d++) s += (set.data[n * dim + d] - pca.mean[d]) * axis[d];
    return s;
  }));
}
