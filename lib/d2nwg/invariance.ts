/**
 * The dataset encoder's symmetry, checked on a trained run: embed a held-out task's condition,
 * the same shots with classes and shots reordered, and a fresh draw of shots. The dataset
 * embedding should not move under reordering (float rounding only) and each class embedding should
 * follow its class; a fresh draw is the scale of a real change.
 */
import * as path from 'node:path';
import { makeDatasetEncoder, permuteCondition, type Condition } from '../conditioning';
import type { VectorSet } from '../params/types';
import { Rng } from '../util/rng';
import { embedConditions, taskCondition } from './conditions';
import type { D2nwgConfig } from './config';
import { loadEncoder } from './encoder-io';
import { taskFeatures } from './features';
import { openTaskZoo } from './task-zoo/build';
import type { HeldOutTask } from './task-zoo/tasks';
import { D2NWG_OUTPUTS } from './run-dir';

export interface InvarianceCheck {
  task: HeldOutTask;
  classOrder: number[];
  shotOrder: number[];
  /** Max |Δ| of the dataset embedding, reordered vs original. */
  datasetGap: number;
  /** Max |Δ| of each class embedding vs its own class's original. */
  classGap: number;
  /** Max |Δ| of the dataset embedding, another draw of shots vs original. */
  redrawGap: number;
}

const maxAbs = (a: Float32Array, b: Float32Array) => a.reduce((mx, v, i) => Math.max(mx, Math.abs(v - b[i])), 0);

/** Runs the check on the first held-out task of `novelty` (else the first) of the run in `runDir`. */
export function checkEncoderInvariance(config: D2nwgConfig, runDir: string, seed: number, novelty: HeldOutTask['novelty'] = 'combinationAndVariant'): InvarianceCheck {
  const zoo = openTaskZoo(path.join(runDir, D2NWG_OUTPUTS.taskZoo));
  const task = zoo.plan.heldOut.find((t) => t.novelty === novelty) ?? zoo.plan.heldOut[0];
  const features = taskFeatures(zoo.features, task.spec);
  const rng = new Rng(seed);
  const condition = taskCondition(features, config.shots, rng.seed());
  const encoder = makeDatasetEncoder(condition.features, config.encoder);
  try {
    loadEncoder(path.join(runDir, D2NWG_OUTPUTS.encoder), encoder);
    const classOrder = Array.from(rng.permutation(condition.classes));
    const shotOrder = Array.from(rng.permutation(condition.shots));
    const embed = (c: Condition) => embedConditions(encoder, c);
    const base = embed(condition);
    const moved = embed(permuteCondition(condition, classOrder, shotOrder));
    const redraw = embed(taskCondition(features, config.shots, rng.seed()));
    const H = encoder.embedSize;
    const classOf = (rows: VectorSet, k: number) => rows.data.subarray(k * rows.dim, k * rows.dim + H);
    return {
      task, classOrder, shotOrder,
      datasetGap: maxAbs(moved.datasets.data, base.datasets.data),
      classGap: Math.max(...classOrder.map((k, i) => maxAbs(classOf(moved.rows, i), classOf(base.rows, k)))),
      redrawGap: maxAbs(redraw.datasets.data, base.datasets.data),
    };
  } finally {
    encoder.dispose();
  }
}
