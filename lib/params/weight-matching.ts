/**
 * Weight matching (Git Re-Basin: Ainsworth, Hayase & Srinivasa, ICLR 2023, §3.2, Algorithm 1):
 * the hidden-unit permutations π that bring network B closest to network A, i.e. maximise
 * Σ_ℓ ⟨W_ℓ^A, P_ℓ W_ℓ^B P_{ℓ−1}^T⟩, which minimises ‖θ_A − π(θ_B)‖². The joint problem is hard;
 * coordinate descent solves it one permutation at a time: with the others fixed, P_ℓ appears in
 * ⟨W_ℓ^A, P_ℓ W_ℓ^B P_{ℓ−1}^T⟩ + ⟨W_{ℓ+1}^A, P_{ℓ+1} W_{ℓ+1}^B P_ℓ^T⟩ = ⟨P_ℓ, G_ℓ⟩, a linear
 * assignment problem solved exactly. Sweeps visit the permutations in a seeded random order until
 * a sweep improves none.
 */
import { Rng } from '../util/rng';
import { InputError } from '../util/errors';
import { linearAssignment, assignmentCost } from './assignment';
import { axesByArray, identityPermutations, permuteArray, applyPermutation, type Permutations } from './permutation';
import type { NetworkArrays } from './network';
import { permutationSizes, type PermutationSpec } from './permutation-spec';
import { formatShape, type NamedArray } from './types';

export interface WeightMatchingOptions {
  /** Seeds the random order in which each sweep visits the permutations. */
  seed: number;
  /** Most sweeps over all permutations (the reference code's max_iter). */
  maxIter: number;
}

export const defaultWeightMatchingOptions: WeightMatchingOptions = { seed: 0, maxIter: 100 };

export interface WeightMatchingResult {
  /** Applied to `other` (applyPermutation), these align it to the reference. */
  perms: Permutations;
  /** Sweeps done, the last one included. */
  iterations: number;
  /** Whether the last sweep changed nothing (false: stopped at maxIter). */
  converged: boolean;
  /** Σ ⟨reference, other⟩ over the arrays given, before matching. */
  initialObjective: number;
  /** Σ ⟨reference, π(other)⟩ after matching. */
  objective: number;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
}

/**
 * G[i, j] += ⟨slice i of `a`, slice j of `b`⟩ along `axis`: the array's share of the similarity
 * between reference unit i and other unit j. a, b: [outer, n, inner]; G: [n, n].
 */
function addSimilarity(g: Float64Array, a: Float32Array, b: Float32Array, shape: readonly number[], axis: number): void {
  const n = shape[axis];
  const inner = shape.slice(axis + 1).reduce((x, y) => x * y, 1);
  const outer = a.length / (n * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < n; i++) {
      const ai = (o * n + i) * inner;
      for (let j = 0; j < n; j++) {
        const bj = (o * n + j) * inner;
        let s = 0;
        for (let r = 0; r < inner; r++) s += a[ai + r] * b[bj + r];
        g[i * n + j] += s;
      }
    }
  }
}

function checkSameArrays(reference: readonly NamedArray[], other: readonly NamedArray[]): Map<string, NamedArray> {
  const byName = new Map(other.map((a) => [a.name, a]));
  if (byName.size !== reference.length || other.length !== reference.length) {
    throw new InputError(`reference has ${reference.length} arrays, the other network ${other.length}`);
  }
  for (const { name, shape } of reference) {
    const b = byName.get(name);
    if (b === undefined) throw new InputError(`the other network has no "${name}"`);
    if (formatShape(b.shape) !== formatShape(shape)) {
      throw new InputError(`"${name}" has shape ${formatShape(b.shape)}, the reference ${formatShape(shape)}`);
    }
  }
  return byName;
}

/**
 * The permutations of `other` that best match `reference` (Algorithm 1). The objective runs over
 * the arrays given (pass the trainable parameters; BN running statistics are not needed); every
 * permutation of the spec must act on at least one of them.
 */
export function weightMatching(
  reference: readonly NamedArray[], other: readonly NamedArray[], spec: PermutationSpec,
  options: Partial<WeightMatchingOptions> = {},
): WeightMatchingResult {
  const { seed, maxIter } = { ...defaultWeightMatchingOptions, ...options };
  const others = checkSameArrays(reference, other);
  const sizes = permutationSizes(spec, reference, 'some');
  const unused = Object.keys(spec).find((p) => !sizes.has(p));
  if (unused !== undefined) throw new InputError(`permutation "${unused}" acts on none of the given arrays`);
  const refs = new Map(reference.map((a) => [a.name, a]));
  const axes = axesByArray(spec);
  const names = Object.keys(spec);
  const perms = identityPermutations(sizes);
  const objective = () => reference.reduce((s, a) => s + dot(a.data, permuteArray(others.get(a.name)!, axes.get(a.name), perms).data), 0);
  const initialObjective = objective();
  const rng = new Rng(seed);
  let iterations = 0;
  let converged = false;
  while (!converged && iterations < maxIter) {
    iterations++;
    converged = true;
    for (const k of rng.permutation(names.length)) {
      const p = names[k];
      const n = sizes.get(p)!;
      const g = new Float64Array(n * n); // [n, n]: reference unit i vs other unit j
      for (const { name, axis } of spec[p]) {
        const a = refs.get(name);
        if (a === undefined) continue;
        const b = permuteArray(others.get(name)!, axes.get(name), perms, p); // every other permutation applied
        addSimilarity(g, a.data, b.data, a.shape, axis);
      }
      const best = linearAssignment(g, n, 'max');
      const before = assignmentCost(g, perms[p]);
      // Keep the current permutation on ties so that a sweep without gain ends the search.
      if (assignmentCost(g, best) > before + 1e-10 * Math.max(1, Math.abs(before))) {
        perms[p] = best;
        converged = false;
      }
    }
  }
  return { perms, iterations, converged, initialObjective, objective: objective() };
}

/**
 * `member` permuted to match `reference`, with the matching found: the parameters drive the
 * objective, the buffers are permuted along.
 */
export function alignTo(
  reference: NetworkArrays, member: NetworkArrays, spec: PermutationSpec, options: Partial<WeightMatchingOptions> = {},
): { params: NamedArray[]; buffers: NamedArray[]; matching: WeightMatchingResult } {
  const matching = weightMatching(reference.params, member.params, spec, options);
  const buffers = member.buffers ?? [];
  const permuted = applyPermutation([...member.params, ...buffers], spec, matching.perms);
  return { params: permuted.slice(0, member.params.length), buffers: permuted.slice(member.params.length), matching };
}
