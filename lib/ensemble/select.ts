/** Which generated members enter an ensemble; any ranking uses val accuracy only. */

export type MemberSelection =
  /** Every member, in its original (sampling) order. */
  | { kind: 'all' }
  /** The k members with the best val accuracy, best first; ties keep the lower index first. */
  | { kind: 'top-k'; k: number };

/** Indices of the selected members among `valAccuracy.length`. */
export function selectMembers(valAccuracy: readonly number[], selection: MemberSelection): number[] {
  const indices = valAccuracy.map((_, i) => i);
  if (selection.kind === 'all') return indices;
  const { k } = selection;
  if (!(Number.isInteger(k) && k >= 1 && k <= valAccuracy.length)) {
    throw new Error(`top-k needs 1 ≤ k ≤ ${valAccuracy.length}, got ${k}`);
  }
  // Array.prototype.sort is stable, so equal accuracies stay in index order.
  return indices.sort((a, b) => valAccuracy[b] - valAccuracy[a]).slice(0, k);
}
