/**
 * One Adam / AdamW update of a variable with PyTorch's rule, as a single op: a backend with the
 * `AdamUpdate` kernel (native: lib/backend/native-ops.ts) does it in one pass instead of the
 * thirteen tfjs ops below, whose fixed cost per op dominates the step of a model with many small
 * variables (the latent denoiser). Both compute the same float32 expressions in the same order.
 */
import * as tf from '@tensorflow/tfjs';

export const ADAM_UPDATE = 'AdamUpdate';

/** The step's scalars, as the kernel takes them. */
export interface AdamUpdateAttrs {
  /** Learning rate. */
  lr: number;
  /** Weight decay: decoupled (AdamW: p ← p(1 − lr·wd)) or added to the gradient (Adam). */
  weightDecay: number;
  decoupled: boolean;
  beta1: number;
  beta2: number;
  eps: number;
  /** Steps taken so far, this one included (bias corrections 1 − βᵗ). */
  step: number;
}

/** Returns [p, m, v] after the update; the caller assigns them. */
export function adamUpdate(p: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, a: AdamUpdateAttrs): tf.Tensor[] {
  if ([p, g, m, v].every((t) => t.dtype === 'float32') && tf.getKernel(ADAM_UPDATE, tf.getBackend())) {
    return tf.engine().runKernel(ADAM_UPDATE, { p, g, m, v }, { ...a }) as tf.Tensor[];
  }
  return tf.tidy(() => {
    const decayed = a.decoupled ? p.mul(1 - a.lr * a.weightDecay) : p;
    const grad = !a.decoupled && a.weightDecay ? g.add(p.mul(a.weightDecay)) : g;
    const m1 = m.mul(a.beta1).add(grad.mul(1 - a.beta1));
    const v1 = v.mul(a.beta2).add(grad.square().mul(1 - a.beta2));
    const mHat = m1.div(1 - a.beta1 ** a.step);
    const vHat = v1.div(1 - a.beta2 ** a.step);
    return [decayed.sub(mHat.div(vHat.sqrt().add(a.eps)).mul(a.lr)), m1, v1];
  });
}
