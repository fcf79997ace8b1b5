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
/** The inference mean pooling's gradient for scale and shift: {dy, x, scale, shift} → [dscale, dshift] (one model). */
export const AFFINE_RELU_MEAN_GRAD = 'AffineReluMeanGrad';

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

/** The inference op's attributes. */
export interface AffineReluPoolAttrs {
  pooling: Pooling;
}

/**
 * The inference op's gradient, as the composite's taped ops compute it: the mean pooling's for
 * scale and shift in one native kernel (the p-diff head trains bn3 that way at every step); x's,
 * and the max pool's, through the ops themselves (fine-tuning through a frozen BN: rare).
 */
tf.registerGradient({
  kernelName: AFFINE_RELU_POOL,
  inputsToSave: ['x', 'scale', 'shift'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, scale, shift, pooled] = saved as [tf.Tensor4D, tf.Tensor, tf.Tensor, tf.Tensor];
    const { pooling } = attrs as unknown as AffineReluPoolAttrs;
    const models = scale.rank === 2 ? scale.shape[0] : 1;
    const rows = rowsOf(x, models); // [M, S, C]
    const perRow = (t: tf.Tensor) => t.reshape([models, 1, -1]);
    const dAffine = () => { // [M, S, C]
      const pre = affineOf(x, scale, shift);
      const dRelu = pooling === 'mean'
        ? (dy as tf.Tensor).reshape([x.shape[0], 1, 1, x.shape[3]]).div(tf.fill([1, x.shape[1], x.shape[2], 1], x.shape[1] * x.shape[2]))
        : tf.engine().runKernel(tf.MaxPoolGrad, { dy: dy as tf.Tensor, input: tf.relu(pre), output: pooled },
          { filterSize: 2, strides: 2, pad: 'valid' } as unknown as tf.NamedAttrMap) as tf.Tensor;
      return rowsOf(dRelu.mul(tf.step(pre)) as tf.Tensor4D, models);
    };
    const fromKernel = pooling === 'mean' && !!tf.getKernel(AFFINE_RELU_MEAN_GRAD, tf.getBackend())
      ? tf.engine().runKernel(AFFINE_RELU_MEAN_GRAD, { dy: dy as tf.Tensor, x, scale, shift }) as tf.Tensor[]
      : null;
    return {
      x: () => dAffine().mul(perRow(scale)).reshape(x.shape),
      scale: () => fromKernel ? fromKernel[0] : dAffine().mul(rows).sum(1).reshape(scale.shape),
      shift: () => fromKernel ? fromKernel[1] : dAffine().sum(1).reshape(shift.shape),
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

const pool = (y: tf.Tensor4D, pooling: Pooling): tf.Tensor => (pooling === 'mean' ? spatialMean(y) : tf.maxPool(y, 2, 2, 'valid'));

/** x · scale + shift on each model's rows (scale, shift [C] or [M, C]), x's shape: the ops the fused kernels match. */
function affineOf(x: tf.Tensor4D, scale: tf.Tensor, shift: tf.Tensor): tf.Tensor4D {
  const models = scale.rank === 2 ? scale.shape[0] : 1;
  const perRow = (t: tf.Tensor) => t.reshape([models, 1, -1]);
  return rowsOf(x, models).mul(perRow(scale)).add(perRow(shift)).reshape(x.shape) as tf.Tensor4D;
}

function affineReluPoolOps(x: tf.Tensor4D, scale: tf.Tensor, shift: tf.Tensor, pooling: Pooling): tf.Tensor {
  return tf.tidy(() => pool(tf.relu(affineOf(x, scale, shift)), pooling));
}

export interface PooledOutput {
  /** [N, H/2, W/2, C] for 'max2x2', [N, C] for 'mean' */
  y: tf.Tensor;
  /** The batch mean and biased variance, gamma's shape; null unless asked for. */
  stats: { mean: tf.Tensor; variance: tf.Tensor } | null;
}

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

/**
 * Inference: `pooling` of max(x · scale + shift, 0), scale and shift per channel ([C] or [M, C]);
 * the same values as the ops. The mean pooling runs as a kernel for one model only (the p-diff
 * head on cached features), where its gradient has one too.
 */
export function affineReluPool(x: tf.Tensor4D, scale: tf.Tensor, shift: tf.Tensor, pooling: Pooling): tf.Tensor {
  const problem = shapeProblem(x, [scale, shift]);
  if (problem) throw new InputError(`affineReluPool: ${problem}`);
  if (!useKernel(AFFINE_RELU_POOL, pooling, x, scale, shift) || (pooling === 'mean' && scale.rank === 2)) {
    return affineReluPoolOps(x, scale, shift, pooling);
  }
  const attrs: AffineReluPoolAttrs = { pooling };
  return tf.engine().runKernel(AFFINE_RELU_POOL, { x, scale, shift }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}
