/** One named parameter array, row-major, e.g. `fc/weight` with shape [64, 10]. */
export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** Where one named array lives inside a flat parameter vector. */
export interface ManifestEntry {
  name: string;
  shape: number[];
  /** Index of the array's first element in the flat vector. */
  offset: number;
  /** Number of elements: the product of `shape`. */
  size: number;
}

/**
 * The layout of a flat parameter vector: entries in vector order, contiguous, no gaps.
 * Plain JSON so it can be stored in a zoo manifest.
 */
export interface ParamManifest {
  entries: ManifestEntry[];
  /** Total number of elements: the sum of the entries' sizes. */
  size: number;
}

/** `count` vectors of length `dim`, stored row-major as one [count, dim] array. */
export interface VectorSet {
  count: number;
  dim: number;
  data: Float32Array;
}

/** Number of elements of an array with this shape (1 for a scalar shape []). */
export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Shape as text for error messages, e.g. `[64,10]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
