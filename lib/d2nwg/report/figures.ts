/** Charts of a D2NWG run (plotly figures for the notebook and the report). */
import { D2NWG_METHODS, FINE_TUNE_STARTS } from '../evaluate';
import type { D2nwgResults, Spread } from '../results';
import { TASK_NOVELTIES } from '../task-zoo/tasks';
import { groupLabel, METHOD_LABELS, NOVELTY_LABELS } from './tables';
import { lossFigure, type Figure } from '../../viz/figure';

/** A bar trace of spreads (%) with their 95% intervals as error bars. */
function spreadBars(name: string, x: string[], spreads: Spread[]) {
  return {
    type: 'bar', name, x, y: spreads.map((s) => 100 * s.mean),
    error_y: { type: 'data', symmetric: false, array: spreads.map((s) => 100 * (s.ci95[1] - s.mean)), arrayminus: spreads.map((s) => 100 * (s.mean - s.ci95[0])) },
  };
}

/** Every method over all held-out tasks: mean over heads, shot-selected head and the val-selected oracle, with 95% intervals. */
export function methodsFigure(results: D2nwgResults): Figure {
  const { methods } = results.summary.all;
  const x = D2NWG_METHODS.map((m) => METHOD_LABELS[m]);
  return {
    data: [
      spreadBars('mean over heads', x, D2NWG_METHODS.map((m) => methods[m].mean)),
      spreadBars('head selected on the shots', x, D2NWG_METHODS.map((m) => methods[m].shotSelected)),
      spreadBars('oracle: head selected on val', x, D2NWG_METHODS.map((m) => methods[m].valOracle)),
    ],
    layout: {
      title: { text: `Held-out tasks (${results.zoo.heldOutTasks}): test accuracy by method, 95% intervals over tasks (seed ${results.seed})` },
      yaxis: { title: { text: 'test accuracy (%)' } }, barmode: 'group', height: 480,
    },
  };
}

/** Mean test accuracy vs fine-tuning steps on the shots from each starting head (x: steps + 1, log scale). */
export function fineTuneFigure(results: D2nwgResults): Figure {
  const steps = results.config.fineTuneSteps as number[];
  return {
    data: FINE_TUNE_STARTS.map((start) => ({
      type: 'scatter', mode: 'lines+markers', name: METHOD_LABELS[start],
      x: steps.map((s) => s + 1), y: results.summary.all.fineTune[start].map((v) => 100 * v), text: steps.map((s) => `${s} steps`),
    })),
    layout: {
      title: { text: 'Fine-tuning on the held-out task\'s shots from different starting heads' },
      xaxis: { type: 'log', tickvals: steps.map((s) => s + 1), ticktext: steps.map(String), title: { text: 'fine-tuning steps' } },
      yaxis: { title: { text: 'mean test accuracy (%)' } }, height: 420,
    },
  };
}

/** Mean test accuracy (95% intervals) of every method per kind of held-out task (one group of bars per kind). */
export function noveltyFigure(results: D2nwgResults): Figure {
  const groups = TASK_NOVELTIES.flatMap((n) => {
    const summary = results.summary.byNovelty[n];
    return summary ? [[n, summary] as const] : [];
  });
  const x = groups.map(([novelty, s]) => `${NOVELTY_LABELS[novelty]} (${s.tasks})`);
  return {
    data: D2NWG_METHODS.map((m) => spreadBars(METHOD_LABELS[m], x, groups.map(([, s]) => s.methods[m].mean))),
    layout: {
      title: { text: 'Mean test accuracy by kind of held-out task' },
      yaxis: { title: { text: 'mean test accuracy (%)' } }, barmode: 'group', height: 480,
    },
  };
}

/** Each held-out task: mean accuracy of the generated heads (y) vs the prototype head (x); the diagonal is parity. */
export function taskFigure(results: D2nwgResults): Figure {
  const novelties = TASK_NOVELTIES.filter((n) => results.tasks.some((t) => t.novelty === n));
  return {
    data: [
      ...novelties.map((novelty) => {
        const tasks = results.tasks.filter((t) => t.novelty === novelty);
        return {
          type: 'scatter', mode: 'markers', name: groupLabel(novelty), text: tasks.map((t) => t.id), marker: { size: 8 },
          x: tasks.map((t) => 100 * t.methods.prototype.mean), y: tasks.map((t) => 100 * t.methods.generated.mean),
        };
      }),
      { type: 'scatter', mode: 'lines', name: 'parity', x: [0, 100], y: [0, 100], line: { dash: 'dot', color: '#999' } },
    ],
    layout: {
      title: { text: 'Per held-out task: generated heads vs the prototype head of the same shots' },
      xaxis: { title: { text: 'prototype head: test accuracy (%)' }, range: [0, 100] },
      yaxis: { title: { text: 'D2NWG generated: mean test accuracy (%)' }, range: [0, 100] }, height: 460,
    },
  };
}

/** Training losses of the VAE, and of the conditional and unconditional denoisers. */
export function lossesFigure(results: D2nwgResults): Figure {
  const { vae, conditional, unconditional } = results.losses;
  return lossFigure({ VAE: vae, 'conditional diffusion': conditional, 'unconditional diffusion': unconditional }, 'Training losses');
}
