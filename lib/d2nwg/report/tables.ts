/** Result tables of a D2NWG run or of several seeds (rows for arquero, the report and the console). */
import { D2NWG_METHODS, FINE_TUNE_STARTS, type D2nwgMethod } from '../evaluate';
import { summarizeRuns, type D2nwgResults, type D2nwgSummary, type Spread } from '../results';
import { TASK_NOVELTIES, type TaskNovelty } from '../task-zoo/tasks';
import type { Row } from '../../viz/table';
import { pctText } from '../../viz/format';

export const METHOD_LABELS: Record<D2nwgMethod, string> = {
  generated: 'D2NWG (conditional diffusion, the task\'s shots)',
  shuffledCondition: 'control: D2NWG given another task\'s shots',
  randomCondition: 'control: D2NWG given random shots',
  unconditional: 'unconditional diffusion',
  prototype: 'prototype head (class means of the shots)',
  logisticRegression: 'logistic regression on the shots',
  classRetrieval: 'retrieval: nearest class rows',
  retrieval: 'retrieval: nearest training task',
  meanHead: 'mean zoo head',
  random: 'random init',
  trained: 'trained on the whole training split (reference)',
};

export const NOVELTY_LABELS: Record<TaskNovelty, string> = {
  combination: 'unseen class combination',
  variant: 'unseen variant',
  combinationAndVariant: 'unseen combination in an unseen variant',
  classes: 'unseen classes',
};

/** Which held-out tasks a table covers: all, or one kind. */
export type TaskGroup = 'all' | TaskNovelty;

export const groupLabel = (group: TaskGroup): string => (group === 'all' ? 'all held-out tasks' : NOVELTY_LABELS[group]);

const asRuns = (runs: D2nwgResults | readonly D2nwgResults[]): readonly D2nwgResults[] => ('experiment' in runs ? [runs] : runs);

/** The summary of a group over the runs given (one run: its own summary). */
export function groupSummary(runs: D2nwgResults | readonly D2nwgResults[], group: TaskGroup): D2nwgSummary | undefined {
  const list = asRuns(runs);
  const summary = list.length === 1 ? list[0].summary : summarizeRuns(list);
  return group === 'all' ? summary.all : summary.byNovelty[group];
}

const plusMinus = (s: Spread) => `${pctText(s.mean)} ± ${Number.isNaN(s.std) ? '–' : pctText(s.std)}`;
const interval = (s: Spread) => (Number.isNaN(s.std) ? '–' : `[${pctText(s.ci95[0])}, ${pctText(s.ci95[1])}]`);

/**
 * Per method, on one group of held-out tasks: test accuracy (%) as mean ± std over tasks (× seeds)
 * with the 95% interval of the mean, for the mean over a method's heads, its shot-selected head,
 * and (oracle) its head selected on the task's val split; and the mean as % of the trained heads'.
 */
export function methodsTable(runs: D2nwgResults | readonly D2nwgResults[], group: TaskGroup = 'all'): Row[] {
  const s = groupSummary(runs, group);
  if (!s) return [];
  const trained = s.methods.trained.mean.mean;
  return D2NWG_METHODS.map((m) => {
    const { mean, shotSelected, valOracle } = s.methods[m];
    return {
      method: METHOD_LABELS[m],
      'mean of heads': plusMinus(mean),
      '95% CI': interval(mean),
      'shot-selected head': plusMinus(shotSelected),
      '95% CI (shot-selected)': interval(shotSelected),
      'oracle: val-selected head': pctText(valOracle.mean),
      '% of trained (mean)': (100 * mean.mean / trained).toFixed(1),
    };
  });
}

/** Per method, the mean over heads (%) with its 95% interval, one column per kind of held-out task. */
export function kindsTable(runs: D2nwgResults | readonly D2nwgResults[]): Row[] {
  const groups = (['all', ...TASK_NOVELTIES] as const).flatMap((g) => {
    const s = groupSummary(runs, g);
    return s ? [[g, s] as const] : [];
  });
  return D2NWG_METHODS.map((m) => {
    const row: Row = { method: METHOD_LABELS[m] };
    for (const [g, s] of groups) row[`${groupLabel(g)} (${s.tasks})`] = `${pctText(s.methods[m].mean.mean)} ${interval(s.methods[m].mean)}`;
    return row;
  });
}

/** The run's choices: candidates, the mean val accuracy (%) of each on the training tasks used, the winner. */
export function selectionTable(results: D2nwgResults): Row[] {
  const { selection } = results;
  const data = `val splits of ${selection.tasks.length} training tasks (${selection.valImages} images); conditions from their training splits`;
  return ([['guidance scale', selection.guidance], ['logistic-regression steps on the shots', selection.shotHeadSteps]] as const).map(([choice, c]) => ({
    choice,
    candidates: c.candidates.join(', '),
    'val accuracy (%)': c.valAccuracy.map(pctText).join(', '),
    chosen: c.chosen,
    data,
  }));
}

/** Mean test accuracy (%) after each number of fine-tuning steps on the shots, per starting head. */
export function fineTuneTable(results: D2nwgResults): Row[] {
  const steps = results.config.fineTuneSteps as number[];
  return FINE_TUNE_STARTS.map((start) => {
    const row: Row = { start: METHOD_LABELS[start] };
    steps.forEach((s, k) => { row[`${s} steps`] = pctText(results.summary.all.fineTune[start][k]); });
    return row;
  });
}

/** One row per held-out task: its kind and each method's mean test accuracy (%). */
export function taskTable(results: D2nwgResults): Row[] {
  return results.tasks.map((t) => ({
    task: t.id, kind: NOVELTY_LABELS[t.novelty],
    ...Object.fromEntries(D2NWG_METHODS.map((m) => [m, pctText(t.methods[m].mean)])),
    'retrieved (draw 1)': t.draws[0].retrieved.id,
    'shuffled control used (draw 1)': t.draws[0].shuffledFrom,
  }));
}

export function timingTable(results: D2nwgResults): Row[] {
  return Object.entries(results.timings).map(([stage, seconds]) => ({ stage, seconds: seconds.toFixed(1) }));
}

/** The generator's parts: zoo size and quality, VAE reconstruction, alignment accuracy against chance. */
export function generatorTable(results: D2nwgResults): Row[] {
  const { zoo, vae, alignment } = results;
  const { initial, final } = alignment.accuracy;
  const unseen = Object.entries(zoo.unseenClasses).map(([source, classes]) => `${source} ${classes!.join(', ')}`).join('; ');
  const rows: [string, string][] = [
    ['training tasks / heads', `${zoo.trainTasks} / ${zoo.heads}`],
    ['held-out tasks', String(zoo.heldOutTasks)],
    ['unseen classes (held out of extractor, training tasks and zoo)', unseen],
    ['extractor: val accuracy on the seen classes (%)', pctText(zoo.extractorValAccuracy)],
    ['zoo heads: mean val accuracy (%)', pctText(zoo.meanHeadValAccuracy)],
    [`VAE (latent ${vae.latentDim}): row relative MSE (1 = the mean row)`, vae.relativeMse.toExponential(2)],
    ['alignment: matching accuracy before → after (%)', `${pctText(initial.train)} → ${pctText(final.train)}`],
    ['alignment: chance (%)', pctText(alignment.chance.train)],
    ['alignment: temperature τ', alignment.temperature.toFixed(4)],
  ];
  return rows.map(([quantity, value]) => ({ quantity, value }));
}
