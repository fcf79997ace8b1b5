/** What a D2NWG run reports (results.json), and the summaries over held-out tasks. */
import type { AlignResult } from '../conditioning';
import { mean } from '../eval/stats';
import { D2NWG_METHODS, FINE_TUNE_STARTS, type D2nwgMethod, type FineTuneStart, type HeldOutResult } from './evaluate';
import type { D2nwgLosses, D2nwgTimings } from './pipeline';
import type { TaskNovelty } from './task-zoo/tasks';

/** Mean over tasks of each method's val-selected and mean test accuracy, in [0, 1]. */
export type MethodSummary = Record<D2nwgMethod, { valSelected: number; mean: number }>;

export interface D2nwgSummary {
  tasks: number;
  methods: MethodSummary;
  /** Mean over tasks of the test accuracy after each fine-tuning step count. */
  fineTune: Record<FineTuneStart, number[]>;
}

export interface D2nwgResults {
  experiment: 'd2nwg';
  preset: string;
  seed: number;
  /** tf.getBackend() during the run: 'native' | 'wasm' | 'cpu' | 'tensorflow'. */
  backend: string;
  zoo: { trainTasks: number; heads: number; heldOutTasks: number; extractorValAccuracy: number; meanHeadValAccuracy: number };
  vae: { relativeMse: number; latentDim: number };
  alignment: Pick<AlignResult, 'accuracy' | 'chance' | 'temperature' | 'seconds'>;
  /** Over all held-out tasks, and per novelty (unseen classes, unseen variant, both). */
  summary: { all: D2nwgSummary; byNovelty: Partial<Record<TaskNovelty, D2nwgSummary>> };
  tasks: HeldOutResult[];
  losses: D2nwgLosses;
  timings: D2nwgTimings & { evaluate: number; total: number };
  config: Record<string, unknown>;
}

export function summarize(tasks: HeldOutResult[]): D2nwgSummary {
  const methods = Object.fromEntries(D2NWG_METHODS.map((m) => [m, {
    valSelected: mean(tasks.map((t) => t.methods[m].valSelected)),
    mean: mean(tasks.map((t) => t.methods[m].mean)),
  }])) as MethodSummary;
  const fineTune = Object.fromEntries(FINE_TUNE_STARTS.map((s) => [s,
    tasks[0].fineTune[s].map((_, k) => mean(tasks.map((t) => t.fineTune[s][k])))])) as Record<FineTuneStart, number[]>;
  return { tasks: tasks.length, methods, fineTune };
}

export function summarizeByNovelty(tasks: HeldOutResult[]): Partial<Record<TaskNovelty, D2nwgSummary>> {
  const groups = new Map<TaskNovelty, HeldOutResult[]>();
  for (const t of tasks) groups.set(t.novelty, [...(groups.get(t.novelty) ?? []), t]);
  return Object.fromEntries([...groups].map(([novelty, group]) => [novelty, summarize(group)]));
}
