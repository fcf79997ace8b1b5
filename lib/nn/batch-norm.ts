/**
 * Batch norm in training mode over x [S, C] (a conv output [N, H, W, C] seen as N·H·W rows):
 * y = act(xhat · gamma + beta) with xhat standardised by the batch statistics (./standardize),
 * act ReLU or the identity, and those statistics for the running estimates. With a model axis,
 * x [M, S, C] and gamma, beta [M, C] are M models' rows, each normalised by its own statistics.
 * A backend with the `BatchNormTraining` kernels (native: lib/backend/native-ops.ts) does it in
 * one op each way: three passes over x forward and three backward, where the tfjs ops (moments,
 * standardize, multiply, add, ReLU and their gradients) take some fifteen.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../util/errors';
import { standardize } from './standardize';

/** Kernel names: forward {x, gamma, beta} → [y, mean, variance, rstd], backward → [dx, dgamma, dbeta]. */
export const BATCH_NORM_TRAINING = 'BatchNormTraining';
export const BATCH_NORM_TRAINING_GRAD = 'BatchNormTrainingGrad';

export type NormActivation = 'linear' | 'relu';

export interface BatchNormTrainingAttrs {
  eps: number;
  relu: boolean;
}

/** One model's rows [S, C] with gamma, beta [C], or M models' [M, S, C] with [M, C]. */
export type Rows = tf.Tensor2D | tf.Tensor3D;
export type PerChannel<X extends Rows> = X extends tf.Tensor3D ? tf.Tensor2D : tf.Tensor1D;

export interface BatchNormOutput<X extends Rows = tf.Tensor2D> {
  /** x's shape */
  y: X;
  /** The batch mean and biased variance, gamma's shape; null unless asked for. */
  stats: { mean: PerChannel<X>; variance: PerChannel<X> } | null;
}

/**
 * One kernel computes all three gradients, so it runs when the tape asks for them, outside the
 * per-input closures (each of which disposes what it makes but what it returns). The
 * statistics are outputs without a gradient.
 */
tf.registerGradient({
  kernelName: BATCH_NORM_TRAINING,
  inputsToSave: ['x', 'gamma'],
  outputsToSave: [true, true, false, true],
  gradFunc: (dy, saved, attrs) => {
    const [x, gamma, y, mean, rstd] = saved;
    const { relu } = attrs as unknown as BatchNormTrainingAttrs;
    const dyY = Array.isArray(dy) ? dy[0] : dy;
    const inputs: tf.NamedTensorMap = { dy: dyY, x, gamma, mean, rstd };
    if (relu) inputs.y = y; // ReLU's mask
    const [dx, dgamma, dbeta] = tf.engine().runKernel(BATCH_NORM_TRAINING_GRAD, inputs) as tf.Tensor[];
    return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
  },
});

function shapeProblem(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): string | undefined {
  if (x.rank !== 2 && x.rank !== 3) return `x must be [S, C] or [M, S, C], got [${x.shape}]`;
  const perChannel = [...x.shape.slice(0, -2), x.shape[x.rank - 1]] as number[]; // [C] or [M, C]
  if (!tf.util.arraysEqual(gamma.shape, perChannel) || !tf.util.arraysEqual(beta.shape, perChannel)) {
    return `gamma and beta must be [${perChannel}], got [${gamma.shape}] and [${beta.shape}]`;
  }
  return undefined;
}

/** The same with tfjs ops, for backends without the kernels. */
function batchNormOps<X extends Rows>(x: X, gamma: PerChannel<X>, beta: PerChannel<X>, eps: number, activation: NormActivation, stats: boolean): BatchNormOutput<X> {
  const [s, c] = x.shape.slice(-2);
  const models = x.rank === 3 ? x.shape[0] : 1;
  const xhat = standardize(x.reshape([models, s, c]), eps).reshape(x.shape);
  const perRow = (t: tf.Tensor) => (x.rank === 3 ? t.expandDims(1) : t); // [M, C] → [M, 1, C]
  const affine = xhat.mul(perRow(gamma)).add(perRow(beta));
  const y = (activation === 'relu' ? tf.relu(affine) : affine) as X;
  if (!stats) return { y, stats: null };
  const { mean, variance } = tf.moments(x, x.rank - 2);
  return { y, stats: { mean: mean as PerChannel<X>, variance: variance as PerChannel<X> } };
}

/** x [S, C] (or [M, S, C]) normalised over S with the batch statistics; `stats` also returns them. */
export function batchNormTraining<X extends Rows>(
  x: X, gamma: PerChannel<X>, beta: PerChannel<X>, options: { eps: number; activation: NormActivation; stats: boolean },
): BatchNormOutput<X> {
  const problem = shapeProblem(x, gamma, beta);
  if (problem) throw new InputError(`batchNormTraining: ${problem}`);
  const { eps, activation, stats } = options;
  if (![x, gamma, beta].every((t) => t.dtype === 'float32') || !tf.getKernel(BATCH_NORM_TRAINING, tf.getBackend())) {
    return batchNormOps(x, gamma, beta, eps, activation, stats);
  }
  const attrs: BatchNormTrainingAttrs = { eps, relu: activation === 'relu' };
  const [y, mean, variance, rstd] = tf.engine().runKernel(BATCH_NORM_TRAINING, { x, gamma, beta },
    attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  rstd.dispose(); // the tape keeps its own copy for the gradient
  if (stats) return { y: y as X, stats: { mean: mean as PerChannel<X>, variance: variance as PerChannel<X> } };
  tf.dispose([mean, variance]);
  return { y: y as X, stats: null };
}
