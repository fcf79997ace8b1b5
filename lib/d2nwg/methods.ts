/**
 * Every method's heads for one held-out task and one draw of shots, with the head each picks,
 * from what a method may see: the shots (drawn from the task's training split), the zoo and the
 * generator. `propose` never receives the task's test split; its val split serves only the oracle
 * column.
 *   generated           D2NWG: N heads from the conditional generator given the shots
 *   shuffledCondition   control: the same generator given another task's shots (same source, other classes)
 *   randomCondition     control: the same generator given random shots (each feature's marginal, no class structure)
 *   unconditional       the unconditional generator (rows drawn independently: blind to which class is which)
 *   prototype           the shots' class means as a linear head (no training)
 *   logisticRegression  a head trained on the shots alone (steps chosen on training tasks)
 *   classRetrieval      per class, the row of the nearest training class (class embeddings) in its task's val-best head
 *   retrieval           the heads of the nearest training task (dataset embeddings), as they are
 *   meanHead            the mean of every zoo head
 *   random              N heads from PyTorch's default init
 *   trained             heads trained on the task's whole training split (the reference, not a few-shot method)
 */
import { argmaxFirst } from '../eval/stats';
import type { Condition } from '../conditioning';
import { comboKey, type TaskSource } from '../data/tasks';
import type { ImageVariant } from '../data/variants';
import { stackVectors } from '../params/flatten';
import type { VectorSet } from '../params/types';
import { Rng } from '../util/rng';
import { embedConditions, taskCondition } from './conditions';
import { selectClasses } from './features';
import { headsAccuracy, initHead, trainFrom, type FeatureSet } from './heads';
import type { D2nwgPipeline } from './pipeline';
import { d2nwgSeeds } from './seeds';
import type { D2nwgChoices, SupportTask } from './selection';
import { prototypeHead, randomCondition, selectByShots, shotSet } from './shots';
import { zooTaskHeads } from './task-zoo/build';
import { rowOf } from '../params/rows';

export const D2NWG_METHODS = [
  'generated', 'shuffledCondition', 'randomCondition', 'unconditional', 'prototype', 'logisticRegression',
  'classRetrieval', 'retrieval', 'meanHead', 'random', 'trained',
] as const;
export type D2nwgMethod = (typeof D2NWG_METHODS)[number];

/** What the methods proposed for one draw of shots. */
export interface Proposal {
  shots: FeatureSet;
  heads: Record<D2nwgMethod, VectorSet>;
  /** Per method, the index of the head that fits the shots best. */
  shotSelected: Record<D2nwgMethod, number>;
  /** Per method, the index of the head with the best accuracy on the task's val split (an oracle: 1,000s of labels). */
  valOracle: Record<D2nwgMethod, number>;
  /** The training task retrieval picked, with the cosine similarity of the two dataset embeddings. */
  retrieved: { id: string; similarity: number };
  /** The training task whose shots conditioned the shuffled-condition control. */
  shuffledFrom: string;
}

export const headAt = (heads: VectorSet, i: number) => heads.data.slice(i * heads.dim, (i + 1) * heads.dim);
const single = (head: Float32Array): VectorSet => ({ count: 1, dim: head.length, data: head });

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
    const similarity = cosine(rowOf(set, i), query);
    if (similarity > best.similarity) best = { index: i, similarity };
  }
  return best;
}

function meanRow(set: VectorSet): Float32Array {
  const out = new Float32Array(set.dim);
  for (let i = 0; i < set.count; i++) for (let j = 0; j < set.dim; j++) out[j] += set.data[i * set.dim + j] / set.count;
  return out;
}

/** The training-split features of every (source, variant) the training tasks use, their classes only, stacked. */
function trainingFeatures(pipeline: D2nwgPipeline): VectorSet {
  const classes = new Map<string, Set<number>>();
  for (const { spec } of pipeline.zoo.tasks) {
    const key = `${spec.source}.${spec.variant}`;
    classes.set(key, new Set([...(classes.get(key) ?? []), ...spec.classes]));
  }
  const parts = [...classes].map(([key, set]) => {
    const [source, variant] = key.split('.') as [TaskSource, ImageVariant];
    return selectClasses(pipeline.zoo.features.get({ source, variant, split: 'train' }), [...set].sort((a, b) => a - b));
  });
  const data = new Float32Array(parts.reduce((n, p) => n + p.data.length, 0));
  parts.reduce((at, p) => (data.set(p.data, at), at + p.data.length), 0);
  return { count: data.length / parts[0].dim, dim: parts[0].dim, data };
}

/** What every held-out task's methods share, built once per run from the fitted pipeline and its choices. */
export class MethodContext {
  /** Retrieval's index: per training task a condition's dataset embedding, its class embeddings, its val-best head's class rows. */
  private readonly datasets: VectorSet;
  private readonly classes: VectorSet;
  private readonly bestRows: Float32Array[][];
  readonly meanHead: Float32Array;
  /** Every training task's training features: the marginals the random condition draws from. */
  private readonly pool: VectorSet;

  constructor(readonly pipeline: D2nwgPipeline, readonly choices: D2nwgChoices) {
    const { encoder, zoo, config, input, trainTasks } = pipeline;
    const H = encoder.embedSize;
    const rng = new Rng(d2nwgSeeds(config.seed).retrieval);
    const embedded = trainTasks.map((task) => embedConditions(encoder, taskCondition(task, config.shots, rng.seed())));
    this.datasets = stackVectors(embedded.map((e) => e.datasets.data));
    // Class embedding of row k = the first H numbers of its condition vector.
    this.classes = stackVectors(embedded.flatMap((e) => Array.from({ length: e.rows.count }, (_, k) => e.rows.data.slice(k * e.rows.dim, k * e.rows.dim + H))));
    this.bestRows = zoo.tasks.map((task) => {
      const rows = input.toRows(single(headAt(zooTaskHeads(zoo, task), argmaxFirst(task.valAccuracy))));
      return Array.from({ length: rows.count }, (_, k) => rows.data.slice(k * rows.dim, (k + 1) * rows.dim));
    });
    this.meanHead = meanRow(zoo.heads);
    this.pool = trainingFeatures(pipeline);
  }

  /**
   * Every method's heads for `task` and one draw of shots (seeds from `rng`); `trained` are the
   * reference heads trained on its whole training split.
   */
  propose(task: SupportTask, trained: VectorSet, rng: Rng): Proposal {
    const { pipeline, choices } = this;
    const { config, encoder, input, zoo, trainTasks } = pipeline;
    const N = config.sampling.samples;
    const C = input.plan.rowsPerVector;
    const H = encoder.embedSize;
    const F = task.train.dim;
    const guidance = choices.guidance.chosen;
    const generateFrom = (condition: Condition, seed: number) => pipeline.generate(pipeline.conditionBlock(condition), N, { seed, guidance });

    const condition = taskCondition(task, config.shots, rng.seed());
    const shots = shotSet(condition);
    const embedded = embedConditions(encoder, condition);
    const generated = generateFrom(condition, rng.seed());
    const other = this.otherTask(task, rng);
    const shuffledCondition = generateFrom(taskCondition(trainTasks[other], config.shots, rng.seed()), rng.seed());
    const randomConditioned = generateFrom(randomCondition(this.pool, C, config.shots, rng), rng.seed());
    const unconditional = pipeline.generateUnconditional(N, { seed: rng.seed() });
    const random = stackVectors(Array.from({ length: N }, () => initHead(F, C, rng.seed())));
    const init = single(initHead(F, C, rng.seed()));
    const logisticRegression = trainFrom(init, shots, [choices.shotHeadSteps.chosen], config.shotHead, rng.seed())[0];
    const retrieved = nearest(this.datasets, embedded.datasets.data);
    // For each class: the row of the nearest training class (by class embedding) in its task's val-best head.
    const classRows = Array.from({ length: C }, (_, k) => {
      const near = nearest(this.classes, embedded.rows.data.slice(k * 2 * H, k * 2 * H + H)).index;
      return this.bestRows[Math.floor(near / C)][near % C];
    });
    const heads: Record<D2nwgMethod, VectorSet> = {
      generated, shuffledCondition, randomCondition: randomConditioned, unconditional,
      prototype: single(prototypeHead(condition)),
      logisticRegression,
      classRetrieval: input.fromRows(stackVectors(classRows)),
      retrieval: zooTaskHeads(zoo, zoo.tasks[retrieved.index]),
      meanHead: single(this.meanHead),
      random,
      trained,
    };
    const pick = (choose: (set: VectorSet) => number) => Object.fromEntries(D2NWG_METHODS.map((m) => [m, choose(heads[m])])) as Record<D2nwgMethod, number>;
    return {
      shots, heads,
      shotSelected: pick((set) => selectByShots(set, shots)),
      valOracle: pick((set) => argmaxFirst(headsAccuracy(set, task.val))),
      retrieved: { id: zoo.tasks[retrieved.index].id, similarity: retrieved.similarity },
      shuffledFrom: trainTasks[other].id,
    };
  }

  /** A training task whose shots condition the shuffled control: same source, another class combination (same variant if there is one). */
  private otherTask(task: SupportTask, rng: Rng): number {
    const { trainTasks } = this.pipeline;
    const candidates = (sameVariant: boolean) => trainTasks.flatMap((t, i) => (t.spec.source === task.spec.source && comboKey(t.spec) !== comboKey(task.spec)
      && (!sameVariant || t.spec.variant === task.spec.variant) ? [i] : []));
    const pool = [candidates(true), candidates(false), trainTasks.map((_, i) => i)].find((c) => c.length > 0)!;
    return pool[rng.int(pool.length)];
  }
}
