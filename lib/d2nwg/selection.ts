/**
 * The choices a D2NWG run makes before it meets a held-out task, each on the val splits of
 * training tasks (whose heads the generator learned from; a held-out task's val and test splits
 * are never read): the classifier-free guidance scale, and the step count of logistic regression
 * on the shots. Each training task gets a fresh condition drawn from its training split, as a
 * held-out task does; every candidate is scored by the mean val accuracy of its heads, averaged
 * over the tasks, with the same sampler seed for every scale (common random numbers).
 */
import { argmaxFirst, mean } from '../eval/stats';
import type { ProgressFn } from '../util/progress';
import { Rng } from '../util/rng';
import { taskCondition } from './conditions';
import type { TaskFeatures } from './features';
import { headsAccuracy, initHead, trainFrom } from './heads';
import type { D2nwgPipeline } from './pipeline';
import { d2nwgSeeds } from './seeds';
import { shotSet } from './shots';

/** A task as a choice may see it: its training and val splits, never its test split. */
export type SupportTask = Omit<TaskFeatures, 'test'>;

/** One choice: the candidates, the mean val accuracy of each over the selection tasks, and the winner. */
export interface Choice {
  candidates: number[];
  valAccuracy: number[];
  chosen: number;
}

export interface D2nwgChoices {
  guidance: Choice;
  shotHeadSteps: Choice;
  /** The training tasks whose val splits decided, and their val images in all. */
  tasks: string[];
  valImages: number;
}

/** The run's choices, on `config.selection.tasks` training tasks of the pipeline drawn with the selection seed. */
export function chooseOnTrainingTasks(pipeline: D2nwgPipeline, onProgress?: ProgressFn): D2nwgChoices {
  const { config, trainTasks } = pipeline;
  const order = new Rng(d2nwgSeeds(config.seed).selection).permutation(trainTasks.length);
  const picked = Array.from(order.subarray(0, Math.min(config.selection.tasks, trainTasks.length)), (i) => trainTasks[i]);
  return chooseOnTasks(pipeline, picked, d2nwgSeeds(config.seed).selection, onProgress);
}

/** The choices made on `tasks` (training tasks: conditions from their training split, scores on their val split). */
export function chooseOnTasks(pipeline: D2nwgPipeline, tasks: SupportTask[], seed: number, onProgress?: ProgressFn): D2nwgChoices {
  const { config } = pipeline;
  const { guidance, shotHeadSteps, samples } = config.selection;
  const rng = new Rng(seed);
  const perTask = tasks.map((task, i) => {
    const condition = taskCondition(task, config.shots, rng.seed());
    const rows = pipeline.conditionBlock(condition); // [C, Dc]
    const sampleSeed = rng.seed();
    const byScale = guidance.map((scale) => mean(headsAccuracy(pipeline.generate(rows, samples, { seed: sampleSeed, guidance: scale }), task.val)));
    const init = initHead(task.train.dim, task.train.numClasses, rng.seed());
    const trained = trainFrom({ count: 1, dim: init.length, data: init }, shotSet(condition), shotHeadSteps, config.shotHead, rng.seed());
    const bySteps = trained.map((head) => headsAccuracy(head, task.val)[0]);
    onProgress?.('select', i + 1, tasks.length, { guidance: guidance[argmaxFirst(byScale)] });
    return { byScale, bySteps };
  });
  const choice = (candidates: number[], scores: number[][]): Choice => {
    const valAccuracy = candidates.map((_, c) => mean(scores.map((s) => s[c])));
    return { candidates, valAccuracy, chosen: candidates[argmaxFirst(valAccuracy)] };
  };
  return {
    guidance: choice(guidance, perTask.map((t) => t.byScale)),
    shotHeadSteps: choice(shotHeadSteps, perTask.map((t) => t.bySteps)),
    tasks: tasks.map((t) => t.id),
    valImages: tasks.reduce((n, t) => n + t.val.count, 0),
  };
}
