import * as tf from '@tensorflow/tfjs';
import type { Optimizer } from './optimizer';

/**
 * One optimizer step: gradients of `loss` w.r.t. the named variables, applied by `optimizer`.
 * Returns the loss (the caller disposes it, and reads it back only when it logs).
 */
export function minimize(vars: Map<string, tf.Variable>, optimizer: Optimizer, loss: () => tf.Scalar): tf.Scalar {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(loss, [...vars.values()]);
    const byName = new Map<string, tf.Tensor>();
    // tfjs keys gradients by its own (unique, generated) variable names.
    for (const [name, v] of vars) byName.set(name, grads[v.name]);
    optimizer.apply(vars, byName);
    return value;
  });
}
