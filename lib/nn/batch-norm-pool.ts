/**
 * Batch norm, ReLU and a 2×2 max pool with stride 2 as one op (ConvNet-S's first two stages):
 * x [N, H, W, C] → [N, H/2, W/2, C], in training (batch statistics) or inference (a per-channel
 * affine map from the running ones). With a model axis, x [M·B, H, W, C] holds model m's batch in
 * rows m·B … m·B + B − 1 and gamma, beta (scale, shift) are [M, C]. A backend with the kernels
 * (native: lib/backend/native-ops.ts) never writes the full-size activations: forward, the pooled
 * output comes straight from x; backward, y is recomputed from x for the pool's and ReLU's masks.
 * That drops two passes over the largest activations each way, with the unfused ops' values bit
 * for bit. Elsewhere the ops are batch norm then tf.maxPool.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../util/errors';
import { batchNormTraining } from './batch-norm';

/** Kernel names: training forward {x, gamma, beta} → [pooled, mean, variance, rstd], its gradient, inference. */
export const BATCH_NORM_RELU_POOL = 'BatchNormReluPool';
export const BATCH_NORM_RELU_POOL_GRAD = 'BatchNormReluPoolGrad';
export const AFFINE_RELU_POOL = 'AffineReluPool';

export interface BatchNormReluPoolAttrs {
  eps: number;
}

tf.registerGradient({
  kernelName: BATCH_NORM_RELU_POOL,
  inputsToSave: ['x', 'gamma', 'beta'],
  outputsToSave: [false, true, false, true],
  gradFunc: (dy, saved) => {
    const [x, gamma, beta, mean, rstd] = saved;
    const dyPooled = Array.isArray(dy) ? dy[0] : dy;
    const [dx, dgamma, dbeta] = tf.engine().runKernel(BATCH_NORM_RELU_POOL_GRAD, { dy: dyPooled, x, gamma, beta, mean, rstd }) as tf.Tensor[];
    return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
  },
});

/** The inference op's gradient: its composite's, op by op (rarely needed: fine-tuning through a frozen BN). */
tf.registerGradient({
  kernelName: AFFINE_RELU_POOL,
  inputsToSave: ['x', 'scale', 'shift'],
  outputsToSave: [true],
  gradFunc: (dy, saved) => {
    const [x, scale, shift, pooled] = saved as [tf.Tensor4D, tf.Tensor, tf.Tensor, tf.Tensor4D];
    const models = scale.rank === 2 ? scale.shape[0] : 1;
    const rows = rowsOf(x, models); // [M, S, C]
    const perRow = (t: tf.Tensor) => t.reshape([models, 1, -1]);
    const affine = rows.mul(perRow(scale)).add(perRow(shift)).reshape(x.shape);
    const attrs = { filterSize: 2, strides: 2, pad: 'valid' };
    const dRelu = tf.engine().runKernel(tf.MaxPoolGrad, { dy: dy as tf.Tensor, input: tf.relu(affine), output: pooled }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    const dAffine = rowsOf(dRelu.mul(tf.step(affine)) as tf.Tensor4D, models); // [M, S, C]
    return {
      x: () => dAffine.mul(perRow(scale)).reshape(x.shape),
      scale: () => dAffine.mul(rows).sum(1).reshape(scale.shape),
      shift: () => dAffine.sum(1).reshape(shift.shape),
    };
  },
});

/** [C] or [M, C] per-channel tensors for x [M·B, H, W, C], or a description of what is wrong. */
function shapeProblem(x: tf.Tensor, perChannel: tf.Tensor[]): string | undefined {
  if (x.rank !== 4) return `x must be [N, H, W, C], got [${x.shape}]`;
  const [n, , , c] = x.shape;
  const first = perChannel[0].shape;
  const models = first.length === 2 ? first[0] : 1;
  if (first.length < 1 || first.length > 2 || first[first.length - 1] !== c || n % models !== 0) {
    return `the per-channel parameters must be [${c}] or [M, ${c}] with M dividing ${n}, got [${first}]`;
  }
  if (!perChannel.every((t) => tf.util.arraysEqual(t.shape, first))) return `the per-channel parameters differ in shape: ${perChannel.map((t) => `[${t.shape}]`).join(', ')}`;
  return undefined;
}

/** x [M·B, H, W, C] as [M, B·H·W, C] rows, for per-model statistics and parameters. */
const rowsOf = (x: tf.Tensor4D, models: number) => x.reshape([models, -1, x.shape[3]]) as tf.Tensor3D;

/** The op runs as one kernel where the backend has it and the sizes tile (H, W even). */
function useKernel(kernel: string, x: tf.Tensor4D, ...rest: tf.Tensor[]): boolean {
  return [x, ...rest].every((t) => t.dtype === 'float32') && x.shape[1] % 2 === 0 && x.shape[2] % 2 === 0 && !!tf.getKernel(kernel, tf.getBackend());
}

function affineReluPoolOps(x: tf.Tensor4D, scale: tf.Tensor, shift: tf.Tensor): tf.Tensor4D {
  return tf.tidy(() => {
    const models = scale.rank === 2 ? scale.shape[0] : 1;
    const perRow = (t: tf.Tensor) => t.reshape([models, 1, -1]);
    const affine = rowsOf(x, models).mul(perRow(scale)).add(perRow(shift)).reshape(x.shape) as tf.Tensor4D;
    return tf.maxPool(tf.relu(affine), 2, 2, 'valid');
  });
}

export interface PooledOutput {
  /** [N, H/2, W/2, C] */
  y: tf.Tensor4D;
  /** The batch mean and biased variance, gamma's shape; null unless asked for. */
  stats: { mean: tf.Tensor; variance: tf.Tensor } | null;
}

/**
 * Training batch norm (batch statistics over each model's N·H·W positions), ReLU, 2×2 max pool;
 * `stats` also returns the batch mean and biased variance (gamma's shape) for the running estimates.
 */
export function batchNormReluPool(
  x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor, options: { eps: number; stats: boolean },
): PooledOutput {
  const problem = shapeProblem(x, [gamma, beta]);
  if (problem) throw new InputError(`batchNormReluPool: ${problem}`);
  if (!useKernel(BATCH_NORM_RELU_POOL, x, gamma, beta)) {
    const rows = gamma.rank === 2 ? rowsOf(x, gamma.shape[0]) : x.reshape([-1, x.shape[3]]) as tf.Tensor2D;
    const { y, stats } = batchNormTraining(rows, gamma as tf.Tensor1D, beta as tf.Tensor1D, { eps: options.eps, activation: 'relu', stats: options.stats });
    const pooled = tf.tidy(() => tf.maxPool(y.reshape(x.shape) as tf.Tensor4D, 2, 2, 'valid'));
    tf.dispose([rows, y]);
    return { y: pooled, stats };
  }
  const attrs: BatchNormReluPoolAttrs = { eps: options.eps };
  const [y, mean, variance, rstd] = tf.engine().runKernel(BATCH_NORM_RELU_POOL, { x, gamma, beta },
    attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  rstd.dispose(); // the tape keeps its own copy for the gradient
  if (options.stats) return { y: y as tf.Tensor4D, stats: { mean, variance } };
  tf.dispose([mean, variance]);
  return { y: y as tf.Tensor4D, stats: null };
}

/** Inference: 2×2 max pool of max(x · scale + shift, 0), scale and shift per channel ([C] or [M, C]). */
export function affineReluPool(x: tf.Tensor4D, scale: tf.Tensor, shift: tf.Tensor): tf.Tensor4D {
  const problem = shapeProblem(x, [scale, shift]);
  if (problem) throw new InputError(`affineReluPool: ${problem}`);
  if (!useKernel(AFFINE_RELU_POOL, x, scale, shift)) return affineReluPoolOps(x, scale, shift);
  return tf.engine().runKernel(AFFINE_RELU_POOL, { x, scale, shift }) as tf.Tensor4D;
}
