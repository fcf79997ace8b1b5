/**
 * The 'native' backend's kernels for the conv2d of M models at once (lib/nn/model-conv.ts): one
 * tfjs op, then each model's slice through the addon's own conv code (direct or im2col + sgemm,
 * multi-threaded), so model m's result is the one its single-model conv gives, bit for bit.
 * The slices are subarray views of the wasm heap, taken after the output is made.
 */
import * as tf from '@tensorflow/tfjs';
import {
  MODEL_CONV2D, MODEL_CONV2D_BACKPROP_FILTER, MODEL_CONV2D_BACKPROP_INPUT,
  type ModelConvAttrs, type ModelConvFilterGradAttrs, type ModelConvInputGradAttrs,
} from '../nn/model-conv';
import type { ConvGeometry, NativeAddon } from './native-addon';
import { convInfo, geometry, heap, wasmBackend, type WasmHeapBackend } from './native-kernels';
import { floatInputs, modelSlice } from './native-ops';

/** One model's geometry: x [B, H, W, Cin], filter [kh, kw, Cin, Cout]. */
function modelGeometry(xShape: number[], filterShape: number[], attrs: ModelConvAttrs) {
  const models = filterShape[0];
  const [n, h, w, c] = xShape;
  const info = convInfo([n / models, h, w, c], filterShape.slice(1), { strides: attrs.strides, pad: attrs.pad, dataFormat: 'NHWC' });
  return { models, info, g: geometry(info) };
}

/** One of the addon's single-model conv calls: two inputs, the output, the geometry. */
type ConvCall = (a: Float32Array, b: Float32Array, out: Float32Array, g: ConvGeometry) => void;

/** `call` on each model's slice of `a`, `b` and `out` (heap views taken after `out` is made); returns `out`. */
function eachModel(backend: WasmHeapBackend, call: ConvCall, a: tf.TensorInfo, b: tf.TensorInfo, out: tf.TensorInfo, models: number, g: ConvGeometry): tf.TensorInfo {
  const [as, bs, outs] = [a, b, out].map((t) => heap(backend, t));
  for (let m = 0; m < models; m++) call(modelSlice(as, models, m), modelSlice(bs, models, m), modelSlice(outs, models, m), g);
  return out;
}

export function modelConvKernels(addon: NativeAddon, backendName: string): tf.KernelConfig[] {
  return [
    {
      kernelName: MODEL_CONV2D,
      backendName,
      kernelFunc: (args) => {
        const [x, filter] = floatInputs(args, MODEL_CONV2D, 'x', 'filter');
        const backend = wasmBackend(args);
        const { models, info, g } = modelGeometry(x.shape, filter.shape, args.attrs as unknown as ModelConvAttrs);
        const y = backend.makeOutput([x.shape[0], info.outHeight, info.outWidth, info.outChannels], 'float32');
        return eachModel(backend, addon.conv2d.bind(addon), x, filter, y, models, g);
      },
    },
    {
      kernelName: MODEL_CONV2D_BACKPROP_INPUT,
      backendName,
      kernelFunc: (args) => {
        const [dy, filter] = floatInputs(args, MODEL_CONV2D_BACKPROP_INPUT, 'dy', 'filter');
        const attrs = args.attrs as unknown as ModelConvInputGradAttrs;
        const backend = wasmBackend(args);
        const { models, g } = modelGeometry(attrs.inputShape, filter.shape, attrs);
        const dx = backend.makeOutput(attrs.inputShape, 'float32');
        return eachModel(backend, addon.conv2dBackpropInput.bind(addon), dy, filter, dx, models, g);
      },
    },
    {
      kernelName: MODEL_CONV2D_BACKPROP_FILTER,
      backendName,
      kernelFunc: (args) => {
        const [x, dy] = floatInputs(args, MODEL_CONV2D_BACKPROP_FILTER, 'x', 'dy');
        const attrs = args.attrs as unknown as ModelConvFilterGradAttrs;
        const backend = wasmBackend(args);
        const { models, g } = modelGeometry(x.shape, attrs.filterShape, attrs);
        const dfilter = backend.makeOutput(attrs.filterShape, 'float32');
        return eachModel(backend, addon.conv2dBackpropFilter.bind(addon), x, dy, dfilter, models, g);
      },
    },
  ];
}
