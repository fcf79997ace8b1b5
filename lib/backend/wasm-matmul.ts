/**
 * BatchMatMul for tfjs-backend-wasm 4.22 without transpose flags. Its kernel sends a product with
 * transposeA or transposeB (or a batch above 1) to a naive C++ loop instead of XNNPACK: 512×512
 * runs 15–35x slower flagged than plain here, and every matMul gradient passes such flags. The
 * override materialises the flagged transposes (wasm Transpose kernel) and hands plain operands
 * to the original kernel, so every unbatched product gets the XNNPACK path (batched ones still
 * run the loop, on contiguous operands).
 *
 * XNNPACK packs its right operand on every call with a new tensor (~15–45 ns per element here,
 * against ~1–6 for a transpose copy), so a flagged product of unbatched operands is computed as
 * (op(b)ᵀ·op(a)ᵀ)ᵀ instead when that packs the smaller operand at a lower total cost: a weight
 * gradient xᵀ·dy with dy wider than x packs x rather than dy.
 */
import * as tf from '@tensorflow/tfjs';

interface BatchMatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** XNNPACK packing of one element of the right operand, in units of one element copied by a transpose (measured 5–10). */
const PACK_COST = 6;

const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);
const batchSize = (x: tf.TensorInfo) => size(x.shape.slice(0, -2));

/**
 * Whether (op(b)ᵀ·op(a)ᵀ)ᵀ is cheaper than op(a)·op(b): element copies of the transposes each
 * way plus PACK_COST per packed right-operand element (op(b) directly, op(a)ᵀ swapped).
 */
export function swapIsCheaper(aShape: number[], bShape: number[], transposeA: boolean, transposeB: boolean): boolean {
  const [a, b] = [size(aShape), size(bShape)];
  const out = aShape[aShape.length - (transposeA ? 1 : 2)] * bShape[bShape.length - (transposeB ? 2 : 1)];
  const direct = (transposeA ? a : 0) + (transposeB ? b : 0) + PACK_COST * b;
  const swapped = (transposeA ? 0 : a) + (transposeB ? 0 : b) + out + PACK_COST * a;
  return swapped < direct;
}

/** The original kernel on plain operands: flagged transposes materialised, the product swapped when cheaper. */
function withExplicitTransposes(matMul: tf.KernelFunc, transpose: tf.KernelFunc, { inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { transposeA, transposeB } = attrs as unknown as BatchMatMulAttrs;
  if (!transposeA && !transposeB) return matMul({ inputs, backend, attrs }) as tf.TensorInfo;
  const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const swapLastAxes = (x: tf.TensorInfo) => { // [..., R, C] → [..., C, R]
    const rank = x.shape.length;
    const perm = x.shape.map((_, i) => (i < rank - 2 ? i : 2 * rank - 3 - i));
    return transpose({ inputs: { x }, backend, attrs: { perm } }) as tf.TensorInfo;
  };
  const temporaries: tf.TensorInfo[] = []; // freed after the product
  const temporary = (x: tf.TensorInfo) => { temporaries.push(x); return x; };
  const plainAttrs = { ...attrs, transposeA: false, transposeB: false };
  try {
    // XNNPACK (where packing matters) only runs unbatched products.
    if (batchSize(a) === 1 && batchSize(b) === 1 && swapIsCheaper(a.shape, b.shape, transposeA, transposeB)) {
      const left = transposeB ? b : temporary(swapLastAxes(b)); // op(b)ᵀ
      const right = transposeA ? a : temporary(swapLastAxes(a)); // op(a)ᵀ
      return swapLastAxes(temporary(matMul({ inputs: { a: left, b: right }, backend, attrs: plainAttrs }) as tf.TensorInfo)); // [..., N, M] → [..., M, N]
    }
    const left = transposeA ? temporary(swapLastAxes(a)) : a;
    const right = transposeB ? temporary(swapLastAxes(b)) : b;
    return matMul({ inputs: { a: left, b: right }, backend, attrs: plainAttrs }) as tf.TensorInfo;
  } finally {
    for (const t of temporaries) (backend as tf.KernelBackend).disposeData(t.dataId);
  }
}

let registered = false;

/**
 * Replaces the wasm BatchMatMul kernel by one that never passes transpose flags to it
 * (idempotent). Needs @tensorflow/tfjs-backend-wasm loaded; works before or after
 * tf.setBackend('wasm') (the original kernel's setup is kept).
 */
export function registerWasmMatMul(): void {
  if (registered) return;
  const original = tf.getKernel(tf.BatchMatMul, 'wasm');
  const transpose = tf.getKernel(tf.Transpose, 'wasm');
  if (!original || !transpose) throw new Error('registerWasmMatMul: @tensorflow/tfjs-backend-wasm is not loaded (no wasm BatchMatMul / Transpose kernel)');
  registered = true;
  tf.unregisterKernel(tf.BatchMatMul, 'wasm');
  tf.registerKernel({ ...original, kernelFunc: (args) => withExplicitTransposes(original.kernelFunc, transpose.kernelFunc, args) });
}
