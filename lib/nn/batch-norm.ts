/**
 * Batch norm in training mode over x [S, C] (a conv output [N, H, W, C] seen as N·H·W rows):
 * y = act(xhat · gamma + beta) with xhat standardised by the batch statistics (./standardize),
 * act ReLU or the identity, and those statistics for the running estimates. A backend with the
 * `BatchNormTraining` kernels (native: lib/backend/native-ops.ts) does it in one op each way:
 * three passes over x forward and three backward, where the tfjs ops (moments, standardize,
 * multiply, add, ReLU and their gradients) take some fifteen.
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

export interface BatchNormOutput {
  /** [S, C] */
  y: tf.Tensor2D;
  /** The batch mean and biased variance [C]; null unless asked for. */
  stats: { mean: tf.Tensor1D; variance: tf.Tensor1D } | null;
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
  if (x.rank !== 2) return `x must be [S, C], got [${x.shape}]`;
  const c = x.shape[1];
  if (gamma.rank !== 1 || gamma.shape[0] !== c || beta.rank !== 1 || beta.shape[0] !== c) {
    return `gamma and beta must be [${c}], got [${gamma.shape}] and [${beta.shape}]`;
  }
  return undefined;
}

/** The same with tfjs ops, for backends without the kernels. */
function batchNormOps(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number, activation: NormActivation, stats: boolean): BatchNormOutput {
  const [s, c] = x.shape;
  const affine = standardize(x.reshape([1, s, c]), eps).reshape([s, c]).mul(gamma).add(beta) as tf.Tensor2D;
  const y = activation === 'relu' ? tf.relu(affine) : affine;
  if (!stats) return { y, stats: null };
  const { mean, variance } = tf.moments(x, 0);
  return { y, stats: { mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D } };
}

/** x [S, C] normalised over S with the batch statistics; `stats` also returns them. */
export function batchNormTraining(
  x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, options: { eps: number; activation: NormActivation; stats: boolean },
): BatchNormOutput {
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
  if (stats) return { y: y as tf.Tensor2D, stats: { mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D } };
  tf.dispose([mean, variance]);
  return { y: y as tf.Tensor2D, stats: null };
}
