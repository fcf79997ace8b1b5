/**
 * Weight matching over a zoo of whole networks stored as flat vectors: every member is permuted
 * to match one reference member (Git Re-Basin's weight matching, as DeepWeightFlow aligns its zoo
 * before fitting a generator), so the generator sees one symmetry representative per network.
 */
import { InputError } from '../util/errors';
import { checkManifest, unflatten } from './flatten';
import type { PermutationSpec } from './permutation-spec';
import { permutationSizes } from './permutation-spec';
import { rowOf } from './rows';
import type { NamedArray, ParamManifest, VectorSet } from './types';
import { alignTo, defaultWeightMatchingOptions, type WeightMatchingOptions, type WeightMatchingResult } from './weight-matching';

export interface AlignZooOptions extends WeightMatchingOptions {
  /** The member every other one is matched to; it stays as it is. */
  referenceIndex: number;
}

export const defaultAlignZooOptions: AlignZooOptions = { ...defaultWeightMatchingOptions, referenceIndex: 0 };

export interface AlignedZoo {
  /** [N, D]: row i is member i permuted to match the reference, same manifest. */
  set: VectorSet;
  /** Per member: its buffers permuted along (undefined when none were given). */
  buffers: NamedArray[][] | undefined;
  /** Per member: the matching found (the reference's is the identity). */
  matchings: WeightMatchingResult[];
}

/**
 * Aligns each row of `members` (whole-network parameters laid out by `manifest`) to row
 * `referenceIndex`. `buffers`, one list per member (BN running statistics), are permuted with
 * their member. The spec must name only arrays of the manifest or the buffers: a network only
 * partly permuted would compute another function.
 */
export function alignZoo(
  members: VectorSet, manifest: ParamManifest, buffers: readonly (readonly NamedArray[])[] | undefined,
  spec: PermutationSpec, options: Partial<AlignZooOptions> = {},
): AlignedZoo {
  const { referenceIndex, ...matchingOptions } = { ...defaultAlignZooOptions, ...options };
  return alignZooTo(rowOf(members, referenceIndex), members, manifest, buffers, spec, matchingOptions);
}

/** Each row of `members` (buffers along, as alignZoo) aligned to `target`, a parameter vector of the same manifest. */
export function alignZooTo(
  target: Float32Array, members: VectorSet, manifest: ParamManifest, buffers: readonly (readonly NamedArray[])[] | undefined,
  spec: PermutationSpec, options: Partial<WeightMatchingOptions> = {},
): AlignedZoo {
  checkManifest(manifest);
  if (members.dim !== manifest.size) throw new InputError(`members have ${members.dim} values each, the manifest ${manifest.size}`);
  if (buffers !== undefined && buffers.length !== members.count) {
    throw new InputError(`${buffers.length} buffer lists for ${members.count} members`);
  }
  permutationSizes(spec, [...manifest.entries, ...(buffers?.[0] ?? [])], 'all');
  const reference = { params: unflatten(target, manifest) };
  const data = new Float32Array(members.data.length);
  const matchings: WeightMatchingResult[] = [];
  const alignedBuffers: NamedArray[][] = [];
  for (let i = 0; i < members.count; i++) {
    const member = { params: unflatten(rowOf(members, i), manifest), buffers: buffers?.[i] };
    const aligned = alignTo(reference, member, spec, options);
    // The manifest's entries are contiguous and in order, so the permuted arrays fill the row in turn.
    aligned.params.forEach((a, k) => data.set(a.data, i * members.dim + manifest.entries[k].offset));
    alignedBuffers.push(aligned.buffers);
    matchings.push(aligned.matching);
  }
  return { set: { count: members.count, dim: members.dim, data }, buffers: buffers === undefined ? undefined : alignedBuffers, matchings };
}
