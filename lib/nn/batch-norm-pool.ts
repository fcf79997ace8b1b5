/**
 * Batch norm, ReLU and pooling as one op, the pooling a 2×2 max pool with stride 2 (ConvNet-S's
 * first two stages: x [N, H, W, C] → [N, H/2, W/2, C]) or the global average pool (its last:
 * → [N, C]), in training (batch statistics); the max pool also in inference (a per-channel affine
 * map from the running statistics). With a model axis, x [M·B, H, W, C] holds model m's batch in
 * rows m·B … m·B + B − 1 and gamma, beta (scale, shift) are [M, C]. A backend with the kernels
 * (native: lib/backend/native-ops.ts) never writes the full-size activations: forward, the pooled
 * output comes straight from x; backward, y is recomputed from x for the pool's and ReLU's masks.
 * That drops two passes over the largest activations each way, with the unfused ops' values bit
 * for bit. Elsewhere the ops are batch norm then tf.maxPool or ./spatial-mean.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../util/errors';
import { batchNormTraining } from './batch-norm';
import { spatialMean } from './spatial-mean';

/**
 * Kernel names: training forward {x, gamma, beta} → [pooled, mean, variance, rstd] and its
 * gradient {dy, x, gamma, beta, mean, rstd} → [dx, dgamma, dbeta], for each pooling; inference.
 */
export const BATCH_NORM_RELU_POOL = 'BatchNormReluPool';
export const BATCH_NORM_RELU_POOL_GRAD = 'BatchNormReluPoolGrad';
export const BATCH_NORM_RELU_MEAN = 'BatchNormReluMean';
export const BATCH_NORM_RELU_MEAN_GRAD = 'BatchNormReluMeanGrad';
export const AFFINE_RELU_POOL = 'AffineReluPool';

/** 'max2x2': 2×2 max pool, stride 2 (H and W even for the kernel); 'mean': global average pool. */
export type Pooling = 'max2x2' | 'mean';

const TRAINING_KERNELS: Record<Pooling, { forward: string; gradient: string }> = {
  max2x2: { forward: BATCH_NORM_RELU_POOL, gradient: BATCH_NORM_RELU_POOL_GRAD },
  mean: { forward: BATCH_NORM_RELU_MEAN, gradient: BATCH_NORM_RELU_MEAN_GRAD },
};

export interface BatchNormReluPoolAttrs {
  eps: number;
}

for (const { forward, gradient } of Object.values(TRAINING_KERNELS)) {
  tf.registerGradient({
    kernelName: forward,
    inputsToSave: ['x', 'gamma', 'beta'],
    outputsToSave: [false, true, false, true],
    gradFunc: (dy, saved) => {
      const [x, gamma, beta, mean, rstd] = saved;
      const dyPooled = Array.isArray(dy) ? dy[0] : dy;
      const [dx, dgamma, dbeta] = tf.engine().runKernel(gradient, { dy: dyPooled, x, gamma, beta, mean, rstd }) as tf.Tensor[];
      return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
    },
  });
}

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

/** The op runs as one kernel where the backend has it and the sizes suit it (the max pool's H, W even). */
function useKernel(kernel: string, pooling: Pooling, x: tf.Tensor4D, ...rest: tf.Tensor[]): boolean {
  const tiles = pooling === 'mean' || (x.shape[1] % 2 === 0 && x.shape[2] % 2 === 0);
  return tiles && [x, ...rest].every((t) => t.dtype === 'float32') && !!tf.getKernel(kernel, tf.getBackend());
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
  /** [N, H/2, W/2, C] for 'max2x2', [N, C] for 'mean' */
  y: tf.Tensor;
  /** The batch mean and biased variance, gamma's shape; null unless asked for. */
  stats: { mean: tf.Tensor; variance: tf.Tensor } | null;
}

const pool = (y: tf.Tensor4D, pooling: Pooling): tf.Tensor => (pooling === 'mean' ? spatialMean(y) : tf.maxPool(y, 2, 2, 'valid'));

/**
 * Training batch norm (batch statistics over each model's N·H·W positions), ReLU, then `pooling`;
 * `stats` also returns the batch mean and biased variance (gamma's shape) for the running estimates.
 */
export function batchNormReluPool(
  x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor, options: { eps: number; stats: boolean; pooling: Pooling },
): PooledOutput {
  const problem = shapeProblem(x, [gamma, beta]);
  if (problem) throw new InputError(`batchNormReluPool: ${problem}`);
  const { forward } = TRAINING_KERNELS[options.pooling];
  if (!useKernel(forward, options.pooling, x, gamma, beta)) {
    const rows = gamma.rank === 2 ? rowsOf(x, gamma.shape[0]) : x.reshape([-1, x.shape[3]]) as tf.Tensor2D;
    const { y, stats } = batchNormTraining(rows, gamma as tf.Tensor1D, beta as tf.Tensor1D, { eps: options.eps, activation: 'relu', stats: options.stats });
    const pooled = tf.tidy(() => pool(y.reshape(x.shape) as tf.Tensor4D, options.pooling));
    tf.dispose([rows, y]);
    return { y: pooled, stats };
  }
  const attrs: BatchNormReluPoolAttrs = { eps: options.eps };
  const [y, mean, variance, rstd] = tf.engine().runKernel(forward, { x, gamma, beta }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  rstd.dispose(); // the tape keeps its own copy for the gradient
  if (options.stats) return { y, stats: { mean, variance } };
  tf.dispose([mean, variance]);
  return { y, stats: null };
}

/** Inference: 2×2 max pool of max(x · scale + shift, 0), scale and shift per channel ([C] or [M, C]). */
export function affineReluPool(x: tf.Tensor4D, scale: tf.Tensor, shift: tf.Tensor): tf.Tensor4D {
  const problem = shapeProblem(x, [scale, shift]);
  if (problem) throw new InputError(`affineReluPool: ${problem}`);
  if (!useKernel(AFFINE_RELU_POOL, 'max2x2', x, scale, shift)) return affineReluPoolOps(x, scale, shift);
  return tf.engine().runKernel(AFFINE_RELU_POOL, { x, scale, shift }) as tf.Tensor4D;
}
