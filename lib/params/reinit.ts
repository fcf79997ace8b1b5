/**
 * A fresh initialisation of a parameter subset, for zoos of independently trained members on one
 * shared trunk. The rule is PyTorch's default for the layers the library names (and a layers
 * model's): a weight of rank ≥ 2 (conv [kh, kw, in, out], linear [in, out]) and the bias of its
 * layer ~ U(−1/√fanIn, 1/√fanIn) with fanIn the product of all but the last dimension; a rank-1
 * parameter of a layer without such a weight (BN, layer norm) is 1 for a scale (`weight`,
 * `gamma`, `scale`) and 0 otherwise.
 */
import { InputError } from '../util/errors';
import { Rng } from '../util/rng';
import type { NamedShape } from './flatten';
import type { NamedArray } from './types';

const SCALE_NAMES = new Set(['weight', 'gamma', 'scale']);
const layerOf = (name: string) => name.slice(0, name.lastIndexOf('/') + 1);
const leafOf = (name: string) => name.slice(name.lastIndexOf('/') + 1);
const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/** New values for `shapes` (names in the model's order), drawn from `seed`. */
export function freshInit(shapes: readonly NamedShape[], seed: number): NamedArray[] {
  const rng = new Rng(seed);
  const fanIn = new Map<string, number>();
  for (const { name, shape } of shapes) if (shape.length >= 2) fanIn.set(layerOf(name), product(shape.slice(0, -1)));
  return shapes.map(({ name, shape }) => {
    const size = product(shape);
    const fan = fanIn.get(layerOf(name));
    if (fan !== undefined) {
      const bound = 1 / Math.sqrt(fan);
      return { name, shape: [...shape], data: Float32Array.from({ length: size }, () => (2 * rng.uniform() - 1) * bound) };
    }
    if (shape.length !== 1) throw new InputError(`cannot initialise ${name} [${shape}]: no rule for a rank-${shape.length} tensor without fan-in`);
    return { name, shape: [...shape], data: new Float32Array(size).fill(SCALE_NAMES.has(leafOf(name)) ? 1 : 0) };
  });
}
