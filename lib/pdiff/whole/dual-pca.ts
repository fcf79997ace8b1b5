/**
 * Dual PCA of N vectors of length D ≫ N (DeepWeightFlow compresses large networks so before the
 * flow): the eigenvectors v_i of the N×N Gram matrix G = Z·Zᵀ / N of the centred rows Z give the
 * principal axes u_i = Zᵀ·v_i / √(N·λ_i) without the D×D covariance. Rows are encoded as whitened
 * coefficients c_i = ⟨z − μ, u_i⟩ / √λ_i (unit variance, what a flow from N(0, I) wants) and
 * decoded as μ + Σ c_i·√λ_i·u_i. With all axes of non-zero variance (at most N − 1), the training
 * rows decode exactly; everything generated lies in their affine span.
 */
import { symmetricEigen } from '../../eval/pca';
import type { VectorSet } from '../../params/types';
import { InputError } from '../../util/errors';
import { rowOf } from '../../params/rows';

export interface DualPca {
  /** μ, length D. */
  mean: Float64Array;
  /** Unit axes u_i, each of length D, largest variance first. */
  axes: Float64Array[];
  /** √λ_i: the standard deviation of the rows along each axis. */
  scale: number[];
}

/** Axes of variance below this share of the largest are dropped (numerically zero). */
const RELATIVE_FLOOR = 1e-10;

/** Fits the `components` axes of largest variance (null: every axis of non-zero variance). */
export function fitDualPca(set: VectorSet, components: number | null): DualPca {
  const { count: n, dim, data } = set;
  if (n < 2) throw new InputError(`PCA needs at least 2 rows, got ${n}`);
  if (components !== null && !(Number.isInteger(components) && components >= 1)) throw new InputError(`components must be null or a positive integer, got ${components}`);
  const mean = new Float64Array(dim);
  for (let r = 0; r < n; r++) for (let d = 0; d < dim; d++) mean[d] += data[r * dim + d] / n;
  const z = Array.from({ length: n }, (_, r) => Float64Array.from({ length: dim }, (_, d) => data[r * dim + d] - mean[d]));
  const gram = new Float64Array(n * n); // G = Z·Zᵀ / N
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += z[i][d] * z[j][d];
      gram[i * n + j] = gram[j * n + i] = s / n;
    }
  }
  const { values, vectors } = symmetricEigen(gram, n);
  const order = values.map((_, i) => i).sort((a, b) => values[b] - values[a]);
  const floor = values[order[0]] * RELATIVE_FLOOR;
  const kept = order.filter((i) => values[i] > floor).slice(0, components ?? n);
  const axes = kept.map((i) => {
    const u = new Float64Array(dim); // u_i = Zᵀ·v_i / √(N·λ_i)
    const norm = Math.sqrt(n * values[i]);
    for (let r = 0; r < n; r++) {
      const w = vectors[r * n + i] / norm;
      for (let d = 0; d < dim; d++) u[d] += w * z[r][d];
    }
    return u;
  });
  return { mean, axes, scale: kept.map((i) => Math.sqrt(values[i])) };
}

/** [M, D] rows → [M, k] whitened coefficients. */
export function pcaEncode(pca: DualPca, set: VectorSet): VectorSet {
  const { mean, axes, scale } = pca;
  if (set.dim !== mean.length) throw new InputError(`rows have ${set.dim} values, the PCA ${mean.length}`);
  const k = axes.length;
  const out = new Float32Array(set.count * k);
  for (let r = 0; r < set.count; r++) {
    const row = rowOf(set, r);
    axes.forEach((u, i) => {
      let s = 0;
      for (let d = 0; d < set.dim; d++) s += (row[d] - mean[d]) * u[d];
      out[r * k + i] = s / scale[i];
    });
  }
  return { count: set.count, dim: k, data: out };
}

/** [M, k] whitened coefficients → [M, D] rows. */
export function pcaDecode(pca: DualPca, coefficients: VectorSet): VectorSet {
  const { mean, axes, scale } = pca;
  const k = axes.length;
  if (coefficients.dim !== k) throw new InputError(`coefficients have ${coefficients.dim} values, the PCA ${k} axes`);
  const dim = mean.length;
  const out = new Float32Array(coefficients.count * dim);
  for (let r = 0; r < coefficients.count; r++) {
    const row = Float64Array.from(mean);
    axes.forEach((u, i) => {
      const c = coefficients.data[r * k + i] * scale[i];
      for (let d = 0; d < dim; d++) row[d] += c * u[d];
    });
    out.set(row, r * dim);
  }
  return { count: coefficients.count, dim, data: out };
}
