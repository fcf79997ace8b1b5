/** Charts of a D2NWG run (plotly figures for the notebook and the report). */
import { D2NWG_METHODS, FINE_TUNE_STARTS } from '../experiments/d2nwg-evaluate';
import type { D2nwgResults } from '../experiments/d2nwg-results';
import { D2NWG_METHOD_LABELS } from './d2nwg-tables';
import type { Figure } from './figures';

/** Mean and val-selected test accuracy of every method, over all held-out tasks. */
export function d2nwgMethodsFigure(results: D2nwgResults): Figure {
  const { methods } = results.summary.all;
  const x = D2NWG_METHODS.map((m) => D2NWG_METHOD_LABELS[m]);
  const bar = (name: string, key: 'mean' | 'valSelected') => ({ type: 'bar', name, x, y: D2NWG_METHODS.map((m) => 100 * methods[m][key]) });
  return {
    data: [bar('mean over sampled heads', 'mean'), bar('head selected on val', 'valSelected')],
    layout: {
      title: { text: `Unseen tasks (${results.zoo.heldOutTasks}): test accuracy by method (seed ${results.seed})` },
      yaxis: { title: { text: 'test accuracy (%)' } }, barmode: 'group', height: 460,
    },
  };
}

/** Mean test accuracy vs fine-tuning steps from each starting head (x: steps + 1, log scale). */
export function d2nwgFineTuneFigure(results: D2nwgResults): Figure {
  const steps = results.config.fineTuneSteps as number[];
  return {
    data: FINE_TUNE_STARTS.map((start) => ({
      type: 'scatter', mode: 'lines+markers', name: D2NWG_METHOD_LABELS[start],
      x: steps.map((s) => s + 1), y: results.summary.all.fineTune[start].map((v) => 100 * v), text: steps.map((s) => `${s} steps`),
    })),
    layout: {
      title: { text: 'Fine-tuning on the unseen task from different starting heads' },
      xaxis: { type: 'log', tickvals: steps.map((s) => s + 1), ticktext: steps.map(String), title: { text: 'fine-tuning steps' } },
      yaxis: { title: { text: 'mean test accuracy (%)' } }, height: 420,
    },
  };
}
