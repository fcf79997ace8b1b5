/**
 * The memory-bound kernels of the 'native' backend: broadcasting arithmetic, ReLU and its mask,
 * sums and means over adjacent axes, the 2×2 max pool and the max-pool gradient, multi-threaded
 * by the addon (native/src/pointwise.h). On wasm these run on one thread, and its reductions over leading
 * axes (batch-norm statistics, bias gradients) transpose first. A contiguous slice is one copy,
 * a gather of rows one copy per row;
 * identity, and a cast to the same dtype, share their input's memory as on the cpu backend.
 * Other dtypes and axis patterns fall back to the wasm kernels.
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './native-addon';
import { allFloat, geometry, heap, input, type KernelArgs, type NativeKernel, wasmBackend } from './native-kernels';

/** Op codes of native/src/pointwise.h. */
const BINARY = { [tf.Add]: 0, [tf.Sub]: 1, [tf.Multiply]: 2, [tf.RealDiv]: 3, [tf.SquaredDifference]: 4 } as const;
const UNARY = { [tf.Relu]: 0, [tf.Step]: 1, [tf.Square]: 2 } as const;
const REDUCE = { [tf.Sum]: 0, [tf.Mean]: 1 } as const;

interface BroadcastLayout {
  shape: Int32Array;
  aStrides: Int32Array;
  bStrides: Int32Array;
}

/**
 * The output shape of a ⊕ b with each operand's strides over it (0 on broadcast dims), size-1
 * dims dropped and neighbours merged where both operands walk them contiguously: [N, H, W, C]
 * times [C] becomes [N·H·W, C] with b strides [0, 1].
 */
function broadcastLayout(aShape: number[], bShape: number[]): BroadcastLayout {
  const outShape = tf.broadcast_util.assertAndGetBroadcastShape(aShape, bShape);
  const stridesOver = (own: number[]) => {
    const pad = outShape.length - own.length;
    const strides = [...tf.util.computeStrides(own), 1]; // computeStrides leaves out the last dim's 1
    return outShape.map((_, d) => (d < pad || own[d - pad] === 1 ? 0 : strides[d - pad]));
  };
  const [aAll, bAll] = [stridesOver(aShape), stridesOver(bShape)];
  const shape: number[] = [];
  const aStrides: number[] = [];
  const bStrides: number[] = [];
  outShape.forEach((size, d) => {
    if (size === 1) return;
    const last = shape.length - 1;
    if (last >= 0 && aStrides[last] === aAll[d] * size && bStrides[last] === bAll[d] * size) {
      shape[last] *= size;
      aStrides[last] = aAll[d];
      bStrides[last] = bAll[d];
    } else {
      shape.push(size);
      aStrides.push(aAll[d]);
      bStrides.push(bAll[d]);
    }
  });
  if (shape.length === 0) return { shape: Int32Array.of(1), aStrides: Int32Array.of(0), bStrides: Int32Array.of(0) };
  return { shape: Int32Array.from(shape), aStrides: Int32Array.from(aStrides), bStrides: Int32Array.from(bStrides) };
}

/** [outer, size, inner] of a reduction over `axes`, or undefined when they are not adjacent. */
function reduceDims(shape: number[], axes: number[]): Int32Array | undefined {
  if (axes.length === 0) return undefined;
  const [first, last] = [Math.min(...axes), Math.max(...axes)];
  for (let d = first; d <= last; d++) if (!axes.includes(d) && shape[d] !== 1) return undefined;
  const product = (dims: number[]) => dims.reduce((p, s) => p * s, 1);
  const size = product(shape.slice(first, last + 1));
  return size === 0 ? undefined : Int32Array.of(product(shape.slice(0, first)), size, product(shape.slice(last + 1)));
}

/** A 2×2 pool with stride 2 whose windows tile an even-sized input: the one the addon's maxPool2x2 computes. */
function tiles2x2(info: tf.backend_util.Conv2DInfo): boolean {
  return info.filterHeight === 2 && info.filterWidth === 2 && info.strideHeight === 2 && info.strideWidth === 2
    && info.dilationHeight === 1 && info.dilationWidth === 1 && info.padInfo.top === 0 && info.padInfo.left === 0
    && info.inHeight === 2 * info.outHeight && info.inWidth === 2 * info.outWidth;
}

/** The kernels by name, for an addon. */
export function pointwiseKernels(addon: NativeAddon): Map<string, NativeKernel> {
  const kernels = new Map<string, NativeKernel>();

  for (const [name, op] of Object.entries(BINARY)) {
    kernels.set(name, (args, fallback) => {
      const [a, b] = [input(args, 'a'), input(args, 'b')];
      if (!allFloat(a, b)) return fallback(args);
      const backend = wasmBackend(args);
      const layout = broadcastLayout(a.shape, b.shape);
      const out = backend.makeOutput(tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape), 'float32');
      if (tf.util.sizeFromShape(out.shape) === 0) return out;
      addon.binary(op, heap(backend, a), heap(backend, b), heap(backend, out), layout.shape, layout.aStrides, layout.bStrides);
      return out;
    });
  }

  for (const [name, op] of Object.entries(UNARY)) {
    kernels.set(name, (args, fallback) => {
      const x = input(args, 'x');
      if (!allFloat(x)) return fallback(args);
      const backend = wasmBackend(args);
      const out = backend.makeOutput(x.shape, 'float32');
      addon.unary(op, heap(backend, x), heap(backend, out), (args.attrs as { alpha?: number } | undefined)?.alpha ?? 0);
      return out;
    });
  }

  for (const [name, op] of Object.entries(REDUCE)) {
    kernels.set(name, (args, fallback) => {
      const x = input(args, 'x');
      const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
      const axes = tf.util.parseAxisParam(axis, x.shape);
      const dims = allFloat(x) ? reduceDims(x.shape, axes) : undefined;
      if (!dims) return fallback(args);
      const [outShape] = tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
      const backend = wasmBackend(args);
      const out = backend.makeOutput(keepDims ? tf.backend_util.expandShapeToKeepDim(outShape, axes) : outShape, 'float32');
      if (tf.util.sizeFromShape(out.shape) > 0) addon.reduce(op, heap(backend, x), heap(backend, out), dims);
      return out;
    });
  }

  kernels.set(tf.MaxPool, (args, fallback) => {
    const x = input(args, 'x');
    const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as tf.MaxPoolAttrs;
    const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
    if (!allFloat(x) || !tiles2x2(info) || tf.util.sizeFromShape(info.outShape) === 0) return fallback(args);
    const backend = wasmBackend(args);
    const y = backend.makeOutput(info.outShape, 'float32');
    addon.maxPool2x2(heap(backend, x), heap(backend, y), geometry(info));
    return y;
  });

  kernels.set(tf.MaxPoolGrad, (args, fallback) => {
    const [dy, x] = [input(args, 'dy'), input(args, 'input')];
    if (!allFloat(dy, x)) return fallback(args);
    const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as tf.MaxPoolGradAttrs;
    const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
    const backend = wasmBackend(args);
    const dx = backend.makeOutput(x.shape, 'float32');
    if (tf.util.sizeFromShape(x.shape) > 0) addon.maxPoolGrad(heap(backend, dy), heap(backend, x), heap(backend, dx), geometry(info));
    return dx;
  });

  kernels.set(tf.Slice, (args, fallback) => {
    const x = input(args, 'x');
    const { begin, size } = args.attrs as unknown as tf.SliceAttrs;
    const [start, extent] = tf.slice_util.parseSliceParams(x, begin, size);
    // One contiguous block (leading-axis slices: batches of cached features): one copy, where
    // wasm's kernel walks the elements (70 ms for 1,000 of 10,000 feature maps).
    if (!allFloat(x) || !tf.slice_util.isSliceContinous(x.shape, start, extent)) return fallback(args);
    const backend = wasmBackend(args);
    const out = backend.makeOutput(extent, 'float32');
    const offset = tf.slice_util.computeFlatOffset(start, tf.util.computeStrides(x.shape));
    const view = heap(backend, out);
    view.set(heap(backend, x).subarray(offset, offset + view.length));
    return out;
  });

  kernels.set(tf.GatherV2, (args, fallback) => {
    const [x, indices] = [input(args, 'x'), input(args, 'indices')];
    const { axis, batchDims } = args.attrs as unknown as tf.GatherV2Attrs;
    // Rows of a float32 tensor (a training batch from a dataset): one copy per row.
    if (!allFloat(x) || indices.dtype !== 'int32' || batchDims || tf.util.parseAxisParam(axis, x.shape)[0] !== 0) return fallback(args);
    const backend = wasmBackend(args);
    const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], 'float32');
    const rowSize = tf.util.sizeFromShape(x.shape.slice(1));
    const [source, target] = [heap(backend, x), heap(backend, out)];
    const indexBytes = heap(backend, indices); // int32 data: read through an Int32Array over the same bytes
    const rows = new Int32Array(indexBytes.buffer, indexBytes.byteOffset, indexBytes.length);
    rows.forEach((row, i) => {
      if (row < 0 || row >= x.shape[0]) throw new Error(`GatherV2: the index value ${row} is not in [0, ${x.shape[0] - 1}]`);
      target.set(source.subarray(row * rowSize, (row + 1) * rowSize), i * rowSize);
    });
    return out;
  });

  const share = (x: tf.TensorInfo, args: KernelArgs) => {
    wasmBackend(args).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  kernels.set(tf.Identity, (args, fallback) => {
    const x = input(args, 'x');
    return x.dtype === 'string' ? fallback(args) : share(x, args);
  });
  kernels.set(tf.Cast, (args, fallback) => { // a cast to its own dtype (ReLU's gradient mask) is an identity
    const x = input(args, 'x');
    return x.dtype !== 'string' && x.dtype === (args.attrs as unknown as tf.CastAttrs).dtype ? share(x, args) : fallback(args);
  });
  return kernels;
}
