/**
 * Exponential moving average of a parameter map, the weights diffusion models sample with.
 * Design: the EMA owns shadow variables of its own; `withAveraged(params, fn)` swaps the
 * averages into the live variables for the duration of `fn` and restores the trained values
 * afterwards (also when `fn` throws), so any network reading `params` samples with the EMA
 * weights and no second network is built.
 */
import * as tf from '@tensorflow/tfjs';
import type { AveragesState } from '../optim/train-state';
import { emaUpdate } from '../optim/ema-update';
import { readParams } from '../params/tensors';
import { InputError } from '../util/errors';

/** The p-diff / DDPM-style default decay. */
export const DEFAULT_EMA_DECAY = 0.999;

/**
 * The decay of update n (0-based): min(decay, (1 + n) / (10 + n)), the warm-up of TensorFlow's
 * ExponentialMovingAverage(num_updates), so early averages are not dominated by the init.
 */
export function emaDecayAt(decay: number, n: number): number {
  return Math.min(decay, (1 + n) / (10 + n));
}

export class Ema {
  /** The averaged values, by parameter name. */
  readonly averages = new Map<string, tf.Variable>();
  private count = 0;

  /** Starts the averages at the current values of `params`. */
  constructor(params: Map<string, tf.Variable>, readonly decay = DEFAULT_EMA_DECAY) {
    if (!(decay >= 0 && decay < 1)) throw new InputError(`EMA decay must be in [0, 1), got ${decay}`);
    for (const [name, p] of params) this.averages.set(name, tf.variable(p, false));
  }

  /** Updates done so far. */
  get updates(): number {
    return this.count;
  }

  /** average ← d·average + (1 − d)·param, with d = emaDecayAt(decay, updates). */
  update(params: Map<string, tf.Variable>): void {
    const d = emaDecayAt(this.decay, this.count++);
    tf.tidy(() => {
      for (const [name, avg] of this.averages) avg.assign(emaUpdate(avg, this.live(params, name), d));
    });
  }

  /** The averages and the update count, to save with a training state. */
  getState(): AveragesState {
    return { updates: this.count, values: readParams(this.averages, [...this.averages.keys()]) };
  }

  /** Continues from a saved state (its names and shapes checked by the caller). */
  setState(state: AveragesState): void {
    tf.tidy(() => {
      for (const { name, shape, data } of state.values) {
        const avg = this.averages.get(name);
        if (!avg) throw new InputError(`the saved EMA has ${name}, these averages do not`);
        avg.assign(tf.tensor(data, shape));
      }
    });
    this.count = state.updates;
  }

  /** Runs `fn` with the averages in `params`, then puts the trained values back. */
  withAveraged<T>(params: Map<string, tf.Variable>, fn: () => T): T {
    const saved = new Map<string, tf.Tensor>();
    try {
      for (const [name, avg] of this.averages) {
        const p = this.live(params, name);
        saved.set(name, tf.clone(p));
        p.assign(avg);
      }
      return fn();
    } finally {
      for (const [name, value] of saved) this.live(params, name).assign(value);
      tf.dispose([...saved.values()]);
    }
  }

  /** Overwrites `params` with the averages for good (e.g. to save the EMA model). */
  copyTo(params: Map<string, tf.Variable>): void {
    for (const [name, avg] of this.averages) this.live(params, name).assign(avg);
  }

  dispose(): void {
    tf.dispose([...this.averages.values()]);
    this.averages.clear();
  }

  private live(params: Map<string, tf.Variable>, name: string): tf.Variable {
    const p = params.get(name);
    if (!p) throw new InputError(`EMA has ${name} but the parameters do not`);
    return p;
  }
}
