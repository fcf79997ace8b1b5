/** What a D2NWG run reports (results.json), and the summaries over held-out tasks (of one run or several seeds). */
import type { AlignResult } from '../conditioning';
import { mean } from '../eval/stats';
import { D2NWG_METHODS, FINE_TUNE_STARTS, type D2nwgMethod, type FineTuneStart, type HeldOutResult } from './evaluate';
import type { D2nwgLosses, D2nwgTimings } from './pipeline';
import type { D2nwgChoices } from './selection';
import { TASK_NOVELTIES, type TaskNovelty } from './task-zoo/tasks';

/** Mean, sample standard deviation and two-sided 95% t-interval of the mean of a list of numbers. */
export interface Spread {
  mean: number;
  std: number;
  ci95: [number, number];
}

/** The three accuracies of a method (see MethodScore), each spread over the units (tasks, or tasks × seeds). */
export type MethodSummary = Record<'mean' | 'shotSelected' | 'valOracle', Spread>;

export interface D2nwgSummary {
  /** Held-out tasks summarised (over every run given). */
  tasks: number;
  /** Runs (seeds) they come from. */
  runs: number;
  methods: Record<D2nwgMethod, MethodSummary>;
  /** Mean over tasks of the test accuracy after each fine-tuning step count. */
  fineTune: Record<FineTuneStart, number[]>;
}

export interface D2nwgResults {
  experiment: 'd2nwg';
  preset: string;
  seed: number;
  /** tf.getBackend() during the run: 'native' | 'wasm' | 'cpu' | 'tensorflow'. */
  backend: string;
  zoo: {
    trainTasks: number; heads: number; heldOutTasks: number; extractorValAccuracy: number; meanHeadValAccuracy: number;
    /** Per source, the classes held out of the extractor, of every training task and of the zoo. */
    unseenClasses: Partial<Record<string, number[]>>;
  };
  vae: { relativeMse: number; latentDim: number };
  alignment: Pick<AlignResult, 'accuracy' | 'chance' | 'temperature' | 'seconds'>;
  /** Every choice the run made and the data it used (val splits of training tasks only). */
  selection: D2nwgChoices;
  /** Over all held-out tasks, and per kind (TaskNovelty). */
  summary: { all: D2nwgSummary; byNovelty: Partial<Record<TaskNovelty, D2nwgSummary>> };
  tasks: HeldOutResult[];
  losses: D2nwgLosses;
  timings: D2nwgTimings & { select: number; evaluate: number; total: number };
  config: Record<string, unknown>;
}

/** Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom. */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** t_{0.975, df}: the table up to 30, then the expansion in 1/df around the normal quantile (Abramowitz & Stegun 26.7.5; error < 1e-3). */
export function tQuantile975(df: number): number {
  if (df <= T975.length) return T975[df - 1];
  const z = 1.959964;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2);
}

export function spread(values: readonly number[]): Spread {
  const n = values.length;
  const m = mean(values);
  if (n < 2) return { mean: m, std: Number.NaN, ci95: [Number.NaN, Number.NaN] };
  const std = Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (n - 1));
  const half = tQuantile975(n - 1) * std / Math.sqrt(n);
  return { mean: m, std, ci95: [m - half, m + half] };
}

/** The summary of `tasks` (pooled from `runs` runs: each task of each seed is one unit). */
export function summarize(tasks: HeldOutResult[], runs = 1): D2nwgSummary {
  const methods = Object.fromEntries(D2NWG_METHODS.map((m) => [m, {
    mean: spread(tasks.map((t) => t.methods[m].mean)),
    shotSelected: spread(tasks.map((t) => t.methods[m].shotSelected)),
    valOracle: spread(tasks.map((t) => t.methods[m].valOracle)),
  }])) as Record<D2nwgMethod, MethodSummary>;
  const fineTune = Object.fromEntries(FINE_TUNE_STARTS.map((s) => [s,
    tasks[0].fineTune[s].map((_, k) => mean(tasks.map((t) => t.fineTune[s][k])))])) as Record<FineTuneStart, number[]>;
  return { tasks: tasks.length, runs, methods, fineTune };
}

/** Per kind of held-out task, in TASK_NOVELTIES order; kinds without tasks are left out. */
export function summarizeByNovelty(tasks: HeldOutResult[], runs = 1): Partial<Record<TaskNovelty, D2nwgSummary>> {
  return Object.fromEntries(TASK_NOVELTIES.flatMap((novelty) => {
    const group = tasks.filter((t) => t.novelty === novelty);
    return group.length ? [[novelty, summarize(group, runs)]] : [];
  }));
}

/** The summary of several runs (seeds) of one config: their held-out tasks pooled, tasks × seeds as units. */
export function summarizeRuns(runs: readonly D2nwgResults[]): D2nwgResults['summary'] {
  const tasks = runs.flatMap((r) => r.tasks);
  return { all: summarize(tasks, runs.length), byNovelty: summarizeByNovelty(tasks, runs.length) };
}
