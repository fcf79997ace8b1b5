/**
 * Stops a training loop at the first NaN or ±Infinity in its loss, gradients or parameters,
 * naming the stage and the step, without a read-back per step: every step hands over a tiny
 * probe tensor ([loss] or minimizeChecked's [loss, gradient check]); `check` reads all pending
 * probes back at once (at log and save points, where loops read back anyway), then checks the
 * parameters. A loop checks before it saves, so a saved state is always a finite one.
 */
import * as tf from '@tensorflow/tfjs';
import { NumericalError } from '../util/errors';

/** Probes pending beyond this many are checked at once, so a loop that rarely checks cannot pile them up. */
const MAX_PENDING = 256;

export class FiniteGuard {
  private pending: { step: number; probe: tf.Tensor }[] = [];
  private lastLoss = Number.NaN;
  /** Where the last good state is (see keptNote in ./train-state), added to the error. */
  kept: string | undefined;

  constructor(readonly stage: string) {}

  /** Takes ownership of the step's probe: [loss] or [loss, gradient check], a scalar loss also works. */
  watch(step: number, probe: tf.Tensor): void {
    this.pending.push({ step, probe });
    if (this.pending.length >= MAX_PENDING) this.checkProbes();
  }

  /**
   * Checks every pending probe, then `params` as they are after `step`; throws a NumericalError
   * naming the first bad step. Returns the loss of the last watched step.
   */
  check(params: Map<string, tf.Variable>, step: number): number {
    this.checkProbes();
    checkFiniteVariables(this.stage, step, params, this.kept);
    return this.lastLoss;
  }

  dispose(): void {
    tf.dispose(this.pending.map((p) => p.probe));
    this.pending = [];
  }

  private checkProbes(): void {
    if (this.pending.length === 0) return;
    const pending = this.pending;
    this.pending = [];
    let values: Float32Array;
    try {
      values = readBack(() => tf.concat(pending.map((p) => p.probe.reshape([-1]))));
    } finally {
      tf.dispose(pending.map((p) => p.probe));
    }
    let at = 0;
    for (const { step, probe } of pending) {
      const [loss, ...grads] = values.subarray(at, at + probe.size);
      at += probe.size;
      if (!Number.isFinite(loss)) this.fail(step, `loss is ${loss}`);
      if (grads.some((g) => !Number.isFinite(g))) this.fail(step, 'a gradient holds NaN or Infinity');
      this.lastLoss = loss;
    }
  }

  private fail(step: number, problem: string): never {
    throw new NumericalError(this.stage, step, problem, this.kept);
  }
}

/** Throws a NumericalError naming `stage`, `step` and the variable if any of `vars` holds NaN or ±Infinity. */
export function checkFiniteVariables(stage: string, step: number, vars: Map<string, tf.Variable>, kept?: string): void {
  const names = [...vars.keys()];
  // One read-back for all: 0·x sums to 0 exactly when every entry is finite.
  const values = readBack(() => tf.stack(names.map((n) => vars.get(n)!.mul(0).sum())));
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new NumericalError(stage, step, `parameter ${names[bad]} holds NaN or Infinity`, kept);
}

/** The values of the tensor `make` returns, with every tensor it made disposed. */
function readBack(make: () => tf.Tensor): Float32Array {
  const t = tf.tidy(make);
  try {
    return t.dataSync() as Float32Array;
  } finally {
    t.dispose();
  }
}
