/**
 * Standardisation over the middle axis of x [O, S, I]: xhat = (x − mean_S) / √(var_S + eps), the
 * biased variance, with its gradient written out. Instance norm is x [B, L, C] as it is; training
 * batch norm is x [N, H, W, C] seen as [1, N·H·W, C]. Optionally a shift [O, S, 1] is added to x
 * and a LeakyReLU applied first, as in the denoiser's blocks (the timestep embedding, then
 * LeakyReLU, then InstanceNorm). A backend with the `Standardize` kernels (native:
 * lib/backend/native-ops.ts) does all of it in one op each way; elsewhere the tfjs ops below take
 * several more.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../util/errors';
import { leakyRelu } from './leaky-relu';

/**
 * Kernel names: forward {x, shift?} → [xhat, rstd [O, I]]; backward {dy, xhat, rstd, x?, shift?}
 * → [dx], or [dx, dshift] when shift is given. x (LeakyReLU's input, for its mask, with shift)
 * is given when slope ≠ 1.
 */
export const STANDARDIZE = 'Standardize';
export const STANDARDIZE_GRAD = 'StandardizeGrad';

/** slope: LeakyReLU's negative slope; 1 is the identity, no LeakyReLU. */
export interface StandardizeAttrs {
  eps: number;
  slope: number;
}

export interface StandardizeOptions {
  /** LeakyReLU's negative slope, applied before the standardisation; absent or 1: none. */
  slope?: number;
  /** [O, S, 1], added to x (broadcast over I) before the LeakyReLU; absent: none. */
  shift?: tf.Tensor3D;
}

/**
 * The kernels, their gradient written out here rather than registered: a registered gradient
 * saves a fixed list of inputs, and the shift is not always one. rstd is an auxiliary output
 * whose own gradient is not taken.
 */
function standardizeKernels(x: tf.Tensor3D, attrs: StandardizeAttrs, shift: tf.Tensor3D | undefined): tf.Tensor3D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [input, offset] = args as tf.Tensor[];
    const inputs: tf.NamedTensorMap = offset ? { x: input, shift: offset } : { x: input };
    const [xhat, rstd] = tf.engine().runKernel(STANDARDIZE, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    save(offset ? [input, xhat, rstd, offset] : [input, xhat, rstd]);
    return {
      value: xhat,
      gradFunc: (dy: tf.Tensor, [xs, xh, r, sh]: tf.Tensor[]) => {
        const gradInputs: tf.NamedTensorMap = { dy, xhat: xh, rstd: r };
        if (attrs.slope !== 1) gradInputs.x = xs;
        if (sh) gradInputs.shift = sh;
        return tf.engine().runKernel(STANDARDIZE_GRAD, gradInputs, { slope: attrs.slope }) as tf.Tensor[];
      },
    };
  });
  return (shift ? op(x, shift) : op(x)) as tf.Tensor3D;
}

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

/** LeakyReLU(x + shift) [O, S, I] standardised over S, same shape (options: neither by default). */
export function standardize(x: tf.Tensor3D, eps: number, options: StandardizeOptions = {}): tf.Tensor3D {
  const { slope = 1, shift } = options;
  if (x.rank !== 3) throw new InputError(`standardize: x must be [O, S, I], got [${x.shape}]`);
  if (!Number.isFinite(slope)) throw new InputError(`standardize: slope must be a finite number, got ${slope}`);
  if (shift && (shift.rank !== 3 || shift.shape[0] !== x.shape[0] || shift.shape[1] !== x.shape[1] || shift.shape[2] !== 1)) {
    throw new InputError(`standardize: shift must be [${x.shape[0]}, ${x.shape[1]}, 1], got [${shift.shape}]`);
  }
  if (x.dtype !== 'float32' || (shift && shift.dtype !== 'float32') || !tf.getKernel(STANDARDIZE, tf.getBackend())) {
    const shifted = shift ? x.add<tf.Tensor3D>(shift) : x;
    return standardizeOps(slope === 1 ? shifted : leakyRelu(shifted, slope), eps);
  }
  return standardizeKernels(x, { eps, slope }, shift);
}
