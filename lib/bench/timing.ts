/**
 * Wall-clock timing for micro-benchmarks: median of several runs after warm-up runs (which
 * also pay one-off costs: kernel setup, operator caches, optimizer slots). The backends here
 * (wasm, native, tensorflow, cpu) execute an op before it returns, so a run needs no read-back.
 */
import * as tf from '@tensorflow/tfjs';
import { median } from '../eval/stats';
import { InputError } from '../util/errors';

export interface TimingConfig {
  /** Runs before measuring, discarded. */
  warmup: number;
  /** Measured runs; the median is reported. */
  runs: number;
}

export const defaultTimingConfig: TimingConfig = { warmup: 2, runs: 7 };

export interface Timing {
  /** Median of the measured runs, milliseconds. */
  medianMs: number;
  minMs: number;
  runs: number;
}

export function checkTimingConfig(config: TimingConfig): void {
  if (!(Number.isInteger(config.warmup) && config.warmup >= 0)) throw new InputError(`timing warmup must be a non-negative integer, got ${config.warmup}`);
  if (!(Number.isInteger(config.runs) && config.runs >= 1)) throw new InputError(`timing runs must be a positive integer, got ${config.runs}`);
}

/** Times `run`, disposing whatever tensors it returns (outside the timed span). */
export function timeRuns(run: () => tf.TensorContainer, config: TimingConfig = defaultTimingConfig): Timing {
  checkTimingConfig(config);
  const times: number[] = [];
  for (let i = 0; i < config.warmup + config.runs; i++) {
    const started = performance.now();
    const out = run();
    const ms = performance.now() - started;
    tf.dispose(out);
    if (i >= config.warmup) times.push(ms);
  }
  return { medianMs: median(times), minMs: Math.min(...times), runs: times.length };
}

/** A training loop's progress report: its own clock after `step` steps. */
export interface ClockPoint {
  step: number;
  seconds: number;
}

/**
 * Per-step times from a loop that reported its clock after every `stepsPerRun` steps (other
 * reports, e.g. after step 1, are ignored): each run is the time between two such reports over
 * `stepsPerRun`; the first `config.warmup` runs are discarded.
 */
export function perStepTiming(points: readonly ClockPoint[], stepsPerRun: number, config: TimingConfig): Timing {
  checkTimingConfig(config);
  const ends = points.filter((p) => p.step > 0 && p.step % stepsPerRun === 0);
  if (ends.length !== config.warmup + config.runs) {
    throw new InputError(`expected ${config.warmup + config.runs} reports every ${stepsPerRun} steps, got ${ends.length}`);
  }
  const perStep = ends.map((p, i) => (1000 * (p.seconds - (i === 0 ? 0 : ends[i - 1].seconds))) / stepsPerRun).slice(config.warmup);
  return { medianMs: median(perStep), minMs: Math.min(...perStep), runs: perStep.length };
}

/** Giga floating-point operations per second of `flops` done in `ms` milliseconds. */
export function gflops(flops: number, ms: number): number {
  return flops / (ms * 1e6);
}
