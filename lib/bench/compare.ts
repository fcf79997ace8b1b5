/**
 * The tables `npm run bench` prints and saves: our micro-benchmarks, and our pdiff-small run
 * side by side with the PyTorch reference's — stage wall times, accuracies and per-step times,
 * each with the ratio ours / reference (> 1: we are slower). Pure functions of the results.
 */
import type { PdiffConfig } from '../pdiff/config';
import type { PdiffResults } from '../pdiff/results';
import type { Row } from '../viz/table';
import type { OpResult } from './micro-ops';
import type { StepModel, StepResult } from './micro-steps';
import type { ReferenceRun } from './reference';
import { gflops } from './timing';
import { fixed, pct } from '../viz/format';

const cell = (v: number | undefined, digits: number): number | string => (v === undefined ? '-' : fixed(v, digits));

/** ours / reference to 2 decimals; '-' when either is missing or the reference is not positive. */
export function ratio(ours: number | undefined, reference: number | undefined): number | string {
  if (ours === undefined || reference === undefined || !(reference > 0)) return '-';
  return fixed(ours / reference, 2);
}

/** One row per op: forward, and forward + input and weight gradients, in ms and GFLOP/s. */
export function opRows(ops: readonly OpResult[]): Row[] {
  return ops.map((o) => ({
    op: o.op,
    shape: o.shape,
    'fwd ms': fixed(o.forward.medianMs, 3),
    'fwd GFLOP/s': fixed(gflops(o.flops, o.forward.medianMs), 2),
    'fwd+grads ms': o.forwardBackward ? fixed(o.forwardBackward.medianMs, 3) : '-',
    'fwd+grads GFLOP/s': o.forwardBackward ? fixed(gflops(3 * o.flops, o.forwardBackward.medianMs), 2) : '-',
  }));
}

export function microStepRows(steps: readonly StepResult[]): Row[] {
  return steps.map((s) => ({ model: s.model, batch: s.shape, 'ms / step (median)': fixed(s.step.medianMs, 1), 'ms / step (min)': fixed(s.step.minMs, 1) }));
}

/** Our stages mapped onto the reference's (its stage 4 includes evaluating the originals, as our `evaluate` does). */
export function stageRows(timings: PdiffResults['timings'], ref?: ReferenceRun['stages']): Row[] {
  const rows: [string, number, number | undefined][] = [
    ['stage 1: checkpoints', timings.collect, ref?.checkpoints],
    ['stage 2: autoencoder', timings.autoencoder, ref?.autoencoder],
    ['stage 3: diffusion', timings.diffusion, ref?.diffusion],
    ['stage 4: sample + evaluate', timings.sample + timings.evaluate, ref?.generateAndEvaluate],
    ['total', timings.total, ref?.total],
  ];
  return rows.map(([stage, ours, theirs]) => ({ stage, 'paramdiff s': fixed(ours, 1), 'reference s': cell(theirs, 1), 'ours/ref': ratio(ours, theirs) }));
}

/** Test accuracy (%) of the three populations both sides report: best, mean, median, val-selected. */
export function accuracyRows(ours: PdiffResults, ref?: ReferenceRun['accuracy']): Row[] {
  return (['originals', 'reconstructed', 'generated'] as const).map((name) => {
    const s = ours[name];
    const r = ref?.[name];
    const refPct = (v: number | undefined) => (v === undefined ? '-' : pct(v));
    return {
      models: name,
      'paramdiff best': pct(s.best), 'paramdiff mean': pct(s.mean), 'paramdiff median': pct(s.median), 'paramdiff val-sel.': pct(s.valSelectedTest),
      'ref best': refPct(r?.best), 'ref mean': refPct(r?.mean), 'ref median': refPct(r?.median), 'ref val-sel.': refPct(r?.valSelectedTest),
    };
  });
}

export interface StepInputs {
  micro?: readonly StepResult[];
  /** Our pipeline run and its config (for step counts). */
  pipeline?: { results: PdiffResults; config: PdiffConfig };
  ref?: ReferenceRun['perStep'];
}

/**
 * Milliseconds per step: our micro-benchmark median, ours derived as stage seconds / steps, and
 * the reference's (derived the same way by the peer). The ratio uses our derived time where there
 * is one (like for like), else our micro median.
 */
export function stepRows({ micro, pipeline, ref }: StepInputs): Row[] {
  const microMs = (model: StepModel) => micro?.find((s) => s.model === model)?.step.medianMs;
  const ms = (seconds: number | undefined) => (seconds === undefined ? undefined : 1000 * seconds);
  const r = pipeline?.results;
  const c = pipeline?.config;
  const ddpm = r?.samplers.find((s) => s.sampler.kind === 'ddpm');
  const generated = r?.samplers[0]; // every sampler's population is a set of generated models
  const rows: [string, number | undefined, number | undefined, number | undefined][] = [
    [`task model training step (batch ${c?.collect.train.batchSize ?? 128})`, microMs('task model'), undefined, ms(ref?.taskTrainStep)],
    ['autoencoder step', microMs('autoencoder'), r && c ? ms(r.timings.autoencoder / c.autoencoderTrain.steps) : undefined, ms(ref?.autoencoderStep)],
    ['denoiser step', microMs('denoiser'), r && c ? ms(r.timings.diffusion / c.diffusionTrain.steps) : undefined, ms(ref?.ddpmStep)],
    ['DDPM sampling step', undefined, ddpm ? ms(ddpm.seconds.sample / ddpm.steps) : undefined, ms(ref?.samplingStep)],
    ['evaluate one generated model (val + test)', undefined, generated ? ms(generated.seconds.evaluate / generated.summary.count) : undefined, ms(ref?.evalModel)],
  ];
  return rows.map(([step, microValue, derived, theirs]) => ({
    step,
    'paramdiff micro ms': cell(microValue, 1),
    'paramdiff stage/steps ms': cell(derived, 1),
    'reference stage/steps ms': cell(theirs, 1),
    'ours/ref': ratio(derived ?? microValue, theirs),
  }));
}
