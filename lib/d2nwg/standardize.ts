/**
 * Per-dimension standardisation of latents before diffusion: the VAE's latent means have no set
 * scale, while the diffusion schedule assumes data of about unit variance.
 */
import type { VectorSet } from '../params/types';

export interface Standardizer {
  mean: Float64Array;
  std: Float64Array;
  apply(set: VectorSet): VectorSet;
  invert(set: VectorSet): VectorSet;
}

/** Mean and standard deviation of each column of `set` (std floored so constant columns pass through). */
export function fitStandardizer(set: VectorSet): Standardizer {
  const { count, dim, data } = set;
  const mean = new Float64Array(dim);
  const std = new Float64Array(dim);
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) mean[j] += data[i * dim + j] / count;
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) std[j] += (data[i * dim + j] - mean[j]) ** 2 / count;
  for (let j = 0; j < dim; j++) std[j] = Math.max(Math.sqrt(std[j]), 1e-8);
  const map = (s: VectorSet, f: (v: number, j: number) => number): VectorSet => ({
    count: s.count, dim: s.dim, data: Float32Array.from(s.data, (v, i) => f(v, i % s.dim)),
  });
  return {
    mean, std,
    apply: (s) => map(s, (v, j) => (v - mean[j]) / std[j]),
    invert: (s) => map(s, (v, j) => v * std[j] + mean[j]),
  };
}
