/**
 * The NHWC conv2d of M independent models in one op: x [M·B, H, W, Cin] holds model m's batch in
 * rows m·B … m·B + B − 1, filter [M, kh, kw, Cin, Cout] model m's filter, and y [M·B, H', W', Cout]
 * model m's output in the same rows. Training M models together this way pays each op's fixed
 * dispatch cost once for all of them. A backend with the `ModelConv2D` kernels (native:
 * lib/backend/native-ops.ts) runs each model's slice through its own conv code; elsewhere the op is
 * M tf.conv2d calls on slices, concatenated.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../util/errors';

/** Kernel names: forward {x, filter} → y; input gradient {dy, filter} → dx; filter gradient {x, dy} → dfilter. */
export const MODEL_CONV2D = 'ModelConv2D';
export const MODEL_CONV2D_BACKPROP_INPUT = 'ModelConv2DBackpropInput';
export const MODEL_CONV2D_BACKPROP_FILTER = 'ModelConv2DBackpropFilter';

export type ModelConvPad = 'same' | 'valid';

/** The forward kernel's attributes; the gradients add the shape they produce. */
export interface ModelConvAttrs {
  strides: number;
  pad: ModelConvPad;
}
export type ModelConvInputGradAttrs = ModelConvAttrs & { inputShape: number[] };
export type ModelConvFilterGradAttrs = ModelConvAttrs & { filterShape: number[] };

tf.registerGradient({
  kernelName: MODEL_CONV2D,
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved;
    const dyY = Array.isArray(dy) ? dy[0] : dy;
    const { strides, pad } = attrs as unknown as ModelConvAttrs;
    const inputAttrs: ModelConvInputGradAttrs = { strides, pad, inputShape: x.shape };
    const filterAttrs: ModelConvFilterGradAttrs = { strides, pad, filterShape: filter.shape };
    return {
      x: () => tf.engine().runKernel(MODEL_CONV2D_BACKPROP_INPUT, { dy: dyY, filter }, inputAttrs as unknown as tf.NamedAttrMap) as tf.Tensor,
      filter: () => tf.engine().runKernel(MODEL_CONV2D_BACKPROP_FILTER, { x, dy: dyY }, filterAttrs as unknown as tf.NamedAttrMap) as tf.Tensor,
    };
  },
});

function shapeProblem(x: tf.Tensor, filter: tf.Tensor): string | undefined {
  if (x.rank !== 4) return `x must be [M·B, H, W, Cin], got [${x.shape}]`;
  if (filter.rank !== 5) return `filter must be [M, kh, kw, Cin, Cout], got [${filter.shape}]`;
  const models = filter.shape[0];
  if (models < 1 || x.shape[0] % models !== 0) return `x's ${x.shape[0]} rows do not split into ${models} models' batches`;
  if (x.shape[3] !== filter.shape[3]) return `x has ${x.shape[3]} channels, the filter ${filter.shape[3]}`;
  return undefined;
}

/** Per-model slices through tf.conv2d (autodiff gives both gradients). */
function modelConvOps(x: tf.Tensor4D, filter: tf.Tensor, strides: number, pad: ModelConvPad): tf.Tensor4D {
  return tf.tidy(() => {
    const filters = tf.unstack(filter) as tf.Tensor4D[];
    const xs = tf.split(x, filters.length, 0) as tf.Tensor4D[];
    return tf.concat(xs.map((xm, m) => tf.conv2d(xm, filters[m], strides, pad)), 0);
  });
}

/** y = conv2d(x_m, filter_m) for each model m, stacked as x is. */
export function modelConv2d(x: tf.Tensor4D, filter: tf.Tensor, strides = 1, pad: ModelConvPad = 'same'): tf.Tensor4D {
  const problem = shapeProblem(x, filter);
  if (problem) throw new InputError(`modelConv2d: ${problem}`);
  if (![x, filter].every((t) => t.dtype === 'float32') || !tf.getKernel(MODEL_CONV2D, tf.getBackend())) {
    return modelConvOps(x, filter, strides, pad);
  }
  const attrs: ModelConvAttrs = { strides, pad };
  return tf.engine().runKernel(MODEL_CONV2D, { x, filter }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}
