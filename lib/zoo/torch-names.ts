/**
 * PyTorch ↔ our names and layouts, one rule for every model built from lib/models/layers.ts
 * (whose layers use PyTorch's leaf names: weight, bias, running_mean, running_var):
 * - name: the state-dict key is our name with '/' written as '.'
 *   (`conv1/weight` ↔ `conv1.weight`, `bn1/running_mean` ↔ `bn1.running_mean`, `fc/bias` ↔ `fc.bias`);
 * - layout, by the rank of the model's own shape: 4 = conv, ours [kh, kw, in, out] ↔ torch
 *   [out, in, kh, kw]; 2 = linear, ours [in, out] ↔ torch [out, in]; any other rank is as is.
 */
import { shapeSize } from '../params/types';

/** The state-dict key of one of our parameter or buffer names. */
export function torchName(name: string): string {
  return name.split('/').join('.');
}

/** ours axis i = torch axis OURS_FROM_TORCH[rank][i]. */
const OURS_FROM_TORCH: Record<number, number[]> = { 4: [2, 3, 1, 0], 2: [1, 0] };
const TORCH_FROM_OURS: Record<number, number[]> = { 4: [3, 2, 0, 1], 2: [1, 0] };

const identity = (rank: number) => Array.from({ length: rank }, (_, i) => i);
const oursFromTorch = (rank: number) => OURS_FROM_TORCH[rank] ?? identity(rank);
const torchFromOurs = (rank: number) => TORCH_FROM_OURS[rank] ?? identity(rank);

/** PyTorch's shape of an array whose shape is `ours` in our layout. */
export function torchShape(ours: readonly number[]): number[] {
  return torchFromOurs(ours.length).map((axis) => ours[axis]);
}

/** An array in PyTorch's layout (shape torchShape(ours)) → ours (shape `ours`). */
export function fromTorchLayout(data: Float32Array, ours: readonly number[]): Float32Array {
  return permute(data, torchShape(ours), oursFromTorch(ours.length));
}

/** An array in our layout (shape `ours`) → PyTorch's (shape torchShape(ours)). */
export function toTorchLayout(data: Float32Array, ours: readonly number[]): Float32Array {
  return permute(data, ours, torchFromOurs(ours.length));
}

/** Row-major transpose: output axis i is input axis perm[i] (numpy's `transpose(perm)`). */
export function permute(data: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  if (perm.every((axis, i) => axis === i)) return data.slice();
  const rank = shape.length;
  const inStrides = new Array<number>(rank);
  for (let i = rank - 1, s = 1; i >= 0; s *= shape[i], i--) inStrides[i] = s;
  const outShape = perm.map((axis) => shape[axis]);
  const strides = perm.map((axis) => inStrides[axis]); // input step per output axis
  const out = new Float32Array(shapeSize(shape));
  const index = new Array<number>(rank).fill(0);
  let source = 0;
  for (let k = 0; k < out.length; k++) {
    out[k] = data[source];
    // Odometer over the output index, last axis fastest.
    for (let i = rank - 1; i >= 0; i--) {
      source += strides[i];
      if (++index[i] < outShape[i]) break;
      source -= strides[i] * outShape[i];
      index[i] = 0;
    }
  }
  return out;
}
