/**
 * Pairwise diversity of an ensemble's members from their predicted classes (Kuncheva & Whitaker
 * 2003, "Measures of diversity in classifier ensembles"), averaged over all M(M−1)/2 pairs:
 * - disagreement: fraction of examples on which the two predicted classes differ;
 * - Yule's Q-statistic of the two members' correct/wrong outputs, in [−1, 1]
 *   (1: they are right and wrong together, 0: independent, −1: one is wrong where the other is right);
 * - IoU of the two sets of wrongly classified examples (p-diff's similarity; 1 = the same mistakes).
 */

/** Counts of one pair on N examples: n11 both right, n00 both wrong, n10 only a right, n01 only b right. */
export interface PairCounts {
  n11: number;
  n10: number;
  n01: number;
  n00: number;
  /** Examples on which the two predicted classes differ (both wrong in different ways counts). */
  differ: number;
}

export function pairCounts(a: ArrayLike<number>, b: ArrayLike<number>, labels: ArrayLike<number>): PairCounts {
  if (a.length !== labels.length || b.length !== labels.length) {
    throw new Error(`predictions of lengths ${a.length} and ${b.length} for ${labels.length} labels`);
  }
  const counts: PairCounts = { n11: 0, n10: 0, n01: 0, n00: 0, differ: 0 };
  for (let i = 0; i < labels.length; i++) {
    const ra = a[i] === labels[i];
    const rb = b[i] === labels[i];
    if (ra && rb) counts.n11++;
    else if (ra) counts.n10++;
    else if (rb) counts.n01++;
    else counts.n00++;
    if (a[i] !== b[i]) counts.differ++;
  }
  return counts;
}

export function disagreement(c: PairCounts): number {
  const n = c.n11 + c.n10 + c.n01 + c.n00;
  return n ? c.differ / n : 0;
}

/**
 * Q = (n11·n00 − n01·n10) / (n11·n00 + n01·n10). Where that is 0/0: 1 if the two members are right
 * on exactly the same examples (n01 = n10 = 0), else 0 (one member is always right or always
 * wrong, which carries no association).
 */
export function yuleQ(c: PairCounts): number {
  const agree = c.n11 * c.n00;
  const cross = c.n01 * c.n10;
  if (agree + cross > 0) return (agree - cross) / (agree + cross);
  return c.n01 === 0 && c.n10 === 0 ? 1 : 0;
}

/** |W_a ∩ W_b| / |W_a ∪ W_b| of the wrong sets; two members without mistakes are identical (1), as in lib/eval/novelty. */
export function wrongIoU(c: PairCounts): number {
  const union = c.n00 + c.n01 + c.n10;
  return union ? c.n00 / union : 1;
}

export interface Diversity {
  members: number;
  pairs: number;
  /** Means over all pairs. */
  disagreement: number;
  qStatistic: number;
  wrongIoU: number;
}

/** The three measures averaged over every pair of members (M ≥ 2). */
export function pairwiseDiversity(predictions: readonly ArrayLike<number>[], labels: ArrayLike<number>): Diversity {
  const m = predictions.length;
  if (m < 2) throw new Error(`diversity needs at least two members, got ${m}`);
  let dis = 0;
  let q = 0;
  let overlap = 0;
  for (let i = 0; i < m; i++) {
    for (let j = i + 1; j < m; j++) {
      const c = pairCounts(predictions[i], predictions[j], labels);
      dis += disagreement(c);
      q += yuleQ(c);
      overlap += wrongIoU(c);
    }
  }
  const pairs = (m * (m - 1)) / 2;
  return { members: m, pairs, disagreement: dis / pairs, qStatistic: q / pairs, wrongIoU: overlap / pairs };
}
