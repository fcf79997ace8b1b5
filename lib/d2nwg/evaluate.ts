/**
 * D2NWG's evaluation protocol on the held-out tasks, which nothing was trained on. Per task: the
 * condition is drawn from its training split only; every method proposes heads; a method's score
 * is the test accuracy of its head selected on the task's val split, and the mean test accuracy
 * over its heads. Methods: generated (conditional diffusion), unconditional generator, random
 * init, the zoo's mean head, retrieval of the nearest training task by dataset embedding (its
 * heads as they are), class-wise retrieval (for each class the row of the nearest training class,
 * a stronger baseline than the protocol's), and heads trained on the task (the upper reference).
 * Fine-tuning curves start from the val-selected generated head, a random head and the mean head.
 */
import { argmaxFirst, mean } from '../eval/stats';
import { stackVectors } from '../params/flatten';
import type { VectorSet } from '../params/types';
import { Rng } from '../util/rng';
import { embedConditions, taskCondition } from './conditions';
import { taskFeatures, type TaskFeatures } from './features';
import { fineTuneHeads, headsAccuracy, initHead } from './heads';
import type { D2nwgPipeline } from './pipeline';
import { d2nwgSeeds } from './seeds';
import { trainTaskHeads, zooTaskHeads } from './task-zoo/build';
import type { HeldOutTask } from './task-zoo/tasks';
import type { ProgressFn } from '../util/progress';
import type { VaeInput } from '../vae/input';

export const D2NWG_METHODS = ['generated', 'unconditional', 'random', 'meanHead', 'retrieval', 'classRetrieval', 'trained'] as const;
export type D2nwgMethod = (typeof D2NWG_METHODS)[number];
export const FINE_TUNE_STARTS = ['generated', 'random', 'meanHead'] as const;
export type FineTuneStart = (typeof FINE_TUNE_STARTS)[number];

/** Test accuracies in [0, 1] of one method's heads on one task. */
export interface MethodScore {
  /** Test accuracy of the head with the best val accuracy (ties: the first). */
  valSelected: number;
  /** Mean test accuracy over the method's heads. */
  mean: number;
  heads: number;
}

export interface HeldOutResult {
  id: string;
  novelty: HeldOutTask['novelty'];
  methods: Record<D2nwgMethod, MethodScore>;
  /** The training task retrieval picked, and the cosine similarity of the two dataset embeddings. */
  retrieved: { id: string; similarity: number };
  /** Test accuracy after each of config.fineTuneSteps steps, per starting head. */
  fineTune: Record<FineTuneStart, number[]>;
}

/** Scores one method's heads; also returns the val-selected head's index. */
function score(heads: VectorSet, task: TaskFeatures): MethodScore & { best: number } {
  const val = headsAccuracy(heads, task.val);
  const test = headsAccuracy(heads, task.test);
  const best = argmaxFirst(val);
  return { valSelected: test[best], mean: mean(test), heads: heads.count, best };
}

const headAt = (heads: VectorSet, i: number) => heads.data.slice(i * heads.dim, (i + 1) * heads.dim);

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}

/** Index and similarity of the row of `set` most cosine-similar to `query`. */
function nearest(set: VectorSet, query: Float32Array): { index: number; similarity: number } {
  let best = { index: -1, similarity: -Infinity };
  for (let i = 0; i < set.count; i++) {
    const similarity = cosine(set.data.subarray(i * set.dim, (i + 1) * set.dim), query);
    if (similarity > best.similarity) best = { index: i, similarity };
  }
  return best;
}

/**
 * What retrieval searches: one condition per training task (drawn from its training split) with
 * its dataset embedding and class embeddings, and each task's val-best zoo head.
 */
function retrievalIndex(pipeline: D2nwgPipeline) {
  const { encoder, zoo, config } = pipeline;
  const H = encoder.embedSize;
  const rng = new Rng(d2nwgSeeds(config.seed).retrieval);
  const conditions = pipeline.trainTasks.map((task) => taskCondition(task, config.shots, rng.seed()));
  const embedded = conditions.map((c) => embedConditions(encoder, c));
  const datasets = stackVectors(embedded.map((e) => e.datasets.data));
  // Class embedding of row k = the first H numbers of its condition vector.
  const classRows = embedded.flatMap((e) => Array.from({ length: e.rows.count }, (_, k) => e.rows.data.slice(k * e.rows.dim, k * e.rows.dim + H)));
  const bestHeads = zoo.tasks.map((task) => headAt(zooTaskHeads(zoo, task), argmaxFirst(task.valAccuracy)));
  return { datasets, classes: stackVectors(classRows), bestHeads };
}

/** Runs the protocol on every held-out task of the zoo's plan, with a fitted pipeline. */
export function evaluateHeldOut(pipeline: D2nwgPipeline, onProgress?: ProgressFn): HeldOutResult[] {
  const { zoo, input, encoder, config } = pipeline;
  const H = encoder.embedSize;
  const C = input.plan.rowsPerVector;
  const F = zoo.headManifest.entries[0].shape[0];
  const index = retrievalIndex(pipeline);
  const meanHead = meanRow(zoo.heads);
  const N = config.sampling.samples;
  const taskSeeds = new Rng(d2nwgSeeds(config.seed).evaluation);
  return zoo.plan.heldOut.map((held, h) => {
    const task = taskFeatures(zoo.features, held.spec);
    // One stream per task, one seed per purpose (condition, samples, random heads, …).
    const rng = new Rng(taskSeeds.seed());
    const embedded = embedConditions(encoder, taskCondition(task, config.shots, rng.seed()));
    const generated = pipeline.generate(embedded.rows, N, { seed: rng.seed() });
    const random = stackVectors(Array.from({ length: N }, () => initHead(F, C, rng.seed())));
    const retrieved = nearest(index.datasets, embedded.datasets.data);
    const retrievedTask = zoo.tasks[retrieved.index];
    // For each class: the row of the nearest class (by class embedding) in its task's val-best head.
    const classRows = Array.from({ length: C }, (_, k) => {
      const near = nearest(index.classes, embedded.rows.data.slice(k * 2 * H, k * 2 * H + H)).index;
      const [taskIndex, row] = [Math.floor(near / C), near % C];
      return headRows(input, index.bestHeads[taskIndex])[row];
    });
    const methods = {
      generated: score(generated, task),
      unconditional: score(pipeline.generateUnconditional(N, { seed: rng.seed() }), task),
      random: score(random, task),
      meanHead: score(stackVectors([meanHead]), task),
      retrieval: score(zooTaskHeads(zoo, retrievedTask), task),
      classRetrieval: score(input.fromRows(stackVectors(classRows)), task),
      trained: score(trainTaskHeads(task, config.zoo.heads, rng.seed()).heads, task),
    };
    const starts = stackVectors([headAt(generated, methods.generated.best), headAt(random, 0), meanHead]);
    const curves = fineTuneHeads(starts, task.train, task.test, config.fineTuneSteps, config.fineTune, rng.seed());
    onProgress?.('evaluate', h + 1, zoo.plan.heldOut.length, { generated: methods.generated.mean, trained: methods.trained.mean });
    const strip = ({ valSelected, mean, heads }: MethodScore) => ({ valSelected, mean, heads });
    return {
      id: held.id,
      novelty: held.novelty,
      methods: Object.fromEntries(Object.entries(methods).map(([k, v]) => [k, strip(v)])) as Record<D2nwgMethod, MethodScore>,
      retrieved: { id: retrievedTask.id, similarity: retrieved.similarity },
      fineTune: { generated: curves[0], random: curves[1], meanHead: curves[2] },
    };
  });
}

/** The C class rows ([W_k, b_k]) of one flattened head. */
function headRows(input: VaeInput, head: Float32Array): Float32Array[] {
  const rows = input.toRows({ count: 1, dim: head.length, data: head });
  return Array.from({ length: rows.count }, (_, k) => rows.data.slice(k * rows.dim, (k + 1) * rows.dim));
}

function meanRow(set: VectorSet): Float32Array {
  const out = new Float32Array(set.dim);
  for (let i = 0; i < set.count; i++) for (let j = 0; j < set.dim; j++) out[j] += set.data[i * set.dim + j] / set.count;
  return out;
}
