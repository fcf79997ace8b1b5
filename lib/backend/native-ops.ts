/**
 * The 'native' backend's kernels for paramdiff's own ops, which tfjs does not have (so there is
 * no wasm kernel to replace): the evaluation head of many models (lib/nn/affine-relu-mean.ts),
 * standardisation (lib/nn/standardize.ts), training batch norm (lib/nn/batch-norm.ts; of one
 * model, or of M models' stacked rows with one addon call each) and batch norm + ReLU + pooling
 * (lib/nn/batch-norm-pool.ts) with their gradients, and the Adam, EMA and SGD updates
 * (lib/optim/adam-update.ts, ema-update.ts, sgd-update.ts). Other backends run those ops as tfjs ops.
 */
import * as tf from '@tensorflow/tfjs';
import { AFFINE_RELU_MEAN } from '../nn/affine-relu-mean';
import { ADAM_UPDATE, type AdamUpdateAttrs } from '../optim/adam-update';
import { EMA_UPDATE, type EmaUpdateAttrs } from '../optim/ema-update';
import { SGD_UPDATE, type SgdUpdateAttrs } from '../optim/sgd-update';
import { BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD, type BatchNormTrainingAttrs } from '../nn/batch-norm';
import {
  AFFINE_RELU_MEAN_GRAD, AFFINE_RELU_POOL, BATCH_NORM_RELU_MEAN, BATCH_NORM_RELU_MEAN_GRAD, BATCH_NORM_RELU_POOL,
  BATCH_NORM_RELU_POOL_GRAD, type AffineReluPoolAttrs, type BatchNormReluPoolAttrs, type Pooling,
} from '../nn/batch-norm-pool';
import { STANDARDIZE, STANDARDIZE_GRAD, type StandardizeAttrs } from '../nn/standardize';
import type { NativeAddon } from './native-addon';
import { allFloat, heap, input, type KernelArgs, wasmBackend } from './native-kernels';

export function floatInputs(args: KernelArgs, kernelName: string, ...names: string[]): tf.TensorInfo[] {
  const infos = names.map((name) => input(args, name));
  if (!allFloat(...infos)) throw new Error(`${kernelName}: float32 inputs only`);
  return infos;
}

/** Model m's part of a view that holds M equal parts (M models' tensors stacked). */
export function modelSlice(view: Float32Array, models: number, m: number): Float32Array {
  const size = view.length / models;
  return view.subarray(m * size, (m + 1) * size);
}

/** x [S, C] is one model's rows; x [M, S, C] M models' (gamma [M, C]): the models and one model's [S, C]. */
const normModels = (x: tf.TensorInfo) => ({ models: x.shape.length === 3 ? x.shape[0] : 1, dims: Int32Array.from(x.shape.slice(-2)) });

/** x [O, S, I] → Int32Array [O, S, I]. */
const middleDims = (x: tf.TensorInfo) => Int32Array.from(x.shape);

/** x [M·B, H, W, C] with per-channel [C] or [M, C]: the models and one model's [B, H, W, C]. */
function poolModels(x: tf.TensorInfo, perChannel: tf.TensorInfo) {
  const models = perChannel.shape.length === 2 ? perChannel.shape[0] : 1;
  const [n, h, w, c] = x.shape;
  return { models, dims: Int32Array.of(n / models, h, w, c) };
}

/** What each pooling gives x [N, H, W, C], and its code in the addon. */
const POOLINGS: Record<Pooling, { code: number; shapeOf: (x: tf.TensorInfo) => number[] }> = {
  max2x2: { code: 0, shapeOf: (x) => [x.shape[0], x.shape[1] / 2, x.shape[2] / 2, x.shape[3]] },
  mean: { code: 1, shapeOf: (x) => [x.shape[0], x.shape[3]] },
};

/**
 * Batch norm + ReLU + pooling in training (lib/nn/batch-norm-pool.ts), both poolings: the addon's
 * call per model on one model's [B, H, W, C] slice and its pooled [B, H/2, W/2, C] or [B, C].
 */
function pooledNormKernels(addon: NativeAddon, backendName: string): tf.KernelConfig[] {
  // The addon's pooling codes.
  const poolings = [
    { forward: BATCH_NORM_RELU_POOL, gradient: BATCH_NORM_RELU_POOL_GRAD, ...POOLINGS.max2x2 },
    { forward: BATCH_NORM_RELU_MEAN, gradient: BATCH_NORM_RELU_MEAN_GRAD, ...POOLINGS.mean },
  ];
  return poolings.flatMap(({ forward, gradient, code, shapeOf }) => [
    {
      kernelName: forward,
      backendName,
      kernelFunc: (args: KernelArgs) => {
        const [x, gamma, beta] = floatInputs(args, forward, 'x', 'gamma', 'beta');
        const { eps } = args.attrs as unknown as BatchNormReluPoolAttrs;
        const backend = wasmBackend(args);
        const { models, dims } = poolModels(x, gamma);
        const outs = [backend.makeOutput(shapeOf(x), 'float32'), ...[0, 1, 2].map(() => backend.makeOutput(gamma.shape, 'float32'))]; // pooled, mean, variance, rstd
        const views = [x, gamma, beta, ...outs].map((t) => heap(backend, t));
        for (let m = 0; m < models; m++) {
          const [xs, gs, bs, ps, means, vars, rstds] = views.map((view) => modelSlice(view, models, m));
          addon.batchNormReluPool(xs, gs, bs, ps, means, vars, rstds, dims, eps, code);
        }
        return outs;
      },
    },
    {
      kernelName: gradient,
      backendName,
      kernelFunc: (args: KernelArgs) => {
        const inputs = floatInputs(args, gradient, 'dy', 'x', 'gamma', 'beta', 'mean', 'rstd');
        const [, x, gamma] = inputs;
        const backend = wasmBackend(args);
        const { models, dims } = poolModels(x, gamma);
        const outs = [backend.makeOutput(x.shape, 'float32'), backend.makeOutput(gamma.shape, 'float32'), backend.makeOutput(gamma.shape, 'float32')];
        const views = [...inputs, ...outs].map((t) => heap(backend, t));
        for (let m = 0; m < models; m++) {
          const [dys, xs, gs, bs, means, rstds, dxs, dgs, dbs] = views.map((view) => modelSlice(view, models, m));
          addon.batchNormReluPoolGrad(dys, xs, gs, bs, means, rstds, dxs, dgs, dbs, dims, code);
        }
        return outs;
      },
    },
  ]);
}

/** Kernel configs for a backend built on tfjs-backend-wasm. Each makes its outputs before taking heap views. */
export function nativeOpKernels(addon: NativeAddon, backendName: string): tf.KernelConfig[] {
  return [
    {
      kernelName: AFFINE_RELU_MEAN,
      backendName,
      kernelFunc: (args) => {
        const [x, scale, shift] = floatInputs(args, AFFINE_RELU_MEAN, 'x', 'scale', 'shift');
        const backend = wasmBackend(args);
        const [n, h, w, c] = x.shape;
        const m = scale.shape[0];
        const out = backend.makeOutput([m, n, c], 'float32');
        addon.affineReluMean(heap(backend, x), heap(backend, scale), heap(backend, shift), heap(backend, out),
          Int32Array.of(m, n, h * w, c));
        return out;
      },
    },
    {
      kernelName: STANDARDIZE,
      backendName,
      kernelFunc: (args) => {
        const [x] = floatInputs(args, STANDARDIZE, 'x');
        const shift = args.inputs.shift; // [O, S, 1] or absent
        const backend = wasmBackend(args);
        const [o, , i] = x.shape;
        const xhat = backend.makeOutput(x.shape, 'float32');
        const rstd = backend.makeOutput([o, i], 'float32');
        const { eps, slope } = args.attrs as unknown as StandardizeAttrs;
        addon.standardize(heap(backend, x), shift ? heap(backend, shift) : null, heap(backend, xhat), heap(backend, rstd),
          middleDims(x), eps, slope);
        return [xhat, rstd];
      },
    },
    {
      kernelName: STANDARDIZE_GRAD,
      backendName,
      kernelFunc: (args) => {
        const [dy, xhat, rstd] = floatInputs(args, STANDARDIZE_GRAD, 'dy', 'xhat', 'rstd');
        const { x, shift } = args.inputs; // x after a LeakyReLU (its mask), shift when one was added
        const { slope } = args.attrs as unknown as Pick<StandardizeAttrs, 'slope'>;
        const backend = wasmBackend(args);
        const outs = [backend.makeOutput(dy.shape, 'float32'), ...(shift ? [backend.makeOutput(shift.shape, 'float32')] : [])];
        const view = (t: tf.TensorInfo | undefined) => (t ? heap(backend, t) : null);
        addon.standardizeGrad(heap(backend, dy), view(x), view(shift), heap(backend, xhat), heap(backend, rstd),
          heap(backend, outs[0]), view(outs[1]), middleDims(dy), slope);
        return outs;
      },
    },
    {
      kernelName: BATCH_NORM_TRAINING,
      backendName,
      kernelFunc: (args) => {
        const [x, gamma, beta] = floatInputs(args, BATCH_NORM_TRAINING, 'x', 'gamma', 'beta');
        const { eps, relu } = args.attrs as unknown as BatchNormTrainingAttrs;
        const backend = wasmBackend(args);
        const { models, dims } = normModels(x);
        const outs = [backend.makeOutput(x.shape, 'float32'), ...[0, 1, 2].map(() => backend.makeOutput(gamma.shape, 'float32'))]; // y, mean, variance, rstd
        const [xs, gs, bs, ys, means, vars, rstds] = [x, gamma, beta, ...outs].map((t) => heap(backend, t));
        for (let m = 0; m < models; m++) {
          const at = (view: Float32Array) => modelSlice(view, models, m);
          addon.batchNorm(at(xs), at(gs), at(bs), at(ys), at(means), at(vars), at(rstds), dims, eps, relu);
        }
        return outs;
      },
    },
    {
      kernelName: BATCH_NORM_TRAINING_GRAD,
      backendName,
      kernelFunc: (args) => {
        const [dy, x, gamma, mean, rstd] = floatInputs(args, BATCH_NORM_TRAINING_GRAD, 'dy', 'x', 'gamma', 'mean', 'rstd');
        const y = args.inputs.y; // present under ReLU: its mask
        const backend = wasmBackend(args);
        const { models, dims } = normModels(x);
        const outs = [backend.makeOutput(x.shape, 'float32'), backend.makeOutput(gamma.shape, 'float32'), backend.makeOutput(gamma.shape, 'float32')];
        const [dys, xs, gs, means, rstds, dxs, dgs, dbs] = [dy, x, gamma, mean, rstd, ...outs].map((t) => heap(backend, t));
        const ys = y ? heap(backend, y) : null;
        for (let m = 0; m < models; m++) {
          const at = (view: Float32Array) => modelSlice(view, models, m);
          addon.batchNormGrad(at(dys), at(xs), ys && at(ys), at(gs), at(means), at(rstds), at(dxs), at(dgs), at(dbs), dims);
        }
        return outs;
      },
    },
    ...pooledNormKernels(addon, backendName),
    {
      kernelName: AFFINE_RELU_POOL,
      backendName,
      kernelFunc: (args) => {
        const [x, scale, shift] = floatInputs(args, AFFINE_RELU_POOL, 'x', 'scale', 'shift');
        const { code, shapeOf } = POOLINGS[(args.attrs as unknown as AffineReluPoolAttrs).pooling];
        const backend = wasmBackend(args);
        const { models, dims } = poolModels(x, scale);
        const pooled = backend.makeOutput(shapeOf(x), 'float32');
        const views = [x, scale, shift, pooled].map((t) => heap(backend, t));
        for (let m = 0; m < models; m++) {
          const [xs, ss, bs, ps] = views.map((view) => modelSlice(view, models, m));
          addon.affineReluPool(xs, ss, bs, ps, dims, code);
        }
        return pooled;
      },
    },
    {
      kernelName: AFFINE_RELU_MEAN_GRAD,
      backendName,
      kernelFunc: (args) => {
        const inputs = floatInputs(args, AFFINE_RELU_MEAN_GRAD, 'dy', 'x', 'scale', 'shift');
        const [, x, scale] = inputs;
        const backend = wasmBackend(args);
        const outs = [backend.makeOutput(scale.shape, 'float32'), backend.makeOutput(scale.shape, 'float32')]; // dscale, dshift
        const [dys, xs, ss, bs, dss, dbs] = [...inputs, ...outs].map((t) => heap(backend, t));
        addon.affineReluMeanGrad(dys, xs, ss, bs, dss, dbs, poolModels(x, scale).dims);
        return outs;
      },
    },
    {
      kernelName: ADAM_UPDATE,
      backendName,
      kernelFunc: (args) => {
        const [p, g, m, v] = floatInputs(args, ADAM_UPDATE, 'p', 'g', 'm', 'v');
        const a = args.attrs as unknown as AdamUpdateAttrs;
        const backend = wasmBackend(args);
        const outs = [p, m, v].map((t) => backend.makeOutput(t.shape, 'float32'));
        // The scalars as the tfjs ops would round them: computed in double, stored as float32.
        const scalars = Float32Array.of(1 - a.lr * a.weightDecay, a.weightDecay, a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2,
          1 - a.beta1 ** a.step, 1 - a.beta2 ** a.step, a.eps, a.lr);
        addon.adamUpdate(heap(backend, p), heap(backend, g), heap(backend, m), heap(backend, v),
          ...outs.map((t) => heap(backend, t)) as [Float32Array, Float32Array, Float32Array], scalars, a.decoupled);
        return outs;
      },
    },
    {
      kernelName: EMA_UPDATE,
      backendName,
      kernelFunc: (args) => {
        const [avg, p] = floatInputs(args, EMA_UPDATE, 'avg', 'p');
        const { decay } = args.attrs as unknown as EmaUpdateAttrs;
        const backend = wasmBackend(args);
        const out = backend.makeOutput(avg.shape, 'float32');
        // 1 − decay in double, then float32 in the addon: as the tfjs ops round their scalar.
        addon.emaUpdate(heap(backend, avg), heap(backend, p), heap(backend, out), decay, 1 - decay);
        return out;
      },
    },
    {
      kernelName: SGD_UPDATE,
      backendName,
      kernelFunc: (args) => {
        const [p, g, buf] = floatInputs(args, SGD_UPDATE, 'p', 'g', 'buf');
        const a = args.attrs as unknown as SgdUpdateAttrs;
        const backend = wasmBackend(args);
        const outs = [p, buf].map((t) => backend.makeOutput(t.shape, 'float32'));
        addon.sgdUpdate(heap(backend, p), heap(backend, g), heap(backend, buf), heap(backend, outs[0]), heap(backend, outs[1]),
          Float32Array.of(a.weightDecay, a.momentum, a.lr));
        return outs;
      },
    },
  ];
}
