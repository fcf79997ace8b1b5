import { InputError } from '../util/errors';
import { formatShape, shapeSize, type NamedArray, type ParamManifest, type VectorSet } from './types';

/** Anything with a name and a shape: a NamedArray, a manifest entry, a model's variable list. */
export interface NamedShape {
  name: string;
  shape: readonly number[];
}

/** Concatenates arrays, in the given order, into one vector and records where each one went. */
export function flatten(arrays: readonly NamedArray[]): { vector: Float32Array; manifest: ParamManifest } {
  const names = new Set<string>();
  let offset = 0;
  const entries = arrays.map(({ name, shape, data }) => {
    if (names.has(name)) throw new InputError(`parameter "${name}" appears twice`);
    names.add(name);
    const size = shapeSize(shape);
    if (data.length !== size) {
      throw new InputError(
        `parameter "${name}" has ${data.length} values, but shape ${formatShape(shape)} needs ${size}`,
      );
    }
    const entry = { name, shape: [...shape], offset, size };
    offset += size;
    return entry;
  });
  const vector = new Float32Array(offset);
  arrays.forEach(({ data }, i) => vector.set(data, entries[i].offset));
  return { vector, manifest: { entries, size: offset } };
}

/** Splits a flat vector back into named arrays (copies, so they do not alias the vector). */
export function unflatten(vector: Float32Array, manifest: ParamManifest): NamedArray[] {
  checkManifest(manifest);
  if (vector.length !== manifest.size) {
    throw new InputError(`vector has ${vector.length} values, but the manifest describes ${manifest.size}`);
  }
  return manifest.entries.map(({ name, shape, offset, size }) => ({
    name,
    shape: [...shape],
    data: vector.slice(offset, offset + size),
  }));
}

/** Flattens several checkpoints of the same subset into one [count, dim] set. */
export function flattenMany(checkpoints: readonly NamedArray[][]): { set: VectorSet; manifest: ParamManifest } {
  if (checkpoints.length === 0) throw new InputError('no checkpoints to flatten');
  const flat = checkpoints.map((arrays) => flatten(arrays));
  const manifest = flat[0].manifest;
  checkpoints.forEach((arrays, i) => {
    const problem = describeIncompatibility(manifest, arrays);
    if (problem !== null) throw new InputError(`checkpoint ${i} differs from checkpoint 0: ${problem}`);
  });
  return { set: stackVectors(flat.map((f) => f.vector)), manifest };
}

/** Stacks equal-length vectors into one [count, dim] set. */
export function stackVectors(vectors: readonly Float32Array[]): VectorSet {
  if (vectors.length === 0) throw new InputError('no vectors to stack');
  const dim = vectors[0].length;
  const data = new Float32Array(vectors.length * dim);
  vectors.forEach((v, i) => {
    if (v.length !== dim) throw new InputError(`vector ${i} has ${v.length} values, vector 0 has ${dim}`);
    data.set(v, i * dim);
  });
  return { count: vectors.length, dim, data };
}

/**
 * Why `arrays` do not have the manifest's names and shapes (same order), or null if they do.
 * Names the first differing layer so a wrong subset or model is easy to find.
 */
export function describeIncompatibility(manifest: ParamManifest, arrays: readonly NamedShape[]): string | null {
  const n = Math.max(manifest.entries.length, arrays.length);
  for (let i = 0; i < n; i++) {
    const expected = manifest.entries[i];
    const actual = arrays[i];
    if (expected === undefined) return `unexpected extra layer "${actual.name}" at position ${i}`;
    if (actual === undefined) return `missing layer "${expected.name}" at position ${i}`;
    if (expected.name !== actual.name) {
      return `layer ${i} is "${actual.name}", expected "${expected.name}"`;
    }
    if (formatShape(expected.shape) !== formatShape(actual.shape)) {
      return `layer "${expected.name}" has shape ${formatShape(actual.shape)}, expected ${formatShape(expected.shape)}`;
    }
  }
  return null;
}

/** Throws an InputError naming the first layer whose name or shape differs from the manifest. */
export function checkCompatible(manifest: ParamManifest, arrays: readonly NamedShape[]): void {
  const problem = describeIncompatibility(manifest, arrays);
  if (problem !== null) throw new InputError(`parameters do not fit the manifest: ${problem}`);
}

/**
 * Checks that a manifest (e.g. one read from JSON) is self-consistent: integer shapes, each size the
 * product of its shape, entries contiguous from 0, and `size` their total.
 */
export function checkManifest(manifest: ParamManifest): void {
  let offset = 0;
  const names = new Set<string>();
  for (const { name, shape, offset: at, size } of manifest.entries) {
    if (names.has(name)) throw new InputError(`manifest lists "${name}" twice`);
    names.add(name);
    if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new InputError(`manifest entry "${name}" has invalid shape ${formatShape(shape)}`);
    }
    if (size !== shapeSize(shape)) {
      throw new InputError(
        `manifest entry "${name}" has size ${size}, but shape ${formatShape(shape)} needs ${shapeSize(shape)}`,
      );
    }
    if (at !== offset) throw new InputError(`manifest entry "${name}" starts at ${at}, expected ${offset}`);
    offset += size;
  }
  if (manifest.size !== offset) {
    throw new InputError(`manifest size is ${manifest.size}, but its entries add up to ${offset}`);
  }
}
