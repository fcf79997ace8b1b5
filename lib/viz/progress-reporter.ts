import type { ProgressFn } from '../util/progress';
import { progressLine } from './progress';

/**
 * A ProgressFn that prints about `linesPerStage` lines per stage (and always the last step),
 * each with the stage's elapsed time and ETA. Stages may report every step or only now and then.
 */
export function consoleProgress(linesPerStage = 10, print: (line: string) => void = console.log): ProgressFn {
  const stages = new Map<string, { started: number; printedAt: number }>();
  return (stage, step, total, metrics) => {
    let state = stages.get(stage);
    if (!state || step < state.printedAt) {
      state = { started: performance.now(), printedAt: 0 };
      stages.set(stage, state);
    }
    if (step - state.printedAt < total / linesPerStage && step !== total) return;
    state.printedAt = step;
    print(progressLine(stage, step, total, (performance.now() - state.started) / 1000, metrics));
  };
}
