/**
 * Few-shot conditions of D2NWG tasks, drawn from a task's training split only: `shots` feature
 * vectors per class, in the task's class (= label) order, and the encoder's condition vectors
 * (concat(class_k, dataset)) for them.
 */
import * as tf from '@tensorflow/tfjs';
import { conditionTensor, conditionVector, sampleCondition, stackConditions } from '../conditioning';
import type { Condition, DatasetEncoder } from '../conditioning';
import { rowsOf } from '../params/rows';
import type { VectorSet } from '../params/types';
import { Rng } from '../util/rng';
import type { TaskFeatures } from './features';

/** One condition [1, C, S, F] of a task, drawn with `seed` from its training features. */
export function taskCondition(task: Pick<TaskFeatures, 'trainByClass'>, shots: number, seed: number): Condition {
  return sampleCondition(task.trainByClass.map(rowsOf), shots, new Rng(seed));
}

/**
 * `perTask[i]` conditions of task i, stacked task-major ([Σ perTask, C, S, F]), in `rounds` rounds
 * of fresh draws stacked round-major ([rounds·Σ perTask, C, S, F]). Task i draws from a stream of
 * its own, seeded by (seed, i): round r takes its draws perTask[i]·r to perTask[i]·(r + 1) − 1, so
 * round 0 does not depend on `rounds`.
 */
export function drawConditions(tasks: Pick<TaskFeatures, 'trainByClass'>[], perTask: number[], shots: number, seed: number, rounds = 1): Condition {
  const rng = new Rng(seed);
  const draws = tasks.map((task, i) => {
    const taskSeed = rng.seed();
    const taskRng = new Rng(taskSeed + i);
    return Array.from({ length: perTask[i] * rounds }, () => taskCondition(task, shots, taskRng.seed()));
  });
  const round = (r: number) => draws.flatMap((d, i) => d.slice(r * perTask[i], (r + 1) * perTask[i]));
  return stackConditions(Array.from({ length: rounds }, (_, r) => round(r)).flat());
}

/** Tasks start … start + count − 1 of `conditions` [T, C, S, F], as a view. */
export function taskSlice(conditions: Condition, start: number, count: number): Condition {
  const size = conditions.classes * conditions.shots * conditions.features;
  return { ...conditions, tasks: count, data: conditions.data.subarray(start * size, (start + count) * size) };
}

/** The mean of each class's shots (prototypical networks' prototypes): [T·C, F], task-major. */
export function classMeans(conditions: Condition): VectorSet {
  const { tasks, classes, shots, features: F, data } = conditions;
  const out = new Float32Array(tasks * classes * F);
  for (let row = 0; row < tasks * classes; row++) {
    for (let s = 0; s < shots; s++) for (let f = 0; f < F; f++) out[row * F + f] += data[(row * shots + s) * F + f] / shots;
  }
  return { count: tasks * classes, dim: F, data: out };
}

/** Condition vectors [T·C, 2H] (task-major) and dataset embeddings [T, H] of `conditions`, in batches of tasks. */
export function embedConditions(encoder: DatasetEncoder, conditions: Condition, batchTasks = 64): { rows: VectorSet; datasets: VectorSet } {
  const { tasks, classes, features } = conditions;
  const H = encoder.embedSize;
  const rows = new Float32Array(tasks * classes * 2 * H);
  const datasets = new Float32Array(tasks * H);
  for (let start = 0; start < tasks; start += batchTasks) {
    const n = Math.min(batchTasks, tasks - start);
    const [vectors, dataset] = tf.tidy(() => {
      const embedding = encoder.embed(conditionTensor(taskSlice(conditions, start, n), features));
      return [conditionVector(embedding), embedding.dataset];
    });
    rows.set(vectors.dataSync(), start * classes * 2 * H);
    datasets.set(dataset.dataSync(), start * H);
    tf.dispose([vectors, dataset]);
  }
  return { rows: { count: tasks * classes, dim: 2 * H, data: rows }, datasets: { count: tasks, dim: H, data: datasets } };
}
