import { InputError } from '../util/errors';
import type { ParamManifest, VectorSet } from './types';

/**
 * How a parameter vector becomes the fixed-length inputs of an autoencoder:
 * `model`: the whole vector as one piece, zero-padded;
 * `layer`: one piece per manifest entry, each zero-padded to the longest layer;
 * `chunk`: the vector zero-padded to a multiple of `chunkSize` and cut into chunks.
 */
export type VectorizeMode = 'model' | 'layer' | 'chunk';
export const vectorizeModes: readonly VectorizeMode[] = ['model', 'layer', 'chunk'];

export interface VectorizeConfig {
  /** How to cut the vector. Default 'model'. */
  mode: VectorizeMode;
  /** model: minimum piece length; 0 means the vector's own length. Default 0. */
  length: number;
  /** model, layer: piece length rounded up to a multiple of this (p-diff's autoencoder: 5^4). Default 1. */
  multiple: number;
  /** chunk: the length of each chunk. Default 64. */
  chunkSize: number;
}

export const defaultVectorizeConfig: VectorizeConfig = {
  mode: 'model',
  length: 0,
  multiple: 1,
  chunkSize: 64,
};

/** One piece: `index` is the layer index (`layer`), the chunk index (`chunk`) or 0 (`model`). */
export interface VectorPiece {
  index: number;
  data: Float32Array;
}

/**
 * What `devectorize` needs, plain JSON. Every mode cuts the vector into contiguous runs, in order:
 * piece i holds the next `pieceSizes[i]` values followed by zeros up to `pieceLength`.
 */
export interface VectorizePlan {
  mode: VectorizeMode;
  /** Length of the original vector. */
  size: number;
  /** Length of every piece, padding included. */
  pieceLength: number;
  /** Real (unpadded) values in each piece; they add up to `size`. */
  pieceSizes: number[];
}

/** Works out how vectors with this manifest are cut, without looking at any values. */
export function planVectorize(manifest: ParamManifest, config: Partial<VectorizeConfig> = {}): VectorizePlan {
  const { mode, length, multiple, chunkSize } = { ...defaultVectorizeConfig, ...config };
  if (!vectorizeModes.includes(mode)) {
    throw new InputError(`unknown vectorize mode "${mode}"; expected one of ${vectorizeModes.join(', ')}`);
  }
  requireCount('length', length, 0);
  requireCount('multiple', multiple, 1);
  requireCount('chunkSize', chunkSize, 1);
  const size = manifest.size;
  if (mode === 'model') {
    if (length !== 0 && length < size) {
      throw new InputError(`vectorize length ${length} is shorter than the vector (${size} values)`);
    }
    return { mode, size, pieceLength: roundUp(Math.max(length, size, 1), multiple), pieceSizes: [size] };
  }
  if (mode === 'layer') {
    if (manifest.entries.length === 0) throw new InputError("vectorize mode 'layer' needs at least one layer");
    const pieceSizes = manifest.entries.map((e) => e.size);
    return { mode, size, pieceLength: roundUp(Math.max(...pieceSizes, 1), multiple), pieceSizes };
  }
  const count = Math.max(1, Math.ceil(size / chunkSize));
  const pieceSizes = Array.from({ length: count }, (_, i) => Math.min(chunkSize, size - i * chunkSize));
  return { mode, size, pieceLength: chunkSize, pieceSizes };
}

/** Cuts one vector into tagged, zero-padded pieces; also returns the plan to undo it. */
export function vectorize(
  vector: Float32Array,
  manifest: ParamManifest,
  config: Partial<VectorizeConfig> = {},
): { pieces: VectorPiece[]; plan: VectorizePlan } {
  const plan = planVectorize(manifest, config);
  const { set, indices } = vectorizeSet({ count: 1, dim: vector.length, data: vector }, plan);
  const length = plan.pieceLength;
  const pieces = Array.from(indices, (index, i) => ({ index, data: set.data.slice(i * length, (i + 1) * length) }));
  return { pieces, plan };
}

/** Joins pieces back into the original vector (bit-exact); padding values are ignored. */
export function devectorize(pieces: readonly VectorPiece[], plan: VectorizePlan): Float32Array {
  checkPlan(plan);
  if (pieces.length !== plan.pieceSizes.length) {
    throw new InputError(`expected ${plan.pieceSizes.length} pieces, got ${pieces.length}`);
  }
  const data = new Float32Array(pieces.length * plan.pieceLength);
  pieces.forEach((piece, i) => {
    if (piece.index !== i) throw new InputError(`piece ${i} is tagged with index ${piece.index}`);
    if (piece.data.length !== plan.pieceLength) {
      throw new InputError(`piece ${i} has ${piece.data.length} values, expected ${plan.pieceLength}`);
    }
    data.set(piece.data, i * plan.pieceLength);
  });
  return devectorizeSet({ count: pieces.length, dim: plan.pieceLength, data }, plan).data;
}

/**
 * Cuts every vector of a set: row r's piece i becomes row r·pieces + i, and `indices` holds each
 * row's piece index (the tag a conditioned autoencoder sees).
 */
export function vectorizeSet(set: VectorSet, plan: VectorizePlan): { set: VectorSet; indices: Int32Array } {
  checkPlan(plan);
  if (set.dim !== plan.size) throw new InputError(`vectors have ${set.dim} values, the plan expects ${plan.size}`);
  const pieceCount = plan.pieceSizes.length;
  const out = new Float32Array(set.count * pieceCount * plan.pieceLength);
  const indices = new Int32Array(set.count * pieceCount);
  for (let r = 0; r < set.count; r++) {
    let start = r * set.dim;
    plan.pieceSizes.forEach((size, i) => {
      const row = r * pieceCount + i;
      out.set(set.data.subarray(start, start + size), row * plan.pieceLength);
      indices[row] = i;
      start += size;
    });
  }
  return { set: { count: set.count * pieceCount, dim: plan.pieceLength, data: out }, indices };
}

/** Inverse of `vectorizeSet`: groups of consecutive piece rows back into vectors. */
export function devectorizeSet(pieces: VectorSet, plan: VectorizePlan): VectorSet {
  checkPlan(plan);
  const pieceCount = plan.pieceSizes.length;
  if (pieces.dim !== plan.pieceLength) {
    throw new InputError(`pieces have ${pieces.dim} values, the plan expects ${plan.pieceLength}`);
  }
  if (pieces.count % pieceCount !== 0) {
    throw new InputError(`${pieces.count} pieces is not a multiple of ${pieceCount} pieces per vector`);
  }
  const count = pieces.count / pieceCount;
  const out = new Float32Array(count * plan.size);
  for (let r = 0; r < count; r++) {
    let start = r * plan.size;
    plan.pieceSizes.forEach((size, i) => {
      const from = (r * pieceCount + i) * plan.pieceLength;
      out.set(pieces.data.subarray(from, from + size), start);
      start += size;
    });
  }
  return { count, dim: plan.size, data: out };
}

/** Rejects a plan (e.g. one read back from JSON) whose pieces cannot hold the vector. */
function checkPlan(plan: VectorizePlan): void {
  const total = plan.pieceSizes.reduce((a, b) => a + b, 0);
  const fits = plan.pieceSizes.every((s) => Number.isSafeInteger(s) && s >= 0 && s <= plan.pieceLength);
  if (!fits || total !== plan.size || plan.pieceSizes.length === 0) {
    throw new InputError(
      `invalid vectorize plan: ${plan.pieceSizes.length} pieces of length ${plan.pieceLength} ` +
        `holding ${total} values, for a vector of ${plan.size}`,
    );
  }
}

function requireCount(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new InputError(`vectorize ${name} must be an integer ≥ ${min}, got ${value}`);
  }
}

function roundUp(n: number, multiple: number): number {
  return Math.ceil(n / multiple) * multiple;
}
