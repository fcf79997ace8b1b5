/**
 * Optimizers with PyTorch's update rules, over named variables, so runs match the reference
 * recipes and their state can be saved: SGD (momentum, coupled weight decay), Adam (coupled
 * L2 weight decay) and AdamW (decoupled weight decay, Loshchilov & Hutter 2019).
 */
import * as tf from '@tensorflow/tfjs';
import { adamUpdate } from './adam-update';
import { sgdUpdate } from './sgd-update';

export type OptimizerConfig =
  | {
      kind: 'sgd';
      /** Learning rate. */
      lr: number;
      /** Momentum factor (0 = plain SGD). */
      momentum: number;
      /** L2 penalty added to the gradient. */
      weightDecay: number;
    }
  | {
      kind: 'adam' | 'adamw';
      lr: number;
      /** Adam: L2 added to the gradient; AdamW: decoupled decay p ← p(1 − lr·wd). */
      weightDecay: number;
      /** Exponential decay rates of the first and second moments. */
      betas: [number, number];
      eps: number;
    };

export const defaultSgdConfig: OptimizerConfig = { kind: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4 };
export const defaultAdamWConfig: OptimizerConfig = { kind: 'adamw', lr: 1e-3, weightDecay: 2e-6, betas: [0.9, 0.999], eps: 1e-8 };

/** Everything needed to continue an optimizer exactly where it stopped. */
export interface OptimizerState {
  steps: number;
  lr: number;
  /** Slot `index` of variable `name` (SGD: momentum; Adam: 0 = m, 1 = v). */
  slots: { name: string; index: number; shape: number[]; data: Float32Array }[];
}

export class Optimizer {
  /** Current learning rate (a schedule may change it between steps). */
  lr: number;
  private stepCount = 0;
  /** Per-variable slots: momentum buffer (SGD) or first/second moments (Adam). */
  private readonly slots = new Map<string, tf.Variable[]>();

  constructor(readonly config: OptimizerConfig) {
    this.lr = config.lr;
  }

  get steps(): number {
    return this.stepCount;
  }

  private slot(name: string, like: tf.Tensor, count: number): tf.Variable[] {
    let s = this.slots.get(name);
    if (!s) {
      s = Array.from({ length: count }, () => tf.tidy(() => tf.variable(tf.zerosLike(like), false)));
      this.slots.set(name, s);
    }
    return s;
  }

  /** One update of every variable that has a gradient. Does not dispose the gradients. */
  apply(vars: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>): void {
    this.stepCount++;
    const c = this.config;
    tf.tidy(() => {
      for (const [name, g0] of grads) {
        const p = vars.get(name);
        if (!p) throw new Error(`gradient for unknown variable ${name}`);
        if (c.kind === 'sgd' && c.momentum) {
          const [buf] = this.slot(name, p, 1);
          const [p1, buf1] = sgdUpdate(p, g0, buf, { lr: this.lr, momentum: c.momentum, weightDecay: c.weightDecay });
          buf.assign(buf1);
          p.assign(p1);
        } else if (c.kind === 'sgd') {
          const g = c.weightDecay ? g0.add(p.mul(c.weightDecay)) : g0;
          p.assign(p.sub(g.mul(this.lr)));
        } else {
          const [m, v] = this.slot(name, p, 2);
          const [p1, m1, v1] = adamUpdate(p, g0, m, v, {
            lr: this.lr, weightDecay: c.weightDecay, decoupled: c.kind === 'adamw', beta1: c.betas[0], beta2: c.betas[1], eps: c.eps, step: this.stepCount,
          });
          m.assign(m1);
          v.assign(v1);
          p.assign(p1);
        }
      }
    });
  }

  getState(): OptimizerState {
    const slots: OptimizerState['slots'] = [];
    for (const [name, vars] of this.slots) {
      vars.forEach((v, index) => slots.push({ name, index, shape: [...v.shape], data: Float32Array.from(v.dataSync() as Float32Array) }));
    }
    return { steps: this.stepCount, lr: this.lr, slots };
  }

  /** Restores a saved state (replacing the current one). */
  setState(state: OptimizerState): void {
    this.dispose();
    this.stepCount = state.steps;
    this.lr = state.lr;
    for (const { name, index, shape, data } of state.slots) {
      const vars = this.slots.get(name) ?? [];
      vars[index] = tf.tidy(() => tf.variable(tf.tensor(data, shape), false));
      this.slots.set(name, vars);
    }
  }

  dispose(): void {
    for (const s of this.slots.values()) tf.dispose(s);
    this.slots.clear();
  }
}
