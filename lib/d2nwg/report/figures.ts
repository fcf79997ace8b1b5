/** Charts of a D2NWG run (plotly figures for the notebook and the report). */
import { D2NWG_METHODS, FINE_TUNE_STARTS } from '../evaluate';
import type { D2nwgResults } from '../results';
import type { TaskNovelty } from '../task-zoo/tasks';
import { METHOD_LABELS, NOVELTY_LABELS } from './tables';
import { lossFigure, type Figure } from '../../viz/figure';

/** Mean and val-selected test accuracy of every method, over all held-out tasks. */
export function methodsFigure(results: D2nwgResults): Figure {
  const { methods } = results.summary.all;
  const x = D2NWG_METHODS.map((m) => METHOD_LABELS[m]);
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
export function fineTuneFigure(results: D2nwgResults): Figure {
  const steps = results.config.fineTuneSteps as number[];
  return {
    data: FINE_TUNE_STARTS.map((start) => ({
      type: 'scatter', mode: 'lines+markers', name: METHOD_LABELS[start],
      x: steps.map((s) => s + 1), y: results.summary.all.fineTune[start].map((v) => 100 * v), text: steps.map((s) => `${s} steps`),
    })),
    layout: {
      title: { text: 'Fine-tuning on the unseen task from different starting heads' },
      xaxis: { type: 'log', tickvals: steps.map((s) => s + 1), ticktext: steps.map(String), title: { text: 'fine-tuning steps' } },
      yaxis: { title: { text: 'mean test accuracy (%)' } }, height: 420,
    },
  };
}

/** Mean test accuracy of every method per kind of novelty (one group of bars per novelty). */
export function noveltyFigure(results: D2nwgResults): Figure {
  const groups = Object.entries(results.summary.byNovelty) as [TaskNovelty, D2nwgResults['summary']['all']][];
  const x = groups.map(([novelty, s]) => `${NOVELTY_LABELS[novelty]} (${s.tasks})`);
  return {
    data: D2NWG_METHODS.map((m) => ({ type: 'bar', name: METHOD_LABELS[m], x, y: groups.map(([, s]) => 100 * s.methods[m].mean) })),
    layout: {
      title: { text: 'Mean test accuracy by what is new about the task' },
      yaxis: { title: { text: 'mean test accuracy (%)' } }, barmode: 'group', height: 460,
    },
  };
}

/** Each held-out task: mean accuracy of the generated heads (y) vs heads trained on it (x); the diagonal is parity. */
export function taskFigure(results: D2nwgResults): Figure {
  const novelties = [...new Set(results.tasks.map((t) => t.novelty))];
  return {
    data: [
      ...novelties.map((novelty) => {
        const tasks = results.tasks.filter((t) => t.novelty === novelty);
        return {
          type: 'scatter', mode: 'markers', name: NOVELTY_LABELS[novelty], text: tasks.map((t) => t.id), marker: { size: 8 },
          x: tasks.map((t) => 100 * t.methods.trained.mean), y: tasks.map((t) => 100 * t.methods.generated.mean),
        };
      }),
      { type: 'scatter', mode: 'lines', name: 'parity', x: [0, 100], y: [0, 100], line: { dash: 'dot', color: '#999' } },
    ],
    layout: {
      title: { text: 'Per unseen task: generated vs trained heads' },
      xaxis: { title: { text: 'trained on the task: mean test accuracy (%)' }, range: [0, 100] },
      yaxis: { title: { text: 'D2NWG generated: mean test accuracy (%)' }, range: [0, 100] }, height: 460,
    },
  };
}

/** Training losses of the VAE (ELBO terms), and of the conditional and unconditional denoisers. */
export function lossesFigure(results: D2nwgResults): Figure {
  const { vae, conditional, unconditional } = results.losses;
  return lossFigure({ VAE: vae, 'conditional diffusion': conditional, 'unconditional diffusion': unconditional }, 'Training losses');
}
