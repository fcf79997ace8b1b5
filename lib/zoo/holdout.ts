/**
 * The zoo members a generator never sees, kept as fresh models for the copying audit: every
 * `every`-th member (k % every = every − 1), i.e. a fifth for every = 5 — every fifth snapshot of
 * a trajectory, or a fifth of a seeds zoo's independent runs.
 */
import { InputError } from '../util/errors';
import { pickRows } from '../params/rows';
import type { VectorSet } from '../params/types';

export interface HeldOutSplit {
  /** Row indices of the zoo the generator trains on, and of the held-out members. */
  training: number[];
  heldOut: number[];
}

/** The split of `count` members; refused (before any training) when it leaves no training member or fewer than 2 held out. */
export function heldOutSplit(count: number, every: number): HeldOutSplit {
  if (!(Number.isInteger(every) && every >= 0 && every !== 1)) {
    throw new InputError(`holdOutEvery must be 0 (no held-out members) or an integer ≥ 2, got ${every}`);
  }
  const indices = Array.from({ length: count }, (_, k) => k);
  const isHeldOut = (k: number) => every > 0 && k % every === every - 1;
  const split = { training: indices.filter((k) => !isHeldOut(k)), heldOut: indices.filter(isHeldOut) };
  if (every > 0 && split.heldOut.length < 2) {
    throw new InputError(`holding out every ${every}th of ${count} zoo members leaves ${split.heldOut.length} held out; the audit needs at least 2 (more members, a smaller holdOutEvery, or 0 for none)`);
  }
  return split;
}

/** The training and held-out rows of a zoo. */
export function splitRows(zoo: VectorSet, split: HeldOutSplit): { training: VectorSet; heldOut: VectorSet } {
  return { training: pickRows(zoo, split.training), heldOut: pickRows(zoo, split.heldOut) };
}
