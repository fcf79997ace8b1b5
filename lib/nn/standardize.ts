/**
 * Standardisation over the middle axis of x [O, S, I]: xhat = (x − mean_S) / √(var_S + eps), the
 * biased variance, with its gradient written out. Instance norm is x [B, L, C] as it is; training
 * batch norm is x [N, H, W, C] seen as [1, N·H·W, C]. A backend with the `Standardize` kernels
 * (native: lib/backend/native-ops.ts) makes two passes forward and two backward; elsewhere the
 * tfjs ops below take several more.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../util/errors';

/** Kernel names: forward x → [xhat, rstd [O, I]], backward {dy, xhat, rstd} → dx. */
export const STANDARDIZE = 'Standardize';
export const STANDARDIZE_GRAD = 'StandardizeGrad';

/** The gradient of the kernel; rstd is an auxiliary output whose own gradient is not taken. */
tf.registerGradient({
  kernelName: STANDARDIZE,
  outputsToSave: [true, true],
  gradFunc: (dy, saved) => {
    const [xhat, rstd] = saved;
    const dxhat = Array.isArray(dy) ? dy[0] : dy;
    return { x: () => tf.engine().runKernel(STANDARDIZE_GRAD, { dy: dxhat, xhat, rstd }) as tf.Tensor };
  },
});

/** The same with tfjs ops, for backends without the kernels. */
function standardizeOps(x: tf.Tensor3D, eps: number): tf.Tensor3D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const centered = input.sub(input.mean(1, true)); // [O, S, I]
    const rstd = tf.rsqrt(centered.square().mean(1, true).add(eps)); // [O, 1, I]
    const xhat = centered.mul(rstd);
    save([xhat, rstd]);
    return {
      value: xhat,
      // dx = rstd · (dy − mean_S(dy) − xhat · mean_S(dy · xhat))
      gradFunc: (dy: tf.Tensor, [xh, r]: tf.Tensor[]) => dy.sub(dy.mean(1, true)).sub(xh.mul(dy.mul(xh).mean(1, true))).mul(r),
    };
  });
  return op(x) as tf.Tensor3D;
}

/** x [O, S, I] standardised over S, same shape. */
export function standardize(x: tf.Tensor3D, eps: number): tf.Tensor3D {
  if (x.rank !== 3) throw new InputError(`standardize: x must be [O, S, I], got [${x.shape}]`);
  if (x.dtype !== 'float32' || !tf.getKernel(STANDARDIZE, tf.getBackend())) return standardizeOps(x, eps);
  const [xhat, rstd] = tf.engine().runKernel(STANDARDIZE, { x }, { eps }) as tf.Tensor[];
  rstd.dispose(); // the tape keeps its own copy for the gradient
  return xhat as tf.Tensor3D;
}
