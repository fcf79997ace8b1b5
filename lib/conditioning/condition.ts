/**
 * Conditions [T, C, S, F] for the dataset encoders: built from plain per-class feature rows
 * (S shots drawn by a seeded Rng), stacked over tasks, turned into tensors, and checked.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../util/errors';
import { assertFinite } from '../util/finite';
import type { Rng } from '../util/rng';
import type { Condition } from './types';

const SHAPE = '[T tasks, C classes, S shots, F features]';

/** Throws an InputError if `shape` is not a non-empty [T, C, S, F] with F = `features`. */
function checkShape(shape: number[], features: number): void {
  if (shape.length !== 4) throw new InputError(`a condition must be ${SHAPE}, got rank ${shape.length} ([${shape}])`);
  const [T, C, S, F] = shape;
  if (F !== features) throw new InputError(`condition has ${F} features per sample, the encoder expects ${features}`);
  if (T < 1) throw new InputError('condition holds no tasks');
  if (C < 1) throw new InputError('condition holds no classes');
  if (S < 1) throw new InputError('condition has classes with no samples (0 shots)');
}

/** Checks a plain condition: positive sizes, F = `features`, data length, finite values. */
export function checkCondition(condition: Condition, features: number): void {
  const { tasks, classes, shots, data } = condition;
  const shape = [tasks, classes, shots, condition.features];
  if (!shape.every((n) => Number.isInteger(n) && n >= 0)) throw new InputError(`condition sizes must be non-negative integers, got [${shape}]`);
  checkShape(shape, features);
  const expected = shape.reduce((a, b) => a * b, 1);
  if (data.length !== expected) throw new InputError(`condition says [${shape}] (${expected} numbers) but holds ${data.length}`);
  assertFinite(data, condition.features, 'condition (rows are shots, task-, class-, shot-major)');
}

/** Checks a condition tensor (shape, then finiteness with one read-back). */
export function checkConditionTensor(condition: tf.Tensor, features: number): void {
  checkShape(condition.shape, features);
  const finite = tf.tidy(() => tf.all(tf.isFinite(condition)).dataSync()[0]);
  if (!finite) throw new InputError('condition holds NaN or Infinity');
}

/** The checked [T, C, S, F] tensor of a plain condition (the caller disposes it). */
export function conditionTensor(condition: Condition, features: number): tf.Tensor4D {
  checkCondition(condition, features);
  const { tasks, classes, shots, data } = condition;
  return tf.tensor4d(data, [tasks, classes, shots, features]);
}

/**
 * One task's condition [1, C, S, F] from the feature rows of each class (class k = label k),
 * S rows per class drawn by `rng`: without replacement when a class has at least S rows;
 * otherwise every row once and the rest drawn again at random (so a small class still gives S shots).
 */
export function sampleCondition(featuresByClass: Float32Array[][], shots: number, rng: Rng): Condition {
  if (!(Number.isInteger(shots) && shots >= 1)) throw new InputError(`shots must be a positive integer, got ${shots}`);
  if (featuresByClass.length === 0) throw new InputError('sampleCondition needs at least one class');
  const empty = featuresByClass.findIndex((rows) => rows.length === 0);
  if (empty >= 0) throw new InputError(`class ${empty} has no samples to draw a condition from`);
  const features = featuresByClass[0][0].length;
  if (features === 0) throw new InputError('feature rows are empty (0 features)');
  const classes = featuresByClass.length;
  const data = new Float32Array(classes * shots * features);
  featuresByClass.forEach((rows, k) => {
    const wrong = rows.findIndex((r) => r.length !== features);
    if (wrong >= 0) throw new InputError(`class ${k}, row ${wrong} has ${rows[wrong].length} features, class 0 row 0 has ${features}`);
    const picks = Array.from(rng.permutation(rows.length).subarray(0, shots));
    while (picks.length < shots) picks.push(rng.int(rows.length));
    picks.forEach((row, s) => {
      const values = rows[row];
      const bad = values.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new InputError(`class ${k}, row ${row}, feature ${bad} holds ${values[bad]}`);
      data.set(values, (k * shots + s) * features);
    });
  });
  return { tasks: 1, classes, shots, features, data };
}

/** Concatenates conditions along the task axis; all must share C, S and F. */
export function stackConditions(conditions: Condition[]): Condition {
  if (conditions.length === 0) throw new InputError('stackConditions needs at least one condition');
  const { classes, shots, features } = conditions[0];
  conditions.forEach((c, i) => {
    if (c.classes !== classes || c.shots !== shots || c.features !== features) {
      throw new InputError(`condition ${i} is [·, ${c.classes}, ${c.shots}, ${c.features}], condition 0 is [·, ${classes}, ${shots}, ${features}]`);
    }
  });
  const data = new Float32Array(conditions.reduce((n, c) => n + c.data.length, 0));
  let at = 0;
  for (const c of conditions) {
    data.set(c.data, at);
    at += c.data.length;
  }
  return { tasks: conditions.reduce((n, c) => n + c.tasks, 0), classes, shots, features, data };
}

/** The same shots of a one-task condition, class i of the result = class classOrder[i], shot j = shot shotOrder[j] of that class. */
export function permuteCondition(condition: Condition, classOrder: readonly number[], shotOrder: readonly number[]): Condition {
  const { tasks, classes: C, shots: S, features: F } = condition;
  const isPermutation = (order: readonly number[], n: number) => order.length === n && new Set(order).size === n && order.every((k) => Number.isInteger(k) && k >= 0 && k < n);
  if (tasks !== 1) throw new InputError(`permuteCondition takes one task, got ${tasks}`);
  if (!isPermutation(classOrder, C)) throw new InputError(`classOrder [${classOrder}] is not a permutation of 0…${C - 1}`);
  if (!isPermutation(shotOrder, S)) throw new InputError(`shotOrder [${shotOrder}] is not a permutation of 0…${S - 1}`);
  const data = new Float32Array(condition.data.length);
  classOrder.forEach((k, i) => shotOrder.forEach((s, j) =>
    data.set(condition.data.subarray((k * S + s) * F, (k * S + s + 1) * F), (i * S + j) * F)));
  return { ...condition, data };
}
