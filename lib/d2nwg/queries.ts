/**
 * The query set of the VAE's behavioural term (vaeTrain.behaviour, lib/vae/behaviour.ts): feature
 * vectors of training tasks' training images, never a held-out task's and never a val or test image.
 */
import { rowOf } from '../params/rows';
import type { VectorSet } from '../params/types';
import { InputError } from '../util/errors';
import { Rng } from '../util/rng';
import type { TaskFeatures } from './features';

/**
 * `count` feature vectors [count, F]: the tasks take turns in zoo order (query j from task j mod T),
 * so the set spreads evenly over the training tasks (their sources and variants), and each task gives rows of its training
 * split in the order of a permutation drawn with `seed` (no image twice from one task).
 */
export function behaviourQueries(tasks: Pick<TaskFeatures, 'train'>[], count: number, seed: number): VectorSet {
  if (tasks.length === 0) throw new InputError('the behavioural query set needs at least one training task');
  const rng = new Rng(seed);
  const perTask = tasks.map((task, i) => {
    const take = Math.floor(count / tasks.length) + (i < count % tasks.length ? 1 : 0);
    if (take > task.train.count) throw new InputError(`the behavioural query set takes ${take} training images of a task that has ${task.train.count}`);
    return rng.permutation(task.train.count).subarray(0, take);
  });
  const { dim } = tasks[0].train;
  const data = new Float32Array(count * dim);
  for (let j = 0; j < count; j++) {
    const t = j % tasks.length;
    data.set(rowOf(tasks[t].train, perTask[t][Math.floor(j / tasks.length)]), j * dim);
  }
  return { count, dim, data };
}
