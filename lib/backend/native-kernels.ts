/**
 * The heavy kernels of the 'native' backend: products and NHWC convolutions computed by the
 * OpenBLAS addon straight on the wasm heap of the backend (a tfjs-backend-wasm instance).
 * Each kernel makes its output first and only then takes heap views, because an allocation can
 * grow wasm memory and detach older views. What a kernel does not cover (other dtypes, NCHW,
 * other fused activations or bias shapes) goes to the wasm kernel it replaces: `fallback`.
 */
import * as tf from '@tensorflow/tfjs';
import type { ConvGeometry, NativeAddon } from './native-addon';

/** The parts of tfjs-backend-wasm's BackendWasm that the kernels use. */
export interface WasmHeapBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  incRef(dataId: object): void;
}

export type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The backend a kernel runs on: the native backend's tfjs-backend-wasm instance. */
export const wasmBackend = (args: KernelArgs) => args.backend as WasmHeapBackend;
/** A native kernel; `fallback` runs the wasm kernel it replaces on the same arguments. */
export type NativeKernel = (args: KernelArgs, fallback: tf.KernelFunc) => tf.TensorInfo | tf.TensorInfo[];

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Pair = number | [number, number];

/** A float32 view of a tensor's data on the wasm heap (valid until the next allocation). */
export function heap(backend: WasmHeapBackend, info: tf.TensorInfo): Float32Array {
  const data = backend.dataIdMap.get(info.dataId);
  if (!data) throw new Error('native kernel: an input is not on this backend');
  return new Float32Array(backend.wasm.HEAPU8.buffer, data.memoryOffset, tf.util.sizeFromShape(info.shape));
}

export function geometry(info: tf.backend_util.Conv2DInfo): ConvGeometry {
  return Int32Array.from([info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.filterHeight,
    info.filterWidth, info.outChannels, info.outHeight, info.outWidth, info.strideHeight, info.strideWidth,
    info.dilationHeight, info.dilationWidth, info.padInfo.top, info.padInfo.left]);
}

export function input(args: KernelArgs, name: string): tf.TensorInfo {
  const info = args.inputs[name];
  if (!info) throw new Error(`native kernel: missing input ${name}`);
  return info;
}

export const allFloat = (...infos: (tf.TensorInfo | undefined)[]) => infos.every((t) => !t || t.dtype === 'float32');

/**
 * The batch broadcast of two batch shapes: for each output batch, the batch of a and of b it
 * reads (right-aligned, size-1 axes repeated), as tfjs's matMul gradient assumes.
 */
function broadcastIndices(outer: number[], outerA: number[], outerB: number[]): [Int32Array, Int32Array] {
  const total = tf.util.sizeFromShape(outer);
  const index = (dims: number[]) => {
    const pad = outer.length - dims.length;
    const strides = tf.util.computeStrides(dims);
    return Int32Array.from({ length: total }, (_, flat) => {
      let at = 0;
      let rest = flat;
      for (let axis = outer.length - 1; axis >= 0; axis--) {
        const coord = rest % outer[axis];
        rest = Math.floor(rest / outer[axis]);
        const own = axis - pad;
        if (own >= 0 && dims[own] !== 1) at += coord * (own === dims.length - 1 ? 1 : strides[own]);
      }
      return at;
    });
  };
  return [index(outerA), index(outerB)];
}

/** a [..., M, K] · b [..., K, N] (with transpose flags) into a new float32 output. */
function matMul(backend: WasmHeapBackend, addon: NativeAddon, a: tf.TensorInfo, b: tf.TensorInfo,
  transposeA: boolean, transposeB: boolean): tf.TensorInfo {
  const [ra, rb] = [a.shape.length, b.shape.length];
  const [m, k] = transposeA ? [a.shape[ra - 1], a.shape[ra - 2]] : [a.shape[ra - 2], a.shape[ra - 1]];
  const [kb, n] = transposeB ? [b.shape[rb - 1], b.shape[rb - 2]] : [b.shape[rb - 2], b.shape[rb - 1]];
  if (k !== kb) {
    throw new Error(`Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ${a.shape} and `
      + `${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`);
  }
  const [outerA, outerB] = [a.shape.slice(0, -2), b.shape.slice(0, -2)];
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  const [aIndex, bIndex] = broadcastIndices(outer, outerA, outerB);
  const out = backend.makeOutput([...outer, m, n], 'float32');
  const dims = Int32Array.from([tf.util.sizeFromShape(outerA), tf.util.sizeFromShape(outerB), m, k, n]);
  addon.batchMatMul(heap(backend, a), heap(backend, b), heap(backend, out), aIndex, bIndex, dims, transposeA, transposeB);
  return out;
}

interface ConvAttrs {
  strides: Pair;
  pad: Pad;
  dataFormat: 'NHWC' | 'NCHW';
  dilations?: Pair;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export function convInfo(xShape: number[], filterShape: number[], attrs: ConvAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number],
    filterShape as [number, number, number, number], attrs.strides, attrs.dilations ?? 1, attrs.pad,
    attrs.dimRoundingMode, false, 'channelsLast');
}

function conv2d(backend: WasmHeapBackend, addon: NativeAddon, x: tf.TensorInfo, filter: tf.TensorInfo,
  attrs: ConvAttrs): tf.TensorInfo {
  const info = convInfo(x.shape, filter.shape, attrs);
  const out = backend.makeOutput(info.outShape, 'float32');
  addon.conv2d(heap(backend, x), heap(backend, filter), heap(backend, out), geometry(info));
  return out;
}

const ACTIVATIONS: Record<string, 0 | 1> = { linear: 0, relu: 1 };

interface FusedAttrs {
  activation: string;
}

/**
 * Adds the bias and applies the activation in place, when the bias is one value or a vector
 * along the last axis (size `n`); false when the fused op needs the wasm kernel instead.
 */
function fusable(attrs: FusedAttrs, bias: tf.TensorInfo | undefined, prelu: tf.TensorInfo | undefined, n: number): boolean {
  if (prelu || !(attrs.activation in ACTIVATIONS)) return false;
  return !bias || tf.util.sizeFromShape(bias.shape) === 1 || (bias.shape[bias.shape.length - 1] === n
    && tf.util.sizeFromShape(bias.shape) === n);
}

function addBiasActivation(backend: WasmHeapBackend, addon: NativeAddon, out: tf.TensorInfo,
  bias: tf.TensorInfo | undefined, attrs: FusedAttrs): tf.TensorInfo {
  addon.biasActivation(heap(backend, out), bias ? heap(backend, bias) : null, ACTIVATIONS[attrs.activation]);
  return out;
}

/** The kernels by name, for an addon. */
export function nativeKernels(addon: NativeAddon): Map<string, NativeKernel> {
  const attrsOf = <T>(args: KernelArgs) => args.attrs as unknown as T;
  return new Map<string, NativeKernel>([
    [tf.BatchMatMul, (args, fallback) => {
      const [a, b] = [input(args, 'a'), input(args, 'b')];
      const { transposeA, transposeB } = attrsOf<{ transposeA: boolean; transposeB: boolean }>(args);
      return allFloat(a, b) ? matMul(wasmBackend(args), addon, a, b, transposeA, transposeB) : fallback(args);
    }],
    [tf._FusedMatMul, (args, fallback) => {
      const [a, b] = [input(args, 'a'), input(args, 'b')];
      const { bias, preluActivationWeights } = args.inputs;
      const attrs = attrsOf<FusedAttrs & { transposeA: boolean; transposeB: boolean }>(args);
      const n = attrs.transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
      if (!allFloat(a, b, bias) || !fusable(attrs, bias, preluActivationWeights, n)) return fallback(args);
      return addBiasActivation(wasmBackend(args), addon, matMul(wasmBackend(args), addon, a, b, attrs.transposeA, attrs.transposeB), bias, attrs);
    }],
    [tf.Conv2D, (args, fallback) => {
      const [x, filter] = [input(args, 'x'), input(args, 'filter')];
      const attrs = attrsOf<ConvAttrs>(args);
      return attrs.dataFormat === 'NHWC' && allFloat(x, filter) ? conv2d(wasmBackend(args), addon, x, filter, attrs) : fallback(args);
    }],
    [tf.FusedConv2D, (args, fallback) => {
      const [x, filter] = [input(args, 'x'), input(args, 'filter')];
      const { bias, preluActivationWeights } = args.inputs;
      const attrs = attrsOf<ConvAttrs & FusedAttrs>(args);
      if (attrs.dataFormat !== 'NHWC' || !allFloat(x, filter, bias)
        || !fusable(attrs, bias, preluActivationWeights, filter.shape[3])) return fallback(args);
      return addBiasActivation(wasmBackend(args), addon, conv2d(wasmBackend(args), addon, x, filter, attrs), bias, attrs);
    }],
    [tf.Conv2DBackpropInput, (args, fallback) => {
      const [dy, filter] = [input(args, 'dy'), input(args, 'filter')];
      const attrs = attrsOf<ConvAttrs & { inputShape: number[] }>(args);
      if (attrs.dataFormat !== 'NHWC' || !allFloat(dy, filter)) return fallback(args);
      const backend = wasmBackend(args);
      const info = convInfo(attrs.inputShape, filter.shape, attrs);
      const dx = backend.makeOutput(attrs.inputShape, 'float32');
      addon.conv2dBackpropInput(heap(backend, dy), heap(backend, filter), heap(backend, dx), geometry(info));
      return dx;
    }],
    [tf.Conv2DBackpropFilter, (args, fallback) => {
      const [x, dy] = [input(args, 'x'), input(args, 'dy')];
      const attrs = attrsOf<ConvAttrs & { filterShape: number[] }>(args);
      if (attrs.dataFormat !== 'NHWC' || !allFloat(x, dy)) return fallback(args);
      const backend = wasmBackend(args);
      const info = convInfo(x.shape, attrs.filterShape, attrs);
      const dw = backend.makeOutput(attrs.filterShape, 'float32');
      addon.conv2dBackpropFilter(heap(backend, x), heap(backend, dy), heap(backend, dw), geometry(info));
      return dw;
    }],
  ]);
}
