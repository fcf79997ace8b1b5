/** The micro-benchmark suite of `npm run bench`: op throughput and training-step times at a preset's shapes. */
import type { PdiffConfig } from '../pdiff/config';
import { makeSchedule } from '../diffusion/schedule';
import { autoencoderCases, convNetCases, denoiserCases, matMulCases, runOpCase, type OpResult } from './micro-ops';
import { autoencoderStep, convNetStep, defaultStepTimingConfig, denoiserStep, type StepResult, type StepTimingConfig } from './micro-steps';
import { modelShapes } from './shapes';
import { defaultTimingConfig, type TimingConfig } from './timing';

export interface MicroConfig {
  /** Warm-up and measured runs of each op. */
  ops: TimingConfig;
  /** Warm-up and measured runs (of several steps) of each training loop. */
  steps: StepTimingConfig;
}

export const defaultMicroConfig: MicroConfig = { ops: defaultTimingConfig, steps: defaultStepTimingConfig };

export interface MicroResults {
  config: MicroConfig;
  ops: OpResult[];
  steps: StepResult[];
}

/** Runs every op case, then one training step of each model; `log` hears each result as it comes. */
export function runMicro(pdiff: PdiffConfig, config: MicroConfig = defaultMicroConfig, log: (line: string) => void = () => undefined): MicroResults {
  const shapes = modelShapes(pdiff);
  const cases = [
    ...matMulCases(pdiff, shapes), ...convNetCases(shapes), ...autoencoderCases(pdiff, shapes),
    ...denoiserCases(pdiff, shapes, makeSchedule(pdiff.schedule).steps),
  ];
  const ops = cases.map((c) => {
    const result = runOpCase(c, config.ops);
    log(`  ${c.op} ${c.shape}: ${result.forward.medianMs.toFixed(2)} ms${result.forwardBackward ? ` (+grads ${result.forwardBackward.medianMs.toFixed(2)} ms)` : ''}`);
    return result;
  });
  const steps = [convNetStep, autoencoderStep, denoiserStep].map((stepOf) => {
    const result = stepOf(pdiff, shapes, config.steps);
    log(`  ${result.model} step ${result.shape}: ${result.step.medianMs.toFixed(1)} ms`);
    return result;
  });
  return { config, ops, steps };
}
