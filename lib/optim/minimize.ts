import * as tf from '@tensorflow/tfjs';
import type { Optimizer } from './optimizer';

/**
 * One optimizer step: gradients of `loss` w.r.t. the named variables, applied by `optimizer`.
 * Returns the loss (the caller disposes it, and reads it back only when it logs).
 */
export function minimize(vars: Map<string, tf.Variable>, optimizer: Optimizer, loss: () => tf.Scalar): tf.Scalar {
  return tf.tidy(() => step(vars, optimizer, loss).value);
}

/**
 * `minimize` that also says whether the gradients were finite, without reading anything back:
 * returns [loss, g] where g is 0 if every gradient entry is finite and NaN otherwise
 * (0·x is 0 for finite x and NaN for NaN or ±Infinity, and a sum of zeros cannot overflow).
 * The update is the same as `minimize`'s. For a FiniteGuard.
 */
export function minimizeChecked(vars: Map<string, tf.Variable>, optimizer: Optimizer, loss: () => tf.Scalar): tf.Tensor1D {
  return tf.tidy(() => {
    const { value, grads } = step(vars, optimizer, loss);
    // One flat vector: three ops, where a multiply and a sum per variable cost ~1 ms a step in
    // fixed overhead for the latent denoiser's 33 variables.
    const gradCheck = tf.concat([...grads.values()].map((g) => g.reshape([-1]))).mul(0).sum();
    return tf.stack([value, gradCheck]) as tf.Tensor1D;
  });
}

function step(vars: Map<string, tf.Variable>, optimizer: Optimizer, loss: () => tf.Scalar) {
  const { value, grads } = tf.variableGrads(loss, [...vars.values()]);
  const byName = new Map<string, tf.Tensor>();
  // tfjs keys gradients by its own (unique, generated) variable names.
  for (const [name, v] of vars) byName.set(name, grads[v.name]);
  optimizer.apply(vars, byName);
  return { value, grads: byName };
}
