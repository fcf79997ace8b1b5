/**
 * ODE samplers of a flow: from x_0 ~ N(0, I) at t = 0 to x_1 at t = 1 along dx/dt = v(x, t)
 * (rectified flow, Liu et al. 2023; flow matching, Lipman et al. 2023). They know nothing of
 * networks: `v(x, t)` may be a trained velocity field or a closed form.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../util/errors';

/** The velocity at x [B, D] and one time t ∈ [0, 1] for every row → [B, D]. */
export type VelocityFn = (x: tf.Tensor2D, t: number) => tf.Tensor2D;

export interface FlowSamplerConfig {
  /** 'euler': x ← x + h·v(x, t); 'heun': the trapezoidal corrector (two calls per step). */
  kind: 'euler' | 'heun';
  /** Steps of size h = 1 / steps. */
  steps: number;
  /** Seeds x_0. */
  seed: number;
}

export const defaultFlowSamplerConfig: FlowSamplerConfig = { kind: 'euler', steps: 100, seed: 0 };

/** Integrates x [B, D] from t = 0 to t = 1; returns a new tensor (the caller disposes both). */
export function integrateFlow(v: VelocityFn, x0: tf.Tensor2D, config: Omit<FlowSamplerConfig, 'seed'>): tf.Tensor2D {
  const { kind, steps } = config;
  if (!(Number.isInteger(steps) && steps >= 1)) throw new InputError(`flow sampler steps must be a positive integer, got ${steps}`);
  if (kind !== 'euler' && kind !== 'heun') throw new InputError(`flow sampler kind must be 'euler' or 'heun', got ${JSON.stringify(kind)}`);
  const h = 1 / steps;
  let x = x0.clone();
  for (let k = 0; k < steps; k++) {
    const t = k * h;
    const next = tf.tidy(() => {
      const v0 = v(x, t);
      const euler = x.add(v0.mul(h)) as tf.Tensor2D; // x_{t+h} = x_t + h·v(x_t, t)
      if (kind === 'euler') return euler;
      return x.add(v0.add(v(euler, t + h)).mul(h / 2)) as tf.Tensor2D; // Heun: h/2·(v(x_t, t) + v(x̃_{t+h}, t + h))
    });
    x.dispose();
    x = next;
  }
  return x;
}

/** `count` samples [count, dim]: x_0 ~ N(0, I) from the seed, integrated to t = 1. Read back once. */
export function sampleFlow(v: VelocityFn, count: number, dim: number, config: FlowSamplerConfig): { count: number; dim: number; data: Float32Array } {
  if (!(Number.isInteger(count) && count >= 1)) throw new InputError(`sample count must be a positive integer, got ${count}`);
  const x0 = tf.randomNormal([count, dim], 0, 1, 'float32', config.seed) as tf.Tensor2D;
  try {
    const x1 = integrateFlow(v, x0, config);
    const data = x1.dataSync() as Float32Array;
    x1.dispose();
    return { count, dim, data };
  } finally {
    x0.dispose();
  }
}
