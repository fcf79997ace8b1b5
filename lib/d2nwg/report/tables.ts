/** Result tables of a D2NWG run (rows for arquero, the report and the console). */
import { D2NWG_METHODS, FINE_TUNE_STARTS, type D2nwgMethod } from '../evaluate';
import type { D2nwgResults, D2nwgSummary } from '../results';
import type { TaskNovelty } from '../task-zoo/tasks';
import type { Row } from '../../viz/table';
import { pctText } from '../../viz/format';

export const METHOD_LABELS: Record<D2nwgMethod, string> = {
  generated: 'D2NWG (conditional diffusion)',
  unconditional: 'unconditional diffusion',
  random: 'random init',
  meanHead: 'mean zoo head',
  retrieval: 'retrieval: nearest training task',
  classRetrieval: 'retrieval: nearest class rows',
  trained: 'trained on the task (reference)',
};

export const NOVELTY_LABELS: Record<TaskNovelty, string> = {
  classes: 'unseen class combination',
  variant: 'unseen variant',
  both: 'unseen combination and variant',
};


/** Per method: mean and val-selected test accuracy (%) over all held-out tasks and per novelty, and % of the trained head. */
export function methodsTable(results: D2nwgResults): Row[] {
  const groups: [string, D2nwgSummary][] = [['all', results.summary.all], ...Object.entries(results.summary.byNovelty) as [string, D2nwgSummary][]];
  const trained = results.summary.all.methods.trained.mean;
  return D2NWG_METHODS.map((m) => {
    const row: Row = { method: METHOD_LABELS[m] };
    for (const [name, s] of groups) {
      row[`${name} (${s.tasks}): mean`] = pctText(s.methods[m].mean);
      row[`${name}: val-selected`] = pctText(s.methods[m].valSelected);
    }
    row['% of trained (mean)'] = (100 * results.summary.all.methods[m].mean / trained).toFixed(1);
    return row;
  });
}

/** Mean test accuracy (%) after each fine-tuning step count, per starting head. */
export function fineTuneTable(results: D2nwgResults): Row[] {
  const steps = results.config.fineTuneSteps as number[];
  return FINE_TUNE_STARTS.map((start) => {
    const row: Row = { start: METHOD_LABELS[start] };
    steps.forEach((s, k) => { row[`${s} steps`] = pctText(results.summary.all.fineTune[start][k]); });
    return row;
  });
}

/** One row per held-out task: novelty and each method's mean test accuracy (%). */
export function taskTable(results: D2nwgResults): Row[] {
  return results.tasks.map((t) => ({
    task: t.id, novelty: t.novelty,
    ...Object.fromEntries(D2NWG_METHODS.map((m) => [m, pctText(t.methods[m].mean)])),
    retrieved: t.retrieved.id,
  }));
}

export function timingTable(results: D2nwgResults): Row[] {
  return Object.entries(results.timings).map(([stage, seconds]) => ({ stage, seconds: seconds.toFixed(1) }));
}

/** The generator's parts: zoo size and quality, VAE reconstruction, alignment accuracy against chance. */
export function generatorTable(results: D2nwgResults): Row[] {
  const { zoo, vae, alignment } = results;
  const { initial, final } = alignment.accuracy;
  const rows: [string, string][] = [
    ['training tasks / heads', `${zoo.trainTasks} / ${zoo.heads}`],
    ['held-out tasks', String(zoo.heldOutTasks)],
    ['extractor: 20-class val accuracy (%)', pctText(zoo.extractorValAccuracy)],
    ['zoo heads: mean val accuracy (%)', pctText(zoo.meanHeadValAccuracy)],
    [`VAE (latent ${vae.latentDim}): row relative MSE (1 = the mean row)`, vae.relativeMse.toExponential(2)],
    ['alignment: matching accuracy before → after (%)', `${pctText(initial.train)} → ${pctText(final.train)}`],
    ['alignment: chance (%)', pctText(alignment.chance.train)],
    ['alignment: temperature τ', alignment.temperature.toFixed(4)],
  ];
  return rows.map(([quantity, value]) => ({ quantity, value }));
}
