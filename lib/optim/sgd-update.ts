/**
 * One SGD-with-momentum update of a variable with PyTorch's rule, as a single op: a backend with
 * the `SgdUpdate` kernel (native: lib/backend/native-ops.ts) does it in one pass instead of the
 * six tfjs ops below, whose fixed cost per op adds up over a model's many small variables.
 * Both compute the same float32 expressions in the same order.
 */
import * as tf from '@tensorflow/tfjs';

export const SGD_UPDATE = 'SgdUpdate';

/** The step's scalars, as the kernel takes them. */
export interface SgdUpdateAttrs {
  lr: number;
  /** Momentum factor (> 0: without momentum there is no buffer). */
  momentum: number;
  /** L2 penalty added to the gradient. */
  weightDecay: number;
}

/**
 * Returns [p, buf] after the update, the caller assigns them: buf ← momentum·buf + g (g with
 * wd·p added), p ← p − lr·buf. PyTorch's first step sets buf = g: with buf starting at 0 it is that.
 */
export function sgdUpdate(p: tf.Tensor, g: tf.Tensor, buf: tf.Tensor, a: SgdUpdateAttrs): tf.Tensor[] {
  if ([p, g, buf].every((t) => t.dtype === 'float32') && tf.getKernel(SGD_UPDATE, tf.getBackend())) {
    return tf.engine().runKernel(SGD_UPDATE, { p, g, buf }, { ...a }) as tf.Tensor[];
  }
  return tf.tidy(() => {
    const grad = a.weightDecay ? g.add(p.mul(a.weightDecay)) : g;
    const buf1 = buf.mul(a.momentum).add(grad);
    return [p.sub(buf1.mul(a.lr)), buf1];
  });
}
