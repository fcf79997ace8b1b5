/**
 * A `seeds` zoo: N independently trained copies of a subset on one shared, frozen trunk. Member i
 * starts from its own fresh initialisation of the subset and sees the training data in its own
 * order (both drawn from one generator seeded with seed + seedOffset + i), and trains for
 * `epochs` with the network in inference mode, as the trajectory's fine-tuning does. With a
 * `grid` it is a `recipes` zoo: member i also takes grid setting i mod |grid| (learning rate and
 * weight decay). Independent members are what a zoo of one run's trajectory is not: their errors
 * differ. Resumable: the zoo is saved after every member and a re-run continues after the last.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { DataSplits } from '../data/dataset';
import { computeFeatures } from '../eval/features';
import { batchCount, batchIndices } from '../models/batches';
import { checkModelSpec, modelName } from '../models/registry';
import { splitFor } from '../models/split';
import type { TaskModel } from '../models/task-model';
import { trainStep } from '../models/train';
import { FiniteGuard } from '../optim/finite-guard';
import { Optimizer } from '../optim/optimizer';
import { flatten, stackVectors } from '../params/flatten';
import { freshInit } from '../params/reinit';
import { rowsOf } from '../params/rows';
import { assignParams, readParams } from '../params/tensors';
import type { ParamManifest } from '../params/types';
import { configHash } from '../util/config-diff';
import { InputError } from '../util/errors';
import type { ProgressFn } from '../util/progress';
import { Rng } from '../util/rng';
import { resolveSubset, trainBaseModel } from './base-model';
import type { CollectConfig, Collection } from './collect';
import { ZOO_DIR } from './collect';
import { loadZoo, MANIFEST_FILE, saveZoo } from './zoo';

export interface SeedsZooConfig {
  /** N, the independently trained members. */
  members: number;
  /** Member i draws its initialisation and data order from seed + seedOffset + i. */
  seedOffset: number;
  /** Epochs each member's subset trains from its fresh initialisation. */
  epochs: number;
  /** A `recipes` zoo's training settings, crossed with the seeds; null: the fine-tuning optimizer for all. */
  grid: { lr: number; weightDecay: number }[] | null;
}

/** pdiff-small scale: 200 members (as K = 200 snapshots), 2 epochs each. */
export const defaultSeedsZooConfig: SeedsZooConfig = { members: 200, seedOffset: 1000, epochs: 2, grid: null };

/** Names the stage in errors. */
const STAGE = 'seeds zoo';

/** Member i's seed and training settings. */
function memberSettings(collect: CollectConfig, seeds: SeedsZooConfig, i: number) {
  const setting = seeds.grid ? seeds.grid[i % seeds.grid.length] : undefined;
  const optimizer = { ...collect.finetuneOptimizer, ...(setting ? { lr: setting.lr, weightDecay: setting.weightDecay } : {}) };
  return { seed: collect.seed + seeds.seedOffset + i, optimizer, epochs: seeds.epochs };
}

/** The trunk is trained (or loaded) once; then member after member, each saved into the zoo. */
export function collectSeeds(
  model: TaskModel, data: DataSplits, collect: CollectConfig, seeds: SeedsZooConfig, outDir: string, onProgress?: ProgressFn,
): Collection {
  checkModelSpec(collect.model, model);
  if (!(Number.isInteger(seeds.members) && seeds.members >= 1)) throw new InputError(`a seeds zoo needs at least 1 member, got ${seeds.members}`);
  if (seeds.grid && seeds.grid.length === 0) throw new InputError('a recipes grid needs at least one setting (or null)');
  const { names, manifest } = resolveSubset(model, collect.subset);
  const zooDir = path.join(outDir, ZOO_DIR);
  const identity = { recipe: 'seeds', collect: { ...collect, snapshots: undefined, saveEvery: undefined }, seeds };
  const rows = earlierMembers(zooDir, identity, manifest);

  trainBaseModel(model, data, collect, outDir, onProgress);
  const vars = new Map(names.map((n) => [n, model.params.get(n)!]));
  const base = flatten(readParams(model.params, names)).vector;
  const shapes = readParams(model.params, names);
  const split = splitFor(model, names);
  const features = computeFeatures(split, data.train);
  const labels = tf.tensor1d(data.train.labels, 'int32');
  const guard = new FiniteGuard(STAGE);
  const steps: number[] = [];
  try {
    for (let i = 0; i < seeds.members; i++) {
      const member = memberSettings(collect, seeds, i);
      const rng = new Rng(member.seed);
      if (i < rows.length) { // saved by an earlier run
        steps.push(batchCount(data.train.labels.length, collect.finetuneBatchSize) * member.epochs);
        continue;
      }
      let step = 0;
      assignParams(model.params, freshInit(shapes, rng.int(2 ** 31)));
      const optimizer = new Optimizer(member.optimizer);
      try {
        for (let epoch = 0; epoch < member.epochs; epoch++) {
          for (const idx of batchIndices(data.train.labels.length, collect.finetuneBatchSize, rng)) {
            step++;
            guard.watch(step, trainStep({ model, forward: (x, o) => split.head(x, o), vars, optimizer, mode: 'eval' },
              features, labels, idx, data.train.numClasses));
          }
        }
        guard.check(vars, step);
      } finally {
        optimizer.dispose();
      }
      rows.push(flatten(readParams(model.params, names)).vector);
      steps.push(step);
      saveMembers(zooDir, collect, seeds, identity, manifest, rows, steps);
      onProgress?.('seeds', rows.length, seeds.members, {});
    }
  } finally {
    tf.dispose([features, labels]);
    guard.dispose();
  }
  return { model, subsetNames: names, manifest, split, snapshots: stackVectors(rows), steps, base };
}

function saveMembers(
  zooDir: string, collect: CollectConfig, seeds: SeedsZooConfig, identity: Record<string, unknown>,
  manifest: ParamManifest, rows: Float32Array[], steps: number[],
): void {
  const members = rows.map((_, i) => ({ ...memberSettings(collect, seeds, i), steps: steps[i] }));
  saveZoo(zooDir, {
    model: modelName(collect.model),
    subset: collect.subset,
    paramManifest: manifest,
    params: stackVectors(rows),
    checkpoints: members.map((m) => ({ seed: m.seed, step: m.steps, valAccuracy: null, testAccuracy: null })),
    norm: null,
    config: { identitySha256: configHash(identity), recipe: identity, members },
    created: new Date().toISOString(),
  });
}

/** The members an earlier run of the same recipe saved; a zoo of another recipe or config is refused. */
function earlierMembers(zooDir: string, identity: Record<string, unknown>, manifest: ParamManifest): Float32Array[] {
  if (!fs.existsSync(path.join(zooDir, MANIFEST_FILE))) return [];
  const zoo = loadZoo(zooDir, { expect: manifest });
  if (zoo.config.identitySha256 !== configHash(identity)) {
    throw new InputError(`${zooDir} holds a zoo of another recipe or config; collect into another directory (or --restart)`);
  }
  return rowsOf(zoo.params).map((row) => row.slice());
}
