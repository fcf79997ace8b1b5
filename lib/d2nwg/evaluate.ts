/**
 * D2NWG's evaluation protocol on the held-out tasks, which nothing was trained on. Per task, the
 * reference heads train on its training split; then for each of config.draws draws of k shots per
 * class (from the training split), every method proposes heads and picks one by its fit to the
 * shots (methods.ts, which never sees the test split; the pick by the task's val split is kept as
 * an oracle column); only then are the heads scored on test. Fine-tuning curves start from each
 * picked head and train on the shots alone. A task's scores are the means over its draws.
 */
import { mean } from '../eval/stats';
import type { ProgressFn } from '../util/progress';
import { Rng } from '../util/rng';
import { taskFeatures, type TaskFeatures } from './features';
import { fineTuneHeads, headsAccuracy, trainHeads } from './heads';
import { D2NWG_METHODS, headAt, MethodContext, type D2nwgMethod, type Proposal } from './methods';
import type { D2nwgPipeline } from './pipeline';
import type { ProtocolStore } from './protocol-store';
import { d2nwgSeeds } from './seeds';
import type { D2nwgChoices } from './selection';
import type { HeldOutTask } from './task-zoo/tasks';
import { stackVectors } from '../params/flatten';

export { D2NWG_METHODS, type D2nwgMethod } from './methods';

/** The heads fine-tuning starts from: each method's shot-selected head. */
export const FINE_TUNE_STARTS = ['generated', 'prototype', 'random', 'meanHead'] as const satisfies readonly D2nwgMethod[];
export type FineTuneStart = (typeof FINE_TUNE_STARTS)[number];

/** Test accuracies in [0, 1] of one method's heads on one task (means over the draws of shots). */
export interface MethodScore {
  /** Mean test accuracy over the method's heads. */
  mean: number;
  /** Test accuracy of the head that fits the shots best (accuracy on the shots, then their cross-entropy). */
  shotSelected: number;
  /** Oracle: test accuracy of the head with the best accuracy on the task's val split, which a few-shot user does not have. */
  valOracle: number;
  heads: number;
}

export interface HeldOutResult {
  id: string;
  novelty: HeldOutTask['novelty'];
  methods: Record<D2nwgMethod, MethodScore>;
  /** Per draw of shots: the training task retrieval picked (with the embeddings' cosine similarity) and the one the shuffled control used. */
  draws: { retrieved: { id: string; similarity: number }; shuffledFrom: string }[];
  /** Test accuracy after each of config.fineTuneSteps steps on the shots, per starting head. */
  fineTune: Record<FineTuneStart, number[]>;
}

/** Each method's scores for one draw: every head's test accuracy, read at the two picks. */
function score(proposal: Proposal, test: TaskFeatures['test']): Record<D2nwgMethod, MethodScore> {
  return Object.fromEntries(D2NWG_METHODS.map((m) => {
    const accuracy = headsAccuracy(proposal.heads[m], test);
    const scores: MethodScore = { mean: mean(accuracy), shotSelected: accuracy[proposal.shotSelected[m]], valOracle: accuracy[proposal.valOracle[m]], heads: accuracy.length };
    return [m, scores];
  })) as Record<D2nwgMethod, MethodScore>;
}

/** The protocol on one held-out task: `rng` seeds the reference heads, then each draw. */
export function evaluateTask(context: MethodContext, held: HeldOutTask, rng: Rng): HeldOutResult {
  const { config, zoo } = context.pipeline;
  const { test, ...support } = taskFeatures(zoo.features, held.spec);
  const trained = trainHeads(support.train, config.zoo.heads, rng.seed()).heads;
  const draws = Array.from({ length: config.draws }, () => {
    const drawRng = new Rng(rng.seed());
    const proposal = context.propose(support, trained, drawRng);
    const starts = stackVectors(FINE_TUNE_STARTS.map((m) => headAt(proposal.heads[m], proposal.shotSelected[m])));
    const curves = fineTuneHeads(starts, proposal.shots, test, config.fineTuneSteps, config.fineTune, drawRng.seed());
    return { proposal, scores: score(proposal, test), curves };
  });
  const average = (pick: (d: (typeof draws)[number]) => number) => mean(draws.map(pick));
  return {
    id: held.id,
    novelty: held.novelty,
    methods: Object.fromEntries(D2NWG_METHODS.map((m) => [m, {
      mean: average((d) => d.scores[m].mean),
      shotSelected: average((d) => d.scores[m].shotSelected),
      valOracle: average((d) => d.scores[m].valOracle),
      heads: draws[0].scores[m].heads,
    }])) as Record<D2nwgMethod, MethodScore>,
    draws: draws.map(({ proposal }) => ({ retrieved: proposal.retrieved, shuffledFrom: proposal.shuffledFrom })),
    fineTune: Object.fromEntries(FINE_TUNE_STARTS.map((s, i) => [s, config.fineTuneSteps.map((_, k) => average((d) => d.curves[i][k]))])) as Record<FineTuneStart, number[]>,
  };
}

/**
 * Runs the protocol on every held-out task of the zoo's plan, with a fitted pipeline and the run's
 * choices; with a `store`, a task it holds is read back instead of evaluated again (task h's seed
 * is the h-th of one stream either way, so the results are those of an uninterrupted run).
 */
export function evaluateHeldOut(pipeline: D2nwgPipeline, choices: D2nwgChoices, onProgress?: ProgressFn, store?: ProtocolStore): HeldOutResult[] {
  const context = new MethodContext(pipeline, choices);
  const taskSeeds = new Rng(d2nwgSeeds(pipeline.config.seed).evaluation);
  const { heldOut } = pipeline.zoo.plan;
  return heldOut.map((held, h) => {
    const seed = taskSeeds.seed();
    const evaluate = () => evaluateTask(context, held, new Rng(seed));
    const result = store ? store.task(h, evaluate) : evaluate();
    onProgress?.('evaluate', h + 1, heldOut.length, { generated: result.methods.generated.mean, prototype: result.methods.prototype.mean });
    return result;
  });
}
