/**
 * Builds the D2NWG task zoo in a directory, resumably: the frozen extractor (trained on the
 * identity base set), the feature cache of every (source, variant, split) the plan uses, then
 * for each training task its heads, saved after every task. A re-run with the same config
 * continues where a kill left it; another config is refused (run.json). The result gives the
 * runner the plan, the heads and each task's features, all from disk.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseTaskId } from '../../data/tasks';
import { mean } from '../../eval/stats';
import type { ImageVariant } from '../../data/variants';
import type { ParamManifest, VectorSet } from '../../params/types';
import { concatTyped } from '../../util/concat';
import { InputError } from '../../util/errors';
import { featureFile, FeatureStore, fillFeatureCache, SPLIT_NAMES, taskFeatures, type FeatureKey, type TaskFeatures } from '../features';
import { loadTaskSources, trainExtractor, type ExtractorInfo, type TaskSources } from './extractor';
import { headManifest, headsAccuracy, trainHeads, type HeadTrainConfig, type TrainedHeads } from '../heads';
import { defaultTaskPlanConfig, planTasks, type HeldOutTask, type PlannedTask, type TaskPlan } from './tasks';
import { loadTaskZoo, saveTaskZoo, TASKS_FILE, type TaskZooManifest, type ZooTask } from './store';
import { checkTaskZooConfig, type TaskZooConfig } from './config';
import type { ProgressFn } from '../../util/progress';
import { claimRunDir } from '../../util/run-dir';

export interface TaskZoo {
  dir: string;
  manifest: TaskZooManifest;
  plan: TaskPlan;
  extractor: ExtractorInfo;
  /** The training tasks, each with its rows of `heads`. */
  tasks: ZooTask[];
  /** [K, F·k + k] every head of every training task. */
  heads: VectorSet;
  headManifest: ParamManifest;
  /** Cached features; a task's are `taskFeatures(zoo.features, spec)`. */
  features: FeatureStore;
}

/** The rows of `heads` that belong to `task`. */
export function zooTaskHeads(zoo: TaskZoo, task: ZooTask): VectorSet {
  const { dim, data } = zoo.heads;
  return { count: task.headCount, dim, data: data.subarray(task.firstHead * dim, (task.firstHead + task.headCount) * dim) };
}

/** Heads trained on a task's training features, scored on its val and test features. */
export interface ScoredHeads extends TrainedHeads {
  valAccuracy: number[];
  testAccuracy: number[];
}

/** Trains `config.headsPerTask` heads on the task's training split (for held-out tasks: the upper reference). */
export function trainTaskHeads(features: TaskFeatures, config: HeadTrainConfig, seed: number): ScoredHeads {
  const trained = trainHeads(features.train, config, seed);
  return { ...trained, valAccuracy: headsAccuracy(trained.heads, features.val), testAccuracy: headsAccuracy(trained.heads, features.test) };
}

/** Every feature array the plan needs: each source in each of its variants, all three splits. */
export function planFeatureKeys(config: TaskZooConfig): FeatureKey[] {
  const variants: ImageVariant[] = [...config.plan.trainVariants, ...config.plan.heldOutVariants];
  return config.plan.sources.flatMap((source) => variants.flatMap((variant) => SPLIT_NAMES.map((split) => ({ source, variant, split }))));
}

/**
 * Builds (or finishes) the zoo of `config` in `outDir`. `sources` defaults to loading the real
 * datasets, which happens only if something is left to compute.
 */
export function buildTaskZoo(config: TaskZooConfig, outDir: string, onProgress?: ProgressFn, sources?: TaskSources): TaskZoo {
  checkTaskZooConfig(config);
  const plan = planTasks(config.plan);
  const record = structuredClone(config) as unknown as Record<string, unknown>;
  // A zoo saved before a plan field was added ran with that field's default.
  claimRunDir(outDir, record, { defaults: { plan: defaultTaskPlanConfig } });
  const keys = planFeatureKeys(config);
  const earlier = fs.existsSync(path.join(outDir, TASKS_FILE)) ? loadTaskZoo(outDir, { extraRows: 'drop' }) : undefined;
  if (earlier?.manifest.tasks.length === plan.train.length && keys.every((k) => fs.existsSync(featureFile(outDir, k)))) return openTaskZoo(outDir);

  const data = sources ?? loadTaskSources(config.plan.sources, config.data);
  const extractor = trainExtractor(data, config.plan.sources, config.extractor, config.data, plan.unseenClasses, outDir, onProgress);
  try {
    if (earlier && earlier.manifest.extractor.weightsSha256 !== extractor.info.weightsSha256) {
      throw new InputError(`the heads in ${outDir} were trained on features of another extractor; delete ${TASKS_FILE} to train them again`);
    }
    fillFeatureCache(outDir, data, config.data, extractor, keys, (done, total) => onProgress?.('features', done, total, {}));
  } finally {
    extractor.model.dispose();
  }
  const store = new FeatureStore(outDir, extractor.info.weightsSha256);
  const tasks = earlier ? [...earlier.manifest.tasks] : [];
  const rows = earlier ? [earlier.heads.data] : [];
  let count = earlier?.heads.count ?? 0;
  let dim = earlier?.heads.dim ?? 0;
  let layout = earlier?.manifest.headManifest;
  for (let i = tasks.length; i < plan.train.length; i++) {
    const { id, spec } = plan.train[i];
    const features = taskFeatures(store, spec);
    const scored = trainTaskHeads(features, config.heads, config.seed + i);
    layout ??= headManifest(features.train.dim, features.train.numClasses);
    dim = scored.heads.dim;
    tasks.push({
      id, spec, firstHead: count, headCount: scored.heads.count, seeds: scored.seeds, steps: scored.steps,
      valAccuracy: scored.valAccuracy, testAccuracy: scored.testAccuracy, trainSize: features.train.count,
    });
    rows.push(scored.heads.data);
    count += scored.heads.count;
    const heads = { count, dim, data: concatTyped(rows, (n) => new Float32Array(n)) };
    saveTaskZoo(outDir, manifestOf(record, extractor.info, layout, plan, tasks), heads);
    onProgress?.('heads', i + 1, plan.train.length, { valAccuracy: mean(scored.valAccuracy) });
  }
  return openTaskZoo(outDir);
}

/** A finished zoo from disk alone (no data, no extractor). */
export function openTaskZoo(dir: string): TaskZoo {
  const { manifest, heads } = loadTaskZoo(dir);
  if (manifest.tasks.length !== manifest.planTrain.length) {
    throw new InputError(`the task zoo in ${dir} is unfinished (${manifest.tasks.length} of ${manifest.planTrain.length} training tasks); run buildTaskZoo to finish it`);
  }
  const planned = (id: string): PlannedTask => ({ id, spec: parseTaskId(id) });
  const plan: TaskPlan = {
    train: manifest.planTrain.map(planned),
    heldOut: manifest.heldOut.map((h): HeldOutTask => ({ ...planned(h.id), novelty: h.novelty })),
    unseenClasses: manifest.unseenClasses,
  };
  return {
    dir, manifest, plan, extractor: manifest.extractor, tasks: manifest.tasks, heads,
    headManifest: manifest.headManifest, features: new FeatureStore(dir, manifest.extractor.weightsSha256),
  };
}

function manifestOf(config: Record<string, unknown>, extractor: ExtractorInfo, layout: ParamManifest, plan: TaskPlan, tasks: ZooTask[]): TaskZooManifest {
  return {
    config, extractor, headManifest: layout,
    planTrain: plan.train.map((t) => t.id),
    heldOut: plan.heldOut.map((t) => ({ id: t.id, novelty: t.novelty })),
    unseenClasses: plan.unseenClasses,
    tasks,
  };
}

