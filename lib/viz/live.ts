import type { ProgressFn } from '../util/progress';
import { lossFigure } from './figure';
import { notebookDisplay, type NotebookDisplay } from './notebook';
import { progressLine } from './progress';

export interface LiveTrainingOptions {
  /** Redraw at most this often (and always at a stage's last step). */
  minIntervalMs: number;
  /** Where the figure is shown (default: the notebook's display). */
  display?: NotebookDisplay;
}

export const defaultLiveTrainingOptions: LiveTrainingOptions = { minIntervalMs: 1000 };

/**
 * A ProgressFn that draws the loss of every stage that reports one (task model, autoencoder,
 * diffusion) in one notebook output, redrawn in place, titled with the latest progress line.
 * A stage that starts again (its step goes back, as in the next variant of an ablation)
 * starts a fresh curve.
 */
export function liveTraining(title: string, options: LiveTrainingOptions = defaultLiveTrainingOptions): ProgressFn {
  const output = (options.display ?? notebookDisplay()).live();
  const curves: Record<string, { step: number; loss: number }[]> = {};
  const stages = new Map<string, { started: number; step: number }>();
  let drawnAt = Number.NEGATIVE_INFINITY;
  return (stage, step, total, metrics) => {
    let state = stages.get(stage);
    if (!state || step < state.step) {
      state = { started: performance.now(), step };
      stages.set(stage, state);
      delete curves[stage];
    }
    state.step = step;
    if (metrics.loss !== undefined) (curves[stage] ??= []).push({ step, loss: metrics.loss });
    const now = performance.now();
    // Stages without a loss (sampling, evaluation) only retitle a figure that has curves.
    if (Object.keys(curves).length === 0) return;
    if (now - drawnAt < options.minIntervalMs && step !== total) return;
    drawnAt = now;
    const line = progressLine(stage, step, total, (now - state.started) / 1000, metrics);
    output.figure(lossFigure(curves, `${title}<br><sub>${line}</sub>`), step === total);
  };
}
