/**
 * Training kernels that tfjs-backend-wasm 4.22 lacks (tfjs issues #8474, #8082), so that every
 * model here trains on wasm:
 * - Conv2DBackpropFilter: the filter gradient of conv2d (and of conv1d, which runs through it),
 *   computed as one conv2d with batch and channels swapped.
 * - Conv2DBackpropInput is replaced: the wasm one is a slow direct loop; one conv2d is faster.
 * - UnsortedSegmentSum: the gradient of gather (embeddings), summed row by row in JavaScript
 *   over the wasm heap, which is exact and linear in the input size.
 */
import * as tf from '@tensorflow/tfjs';

type Backend = tf.KernelBackend & { readSync(dataId: object): tf.backend_util.BackendValues };

/** The attributes both conv2d backprop kernels take (tfjs's Conv2DBackpropFilterAttrs / …InputAttrs). */
interface ConvBackpropAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

interface Conv2DBackpropFilterAttrs extends ConvBackpropAttrs {
  filterShape: [number, number, number, number];
}

function asTensor(info: tf.TensorInfo | undefined, what: string): tf.Tensor {
  // The engine hands kernels the Tensor objects of runKernel's inputs.
  if (!(info instanceof tf.Tensor)) throw new Error(`${what}: expected a Tensor input`);
  return info;
}

/**
 * dW[i, j, ci, co] = Σ_{n,y,x} xPadded[n, y·s + i, x·s + j, ci] · dy[n, y, x, co]
 * is itself a convolution with the roles of batch and channels swapped: the input is
 * xPadded with channels as batch ([Cin, H, W, N]), the filter is dy ([oH, oW, N, Cout]),
 * dilated by the forward stride. One wasm conv2d (XNNPACK) is ~8x faster than im2col + matMul.
 */
export function conv2DBackpropFilter(x4: tf.Tensor4D, dy4: tf.Tensor4D, attrs: Conv2DBackpropFilterAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const nchw = attrs.dataFormat === 'NCHW';
    const x = nchw ? x4.transpose([0, 2, 3, 1]) : x4; // [N, H, W, Cin]
    const dy = nchw ? dy4.transpose([0, 2, 3, 1]) : dy4; // [N, oH, oW, Cout]
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1,
      attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
    const [, outH, outW] = dy.shape as [number, number, number, number];
    const [sh, sw] = [info.strideHeight, info.strideWidth];
    const { top, left } = info.padInfo;
    // Exactly the rows and columns the forward pass read: (o − 1)·s + f of the padded input.
    const usedH = (outH - 1) * sh + info.filterHeight;
    const usedW = (outW - 1) * sw + info.filterWidth;
    const [, inH, inW] = x.shape as [number, number, number, number];
    const xPadded = tf.pad(x, [[0, 0], [top, Math.max(usedH - top - inH, 0)], [left, Math.max(usedW - left - inW, 0)], [0, 0]]);
    const xUsed = tf.slice(xPadded, [0, 0, 0, 0], [-1, usedH, usedW, -1]);
    const grad = tf.conv2d(
      xUsed.transpose([3, 1, 2, 0]) as tf.Tensor4D, // [Cin, usedH, usedW, N]
      dy.transpose([1, 2, 0, 3]) as tf.Tensor4D, // [oH, oW, N, Cout]
      1, 'valid', 'NHWC', [sh, sw]); // [Cin, fh, fw, Cout]
    return grad.transpose([1, 2, 0, 3]) as tf.Tensor4D; // [fh, fw, Cin, Cout]
  });
}

interface Conv2DBackpropInputAttrs extends ConvBackpropAttrs {
  inputShape: [number, number, number, number];
}

/** Spreads [N, H, W, C] to [N, (H−1)·s + 1, (W−1)·s + 1, C] with s − 1 zeros between entries. */
function dilateSpatial(x: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return x;
  const [n, h, w, c] = x.shape;
  const spread = tf.pad(x.reshape([n, h, 1, w, 1, c]), [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
  return tf.slice(spread.reshape([n, h * sh, w * sw, c]), [0, 0, 0, 0], [n, (h - 1) * sh + 1, (w - 1) * sw + 1, c]) as tf.Tensor4D;
}

/** Pads (positive) or crops (negative) the two spatial axes of [N, H, W, C]. */
function padOrCrop(x: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D {
  const padded = tf.pad(x, [[0, 0], [Math.max(top, 0), Math.max(bottom, 0)], [Math.max(left, 0), Math.max(right, 0)], [0, 0]]);
  const [n, h, w, c] = padded.shape;
  const [ct, cl] = [Math.max(-top, 0), Math.max(-left, 0)];
  return tf.slice(padded, [0, ct, cl, 0], [n, h - ct - Math.max(-bottom, 0), w - cl - Math.max(-right, 0), c]);
}

/**
 * dx = conv2d(dilate(dy, s) padded by f − 1 − pad, W rotated 180° with in/out swapped), valid:
 * the transposed convolution as one forward wasm conv2d (XNNPACK), ~5x faster than the
 * wasm backend's own Conv2DBackpropInput on the shapes here.
 */
export function conv2DBackpropInput(dy4: tf.Tensor4D, filter: tf.Tensor4D, attrs: Conv2DBackpropInputAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const nchw = attrs.dataFormat === 'NCHW';
    const inputShape = (nchw ? [0, 2, 3, 1].map((a) => attrs.inputShape[a]) : attrs.inputShape) as [number, number, number, number];
    const dy = nchw ? dy4.transpose([0, 2, 3, 1]) : dy4; // [N, oH, oW, Cout]
    const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape, attrs.strides, 1,
      attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
    const [fh, fw] = [info.filterHeight, info.filterWidth];
    const [, outH, outW] = dy.shape as [number, number, number, number];
    const [, inH, inW] = inputShape;
    const { top, left } = info.padInfo;
    const dilated = dilateSpatial(dy as tf.Tensor4D, info.strideHeight, info.strideWidth);
    const padTop = fh - 1 - top;
    const padLeft = fw - 1 - left;
    // Chosen so the valid convolution below returns exactly inH x inW.
    const padBottom = inH + fh - 1 - padTop - ((outH - 1) * info.strideHeight + 1);
    const padRight = inW + fw - 1 - padLeft - ((outW - 1) * info.strideWidth + 1);
    const rotated = tf.reverse(filter, [0, 1]).transpose([0, 1, 3, 2]) as tf.Tensor4D; // [fh, fw, Cout, Cin]
    const dx = tf.conv2d(padOrCrop(dilated, padTop, padBottom, padLeft, padRight), rotated, 1, 'valid');
    return nchw ? dx.transpose([0, 3, 1, 2]) : dx;
  });
}

/** out[s, ...] = Σ_{i : ids[i] = s} x[i, ...]; ids outside [0, numSegments) are dropped, as in TF. */
function unsortedSegmentSum(backend: Backend, x: tf.TensorInfo | undefined, ids: tf.TensorInfo | undefined,
  numSegments: number): tf.Tensor {
  if (!x || !ids) throw new Error(`${tf.UnsortedSegmentSum}: missing input`);
  const values = backend.readSync(x.dataId) as Float32Array | Int32Array;
  const segment = backend.readSync(ids.dataId) as Int32Array;
  const rowSize = x.shape.slice(ids.shape.length).reduce((a, b) => a * b, 1);
  const out = x.dtype === 'int32' ? new Int32Array(numSegments * rowSize) : new Float32Array(numSegments * rowSize);
  for (let i = 0; i < segment.length; i++) {
    const s = segment[i];
    if (s < 0 || s >= numSegments) continue;
    const src = i * rowSize;
    const dst = s * rowSize;
    for (let k = 0; k < rowSize; k++) out[dst + k] += values[src + k];
  }
  // The engine accepts a Tensor as a kernel's output (wasm has no makeTensorInfo with values).
  return tf.tensor(out, [numSegments, ...x.shape.slice(ids.shape.length)], x.dtype);
}

let registered = false;

/** Registers a wasm kernel; 'if-missing' keeps one a future tfjs may ship, 'replace' overrides it. */
function setWasmKernel(kernelName: string, kernelFunc: tf.KernelFunc, mode: 'if-missing' | 'replace'): void {
  const existing = tf.getKernel(kernelName, 'wasm') !== undefined;
  if (existing && mode === 'if-missing') return;
  if (existing) tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
}

/** Registers the missing kernels for the 'wasm' backend and the faster input gradient (idempotent). */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  setWasmKernel(tf.Conv2DBackpropInput, ({ inputs, attrs }) => conv2DBackpropInput(
    asTensor(inputs.dy, tf.Conv2DBackpropInput) as tf.Tensor4D,
    asTensor(inputs.filter, tf.Conv2DBackpropInput) as tf.Tensor4D,
    attrs as unknown as Conv2DBackpropInputAttrs), 'replace');
  setWasmKernel(tf.Conv2DBackpropFilter, ({ inputs, attrs }) => conv2DBackpropFilter(
    asTensor(inputs.x, tf.Conv2DBackpropFilter) as tf.Tensor4D,
    asTensor(inputs.dy, tf.Conv2DBackpropFilter) as tf.Tensor4D,
    attrs as unknown as Conv2DBackpropFilterAttrs), 'if-missing');
  setWasmKernel(tf.UnsortedSegmentSum, ({ inputs, attrs, backend }) => unsortedSegmentSum(
    backend as Backend, inputs.x, inputs.segmentIds, (attrs as unknown as { numSegments: number }).numSegments), 'if-missing');
}
