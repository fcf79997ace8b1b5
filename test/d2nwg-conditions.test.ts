import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { makeDatasetEncoder, stackConditions, type Condition, type DatasetEncoder } from '../lib/conditioning';
import { drawConditions, embedConditions, taskCondition } from '../lib/d2nwg/conditions';
import { preset } from '../lib/d2nwg/config';
import type { TaskFeatures } from '../lib/d2nwg/features';
import { repeatRows } from '../lib/params/rows';
import type { VectorSet } from '../lib/params/types';
import { InputError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';

const C = 5;
const S = 3;
const F = 8;

/** A task whose training feature j of row i of class k is 100·k + i + j / 100, so every value names its class and row. */
function syntheticTask(rowsPerClass: number[], features = F): TaskFeatures {
  const trainByClass: VectorSet[] = rowsPerClass.map((n, k) => ({
    count: n, dim: features, data: Float32Array.from({ length: n * features }, (_, v) => 100 * k + Math.floor(v / features) + (v % features) / 100),
  }));
  const empty = { count: 0, dim: features, data: new Float32Array(0), labels: new Int32Array(0), numClasses: C };
  return { id: 'synthetic', spec: { source: 'mnist', classes: [0, 1, 2, 3, 4], variant: 'identity' }, train: empty, val: empty, test: empty, trainByClass };
}

/** Shot s of class k of task t of a condition. */
const shot = (c: Condition, t: number, k: number, s: number) => c.data.subarray(((t * c.classes + k) * c.shots + s) * c.features, ((t * c.classes + k) * c.shots + s + 1) * c.features);

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

/** `condition` with its classes reordered by `classOrder` and each class's shots by `shotOrder`. */
function permuted(condition: Condition, classOrder: number[], shotOrder: number[]): Condition {
  const data = new Float32Array(condition.data.length);
  classOrder.forEach((k, i) => shotOrder.forEach((s, j) => data.set(shot(condition, 0, k, s), (i * condition.shots + j) * condition.features)));
  return { ...condition, data };
}

describe('D2NWG conditions', () => {
  let encoder: DatasetEncoder;
  before(() => { encoder = makeDatasetEncoder(F, preset('smoke').encoder, 3); });
  after(() => encoder.dispose());

  it('draw their shots from each class\'s training rows, in class order, reproducibly', () => {
    const task = syntheticTask([10, 10, 4, 10, 2]);
    const condition = taskCondition(task, S, 7);
    assert.deepEqual([condition.tasks, condition.classes, condition.shots, condition.features], [1, C, S, F]);
    for (let k = 0; k < C; k++) {
      const rows = Array.from({ length: S }, (_, s) => Math.round(shot(condition, 0, k, s)[0] - 100 * k));
      assert.ok(rows.every((r) => r >= 0 && r < task.trainByClass[k].count), `class ${k} drew rows ${rows}`);
      // Without replacement while a class has enough rows; a 2-row class gives both, then one again.
      if (task.trainByClass[k].count >= S) assert.equal(new Set(rows).size, S);
      else assert.deepEqual([...new Set(rows)].sort(), [0, 1]);
    }
    assert.deepEqual(taskCondition(task, S, 7).data, condition.data);
    assert.notDeepEqual(taskCondition(task, S, 8).data, condition.data);
  });

  it('stack the draws of several tasks task-major', () => {
    const tasks = [syntheticTask([6, 6, 6, 6, 6]), syntheticTask([6, 6, 6, 6, 6])];
    tasks[1].trainByClass.forEach((c) => c.data.forEach((_, i) => { c.data[i] += 50; }));
    const stacked = drawConditions(tasks, [2, 3], S, 1);
    assert.equal(stacked.tasks, 5);
    // Values of task 1 are shifted by 50: the first two conditions come from task 0, the next three from task 1.
    const fromSecond = Array.from({ length: 5 }, (_, t) => shot(stacked, t, 0, 0)[0] >= 50);
    assert.deepEqual(fromSecond, [false, false, true, true, true]);
    assert.deepEqual(drawConditions(tasks, [2, 3], S, 1).data, stacked.data);
  });

  it('in one round, draw the zoo conditions the reported numbers were measured with: seed (seed, task, draw)', () => {
    const tasks = [syntheticTask([9, 9, 9, 9, 9]), syntheticTask([4, 7, 9, 3, 9]), syntheticTask([6, 6, 6, 6, 6])];
    // The draws as the code before conditionsPerHead made them.
    const rng = new Rng(11);
    const reference = tasks.flatMap((task, i) => {
      const taskRng = new Rng(rng.seed() + i);
      return Array.from({ length: [2, 1, 3][i] }, () => taskCondition(task, S, taskRng.seed()));
    });
    assert.deepEqual(drawConditions(tasks, [2, 1, 3], S, 11), stackConditions(reference));
  });

  it('in k rounds, pair each head with k distinct draws of its own task\'s shots, round 0 unchanged', () => {
    const tasks = [syntheticTask([9, 9, 9, 9, 9]), syntheticTask([9, 9, 9, 9, 9])];
    tasks[1].trainByClass.forEach((c) => c.data.forEach((_, i) => { c.data[i] += 50; }));
    const perTask = [2, 3];
    const one = drawConditions(tasks, perTask, S, 4);
    const rounds = drawConditions(tasks, perTask, S, 4, 3);
    assert.equal(rounds.tasks, 3 * 5);
    assert.deepEqual(rounds.data.subarray(0, one.data.length), one.data, 'round 0 is the one-round draw');
    const size = C * S * F;
    const condition = (t: number) => rounds.data.subarray(t * size, (t + 1) * size).join();
    for (let head = 0; head < 5; head++) {
      const draws = [0, 1, 2].map((r) => r * 5 + head);
      assert.equal(new Set(draws.map(condition)).size, 3, `head ${head}: three distinct draws`);
      // Heads 0–1 are task 0's (values < 50), heads 2–4 task 1's.
      assert.ok(draws.every((t) => (shot(rounds, t, 0, 0)[0] >= 50) === head >= 2), `head ${head} draws from its own task`);
    }
    assert.equal(new Set(Array.from({ length: 15 }, (_, t) => condition(t))).size, 15, 'no draw is reused across heads');
    // The latents the rounds pair with: the zoo's rows once per round, in the same order.
    const latents: VectorSet = { count: 2, dim: 2, data: Float32Array.of(1, 2, 3, 4) };
    assert.deepEqual(repeatRows(latents, 3), { count: 6, dim: 2, data: Float32Array.of(1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4) });
    assert.deepEqual(repeatRows(latents, 1), latents);
    assert.throws(() => repeatRows(latents, 0), InputError);
  });

  it('embed to condition rows [T·C, 2H] and dataset embeddings invariant to shot and class order', () => {
    const before = tf.memory().numTensors;
    const H = encoder.embedSize;
    const condition = taskCondition(syntheticTask([10, 10, 10, 10, 10]), S, 2);
    const scaled = { ...condition, data: condition.data.map((v) => v / 100) };
    const base = embedConditions(encoder, scaled);
    assert.deepEqual([base.rows.count, base.rows.dim, base.datasets.count, base.datasets.dim], [C, 2 * H, 1, H]);
    const rng = new Rng(5);
    const classOrder = Array.from(rng.permutation(C));
    const moved = embedConditions(encoder, permuted(scaled, classOrder, Array.from(rng.permutation(S))));
    assert.ok(maxAbsDiff(moved.datasets.data, base.datasets.data) < 1e-5);
    // Row i of the permuted condition is class classOrder[i] of the original: its condition vector follows it.
    classOrder.forEach((k, i) => {
      assert.ok(maxAbsDiff(moved.rows.data.subarray(i * 2 * H, (i + 1) * 2 * H), base.rows.data.subarray(k * 2 * H, (k + 1) * 2 * H)) < 1e-5);
    });
    // Batching over tasks does not change an embedding.
    const two = { ...scaled, tasks: 2, data: Float32Array.from([...scaled.data, ...scaled.data]) };
    assert.ok(maxAbsDiff(embedConditions(encoder, two, 1).rows.data, embedConditions(encoder, two).rows.data) < 1e-6);
    assert.equal(tf.memory().numTensors, before);
  });

  it('refuse a wrong feature size and an empty class with clear errors', () => {
    const before = tf.memory().numTensors;
    const wide = taskCondition(syntheticTask([4, 4, 4, 4, 4], F + 2), S, 0);
    assert.throws(() => embedConditions(encoder, wide), (err: Error) => err instanceof InputError && err.message.includes(`${F + 2} features per sample, the encoder expects ${F}`));
    assert.throws(() => taskCondition(syntheticTask([4, 4, 0, 4, 4]), S, 0), (err: Error) => err instanceof InputError && /class 2 has no samples/.test(err.message));
    const noShots: Condition = { tasks: 1, classes: C, shots: 0, features: F, data: new Float32Array(0) };
    assert.throws(() => embedConditions(encoder, noShots), (err: Error) => err instanceof InputError && /0 shots/.test(err.message));
    assert.equal(tf.memory().numTensors, before);
  });
});
