/**
 * Building blocks shared by the task models: parameter creation with PyTorch's default
 * initialisation (seeded), and the conv / batch-norm / linear functions over named parameters.
 */
import * as tf from '@tensorflow/tfjs';
import { batchNormTraining, type NormActivation, type PerChannel, type Rows } from '../nn/batch-norm';
import { affineReluPool, batchNormReluPool, type Pooling } from '../nn/batch-norm-pool';
import { Rng } from '../util/rng';
import type { ForwardOptions } from './task-model';

/** Creates named variables in order; one instance builds one model. */
export class ParamBuilder {
  readonly params = new Map<string, tf.Variable>();
  readonly buffers = new Map<string, tf.Variable>();

  constructor(private readonly rng: Rng) {}

  private add(store: Map<string, tf.Variable>, name: string, shape: number[], values: Float32Array, trainable: boolean) {
    if (this.params.has(name) || this.buffers.has(name)) throw new Error(`duplicate parameter name ${name}`);
    // tfjs variable names are global; ours live in the map, so tfjs picks unique ones.
    // tidy: tf.variable keeps its own reference, the initial tensor is released.
    store.set(name, tf.tidy(() => tf.variable(tf.tensor(values, shape), trainable)));
  }

  /** U(-1/√fanIn, 1/√fanIn): PyTorch's default for conv/linear weights and biases. */
  uniform(name: string, shape: number[], fanIn: number): void {
    const bound = 1 / Math.sqrt(fanIn);
    const values = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (2 * this.rng.uniform() - 1) * bound);
    this.add(this.params, name, shape, values, true);
  }

  constant(name: string, shape: number[], value: number, kind: 'param' | 'buffer'): void {
    const values = new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(value);
    this.add(kind === 'param' ? this.params : this.buffers, name, shape, values, kind === 'param');
  }

  conv(name: string, kernel: number, inChannels: number, outChannels: number, bias: boolean): void {
    const fanIn = kernel * kernel * inChannels;
    this.uniform(`${name}/weight`, [kernel, kernel, inChannels, outChannels], fanIn);
    if (bias) this.uniform(`${name}/bias`, [outChannels], fanIn);
  }

  batchNorm(name: string, channels: number): void {
    this.constant(`${name}/weight`, [channels], 1, 'param');
    this.constant(`${name}/bias`, [channels], 0, 'param');
    this.constant(`${name}/running_mean`, [channels], 0, 'buffer');
    this.constant(`${name}/running_var`, [channels], 1, 'buffer');
  }

  linear(name: string, inFeatures: number, outFeatures: number): void {
    this.uniform(`${name}/weight`, [inFeatures, outFeatures], inFeatures);
    this.uniform(`${name}/bias`, [outFeatures], inFeatures);
  }
}

/** Looks up a named tensor, with an error that names what is missing. */
export function named(store: Map<string, tf.Variable>, name: string): tf.Variable {
  const v = store.get(name);
  if (!v) throw new Error(`missing parameter ${name}`);
  return v;
}

/**
 * The layer functions an architecture is written with, over one model's parameters
 * (`modelLayers`) or over M models' stacked ones (./stacked-layers: M models in each op).
 */
export interface LayerOps {
  conv(name: string, x: tf.Tensor4D, stride?: number, pad?: 'same' | 'valid'): tf.Tensor4D;
  batchNorm(name: string, x: tf.Tensor4D, options: ForwardOptions, activation?: NormActivation): tf.Tensor4D;
  /**
   * Batch norm, ReLU and a pooling: the 2×2 max pool with stride 2 ([N, H, W, C] → [N, H/2, W/2, C])
   * or the global average pool (→ [N, C]).
   */
  batchNormReluPool<P extends Pooling>(name: string, x: tf.Tensor4D, options: ForwardOptions, pooling: P): PooledTensor<P>;
  linear(name: string, x: tf.Tensor2D): tf.Tensor2D;
}

/** What a pooling gives: [N, H/2, W/2, C] for 'max2x2', [N, C] for 'mean'. */
export type PooledTensor<P extends Pooling> = P extends 'mean' ? tf.Tensor2D : tf.Tensor4D;

/** The layers of the model whose variables these are. */
export function modelLayers(params: Map<string, tf.Variable>, buffers: Map<string, tf.Variable>): LayerOps {
  return {
    conv: (name, x, stride, pad) => conv(params, name, x, stride, pad),
    batchNorm: (name, x, options, activation) => batchNorm(params, buffers, name, x, options, activation),
    batchNormReluPool: (name, x, options, pooling) => normalizeReluPool(params, buffers, name, x, options, pooling),
    linear: (name, x) => linear(params, name, x),
  };
}

export function conv(params: Map<string, tf.Variable>, name: string, x: tf.Tensor4D, stride = 1, pad: 'same' | 'valid' = 'same'): tf.Tensor4D {
  const y = tf.conv2d(x, named(params, `${name}/weight`) as tf.Tensor4D, stride, pad);
  const bias = params.get(`${name}/bias`);
  return bias ? y.add(bias) : y;
}

export function linear(params: Map<string, tf.Variable>, name: string, x: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(x, named(params, `${name}/weight`)).add(named(params, `${name}/bias`));
}

/** PyTorch BN conventions: momentum 0.1, eps 1e-5, unbiased variance for the running estimate. */
export const BN_MOMENTUM = 0.1;
export const BN_EPS = 1e-5;

/** Batch norm, then `activation` (ReLU fused into the op where the backend has the kernel). */
export function batchNorm(
  params: Map<string, tf.Variable>, buffers: Map<string, tf.Variable>, name: string,
  x: tf.Tensor4D, options: ForwardOptions, activation: NormActivation = 'linear',
): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  return normalizeRows(params, buffers, name, x.reshape([n * h * w, c]) as tf.Tensor2D, options, activation).reshape(x.shape);
}

/**
 * Batch norm of rows [S, C] (one model's N·H·W positions) or [M, S, C] (M models', their
 * parameters and buffers [M, C]): batch statistics over S in training, running ones otherwise.
 */
export function normalizeRows<X extends Rows>(
  params: Map<string, tf.Variable>, buffers: Map<string, tf.Variable>, name: string,
  rows: X, options: ForwardOptions, activation: NormActivation,
): X {
  const gamma = named(params, `${name}/weight`) as PerChannel<X>;
  const beta = named(params, `${name}/bias`) as PerChannel<X>;
  if (options.mode === 'train') {
    // Batch statistics over S, with the gradient written out (lib/nn/batch-norm).
    const { y, stats } = batchNormTraining(rows, gamma, beta, { eps: BN_EPS, activation, stats: !!options.bufferUpdates });
    pushRunningStats(buffers, name, stats, rows.shape[rows.rank - 2], options);
    return y;
  }
  const { scale, shift } = inferenceAffine(params, buffers, name);
  const perRow = (t: tf.Tensor) => (rows.rank === 3 ? t.expandDims(1) : t);
  const affine = rows.mul(perRow(scale)).add(perRow(shift)) as X;
  return activation === 'relu' ? tf.relu(affine) : affine;
}

/**
 * Batch norm, ReLU and `pooling` (lib/nn/batch-norm-pool) of one model's x [N, H, W, C] or M
 * models' stacked [M·B, H, W, C] (parameters and buffers [M, C]), as normalizeRows' modes.
 */
export function normalizeReluPool<P extends Pooling>(
  params: Map<string, tf.Variable>, buffers: Map<string, tf.Variable>, name: string, x: tf.Tensor4D, options: ForwardOptions, pooling: P,
): PooledTensor<P> {
  const gamma = named(params, `${name}/weight`);
  if (options.mode === 'train') {
    const { y, stats } = batchNormReluPool(x, gamma, named(params, `${name}/bias`), { eps: BN_EPS, stats: !!options.bufferUpdates, pooling });
    const models = gamma.rank === 2 ? gamma.shape[0] : 1;
    pushRunningStats(buffers, name, stats, (x.shape[0] / models) * x.shape[1] * x.shape[2], options);
    return y as PooledTensor<P>;
  }
  const { scale, shift } = inferenceAffine(params, buffers, name);
  const pooled = affineReluPool(x, scale, shift, pooling);
  tf.dispose([scale, shift]);
  return pooled as PooledTensor<P>;
}

/** Running statistics as a per-channel affine map: y = x·scale + shift (each model's own). */
function inferenceAffine(params: Map<string, tf.Variable>, buffers: Map<string, tf.Variable>, name: string) {
  return tf.tidy(() => {
    const scale = named(params, `${name}/weight`).mul(tf.rsqrt(named(buffers, `${name}/running_var`).add(BN_EPS)));
    const shift = named(params, `${name}/bias`).sub(named(buffers, `${name}/running_mean`).mul(scale));
    return { scale, shift };
  });
}

/** PyTorch's running-estimate update from a batch's statistics over `count` positions, pushed for after the step. */
function pushRunningStats(
  buffers: Map<string, tf.Variable>, name: string, stats: { mean: tf.Tensor; variance: tf.Tensor } | null, count: number, options: ForwardOptions,
): void {
  if (!options.bufferUpdates || !stats) return;
  const runningMean = named(buffers, `${name}/running_mean`);
  const runningVar = named(buffers, `${name}/running_var`);
  const unbiased = stats.variance.mul(count / Math.max(count - 1, 1));
  options.bufferUpdates.push(
    { name: `${name}/running_mean`, value: tf.keep(runningMean.mul(1 - BN_MOMENTUM).add(stats.mean.mul(BN_MOMENTUM))) },
    { name: `${name}/running_var`, value: tf.keep(runningVar.mul(1 - BN_MOMENTUM).add(unbiased.mul(BN_MOMENTUM))) },
  );
}
