import * as tf from '@tensorflow/tfjs';
import { InputError } from '../util/errors';
import { formatShape, shapeSize, type NamedArray } from './types';

/**
 * Copies the named tensors out of a model's parameter map, in the order of `names`.
 * The copies do not alias tfjs memory, so they stay valid after the tensors are disposed.
 */
export function readParams(params: ReadonlyMap<string, tf.Tensor>, names: readonly string[]): NamedArray[] {
  return names.map((name) => {
    const tensor = params.get(name);
    if (tensor === undefined) {
      throw new InputError(`unknown parameter "${name}"; available: ${[...params.keys()].join(', ')}`);
    }
    if (tensor.dtype !== 'float32') {
      throw new InputError(`parameter "${name}" has dtype ${tensor.dtype}, expected float32`);
    }
    return { name, shape: [...tensor.shape], data: Float32Array.from(tensor.dataSync() as Float32Array) };
  });
}

/**
 * Writes arrays into a model's variables. Everything is checked first (every name exists, shapes
 * and value counts match, values are finite) so that a bad input leaves the model untouched
 * instead of half-overwritten.
 */
export function assignParams(variables: ReadonlyMap<string, tf.Variable>, arrays: readonly NamedArray[]): void {
  for (const { name, shape, data } of arrays) {
    const variable = variables.get(name);
    if (variable === undefined) {
      throw new InputError(`unknown parameter "${name}"; available: ${[...variables.keys()].join(', ')}`);
    }
    if (variable.dtype !== 'float32') {
      throw new InputError(`parameter "${name}" is a ${variable.dtype} variable, expected float32`);
    }
    if (formatShape(variable.shape) !== formatShape(shape)) {
      throw new InputError(
        `parameter "${name}": expected shape ${formatShape(variable.shape)}, got ${formatShape(shape)}`,
      );
    }
    if (data.length !== shapeSize(shape)) {
      throw new InputError(
        `parameter "${name}": shape ${formatShape(shape)} needs ${shapeSize(shape)} values, got ${data.length}`,
      );
    }
    const bad = data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new InputError(`parameter "${name}": value ${data[bad]} at index ${bad} is not finite`);
  }
  for (const { name, shape, data } of arrays) {
    const variable = variables.get(name) as tf.Variable;
    // assign shares the new tensor's data, so the temporary can be disposed right away.
    tf.tidy(() => variable.assign(tf.tensor(data, shape, 'float32')));
  }
}
