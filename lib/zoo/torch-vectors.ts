/**
 * A PyTorch zoo as the generators see it: each member's whole-network parameters as one row of a
 * [N, D] set (a `seeds` zoo), and generated rows back into members to write with writeTorchZoo.
 * BN running statistics never enter the rows: they stay per member, beside them.
 */
import { flattenMany, unflatten } from '../params/flatten';
import { rowOf } from '../params/rows';
import type { NamedArray, ParamManifest, VectorSet } from '../params/types';
import { InputError } from '../util/errors';
import type { TorchMember, TorchZoo } from './torch';

export interface TorchZooVectors {
  /** [N, D]: row i is member i's parameters, laid out by `manifest` (model order). */
  set: VectorSet;
  manifest: ParamManifest;
  /** Per member: its BN running statistics (empty arrays for a model without buffers). */
  buffers: NamedArray[][];
  /** The zoo's seeds, one per row, or null. */
  seeds: number[] | null;
}

export function torchZooToVectors(zoo: TorchZoo): TorchZooVectors {
  const { set, manifest } = flattenMany(zoo.params);
  return { set, manifest, buffers: zoo.buffers, seeds: zoo.seeds };
}

/**
 * Rows of `set` (e.g. generated vectors) as members for writeTorchZoo. `buffers`: one list per row,
 * one list shared by every row (e.g. a zoo member's running statistics), or omitted (the model's).
 */
export function vectorsToMembers(
  set: VectorSet, manifest: ParamManifest, buffers?: NamedArray[] | NamedArray[][],
): TorchMember[] {
  const perRow = buffers !== undefined && buffers.length > 0 && Array.isArray(buffers[0]);
  if (perRow && buffers.length !== set.count) {
    throw new InputError(`${buffers.length} buffer lists for ${set.count} rows`);
  }
  return Array.from({ length: set.count }, (_, i) => ({
    params: unflatten(rowOf(set, i), manifest),
    buffers: perRow ? (buffers as NamedArray[][])[i] : (buffers as NamedArray[] | undefined),
  }));
}
