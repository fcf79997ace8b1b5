import { InputError } from '../util/errors';
import type { ParamManifest, VectorSet } from './types';

/**
 * `position`: one mean/std per vector position over the `count` vectors (p-diff);
 * `layer`: one mean/std per manifest entry over all its positions and all vectors.
 */
export type NormMode = 'position' | 'layer';
export const normModes: readonly NormMode[] = ['position', 'layer'];

/**
 * Normalisation statistics, plain JSON so a zoo can store them and decoding stays exact.
 * `position`: `mean`/`std` have one value per position.
 * `layer`: one value per layer; `sizes` gives each layer's length, in vector order.
 */
export type NormStats =
  | { mode: 'position'; mean: number[]; std: number[] }
  | { mode: 'layer'; sizes: number[]; mean: number[]; std: number[] };

/**
 * Fits statistics on a set. Std is the population std (divide by the number of values); a std of 0
 * (a position that never changes) becomes 1, as in p-diff, so it maps to 0 instead of NaN.
 * `layer` mode needs the manifest that describes the vectors.
 */
export function fitNormStats(set: VectorSet, mode: NormMode, manifest?: ParamManifest): NormStats {
  if (!normModes.includes(mode)) {
    throw new InputError(`unknown normalisation mode "${mode}"; expected one of ${normModes.join(', ')}`);
  }
  checkFinite(set, 'fitNormStats');
  if (set.count === 0) throw new InputError('cannot fit normalisation statistics on an empty set');
  if (mode === 'position') {
    const groups = Array.from({ length: set.dim }, (_, p) => ({ start: p, size: 1 }));
    return { mode, ...meanStd(set, groups) };
  }
  if (manifest === undefined) throw new InputError("normalisation mode 'layer' needs the parameter manifest");
  if (manifest.size !== set.dim) {
    throw new InputError(`manifest describes ${manifest.size} values, but the vectors have ${set.dim}`);
  }
  const groups = manifest.entries.map((e) => ({ start: e.offset, size: e.size }));
  return { mode, sizes: manifest.entries.map((e) => e.size), ...meanStd(set, groups) };
}

/** (x − mean) / std for every vector; returns a new set. */
export function normalize(set: VectorSet, stats: NormStats): VectorSet {
  return transform(set, stats, 'normalize', (x, mean, std) => (x - mean) / std);
}

/** x · std + mean for every vector: the inverse of `normalize` up to float32 rounding. */
export function denormalize(set: VectorSet, stats: NormStats): VectorSet {
  return transform(set, stats, 'denormalize', (x, mean, std) => x * std + mean);
}

/** Checks that stats (e.g. read from JSON) are usable for vectors of length `dim`. */
export function checkNormStats(stats: NormStats, dim: number): void {
  const groups = stats.mode === 'position' ? dim : stats.sizes.length;
  if (stats.mean.length !== groups || stats.std.length !== groups) {
    throw new InputError(
      `${stats.mode} normalisation needs ${groups} means and stds, got ${stats.mean.length} and ${stats.std.length}`,
    );
  }
  if (stats.mode === 'layer') {
    const total = stats.sizes.reduce((a, b) => a + b, 0);
    if (!stats.sizes.every((s) => Number.isSafeInteger(s) && s >= 0) || total !== dim) {
      throw new InputError(`layer normalisation sizes add up to ${total}, but the vectors have ${dim} values`);
    }
  }
  if (!stats.mean.every(Number.isFinite) || !stats.std.every((s) => Number.isFinite(s) && s > 0)) {
    throw new InputError('normalisation statistics must be finite, with every std > 0');
  }
}

/**
 * Per-column standardisation with statistics kept in float64 (D2NWG: the VAE's latent means have
 * no set scale, while the diffusion schedule assumes data of about unit variance). Unlike
 * `fitNormStats('position')`, a constant column gets std 1e-8, not 1, and the statistics are not
 * meant to be stored.
 */
export interface Standardizer {
  mean: Float64Array;
  std: Float64Array;
  /** (x − mean) / std per column. */
  apply(set: VectorSet): VectorSet;
  /** x · std + mean per column. */
  invert(set: VectorSet): VectorSet;
}

/** Mean and population std of each column of `set` (std floored at 1e-8 so constant columns pass through). */
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

/** Per-position mean and std, expanded from the stats' groups (positions or layers). */
export function perPositionStats(stats: NormStats, dim: number): { mean: Float64Array; std: Float64Array } {
  checkNormStats(stats, dim);
  if (stats.mode === 'position') return { mean: Float64Array.from(stats.mean), std: Float64Array.from(stats.std) };
  const mean = new Float64Array(dim);
  const std = new Float64Array(dim);
  let start = 0;
  stats.sizes.forEach((size, g) => {
    mean.fill(stats.mean[g], start, start + size);
    std.fill(stats.std[g], start, start + size);
    start += size;
  });
  return { mean, std };
}

function transform(
  set: VectorSet,
  stats: NormStats,
  what: string,
  f: (x: number, mean: number, std: number) => number,
): VectorSet {
  checkFinite(set, what);
  const { mean, std } = perPositionStats(stats, set.dim);
  const out = new Float32Array(set.data.length);
  for (let r = 0; r < set.count; r++) {
    const base = r * set.dim;
    for (let p = 0; p < set.dim; p++) out[base + p] = f(set.data[base + p], mean[p], std[p]);
  }
  return { count: set.count, dim: set.dim, data: out };
}

/** Mean and population std of each group of positions, over all vectors; two-pass in float64. */
function meanStd(set: VectorSet, groups: { start: number; size: number }[]): { mean: number[]; std: number[] } {
  const mean: number[] = [];
  const std: number[] = [];
  for (const { start, size } of groups) {
    let sum = 0;
    for (let r = 0; r < set.count; r++) {
      for (let p = start; p < start + size; p++) sum += set.data[r * set.dim + p];
    }
    const n = set.count * size;
    const m = n > 0 ? sum / n : 0;
    let squares = 0;
    for (let r = 0; r < set.count; r++) {
      for (let p = start; p < start + size; p++) squares += (set.data[r * set.dim + p] - m) ** 2;
    }
    const s = n > 0 ? Math.sqrt(squares / n) : 0;
    mean.push(m);
    std.push(s === 0 ? 1 : s);
  }
  return { mean, std };
}

function checkFinite(set: VectorSet, what: string): void {
  if (set.data.length !== set.count * set.dim) {
    throw new InputError(`${what}: set claims [${set.count}, ${set.dim}] but holds ${set.data.length} values`);
  }
  const bad = set.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    throw new InputError(
      `${what}: value ${set.data[bad]} at row ${Math.floor(bad / set.dim)}, position ${bad % set.dim} is not finite`,
    );
  }
}
