/**
 * The Mann–Whitney U test (Mann & Whitney 1947) with mid-ranks for ties and its normal
 * approximation, as used per cell by the data-copying test (Meehan et al., AISTATS 2020, §3).
 */
import { InputError } from '../util/errors';
import { normalCdf } from './normal-cdf';

export interface MannWhitney {
  /** U of the first sample: #{(x, y): x > y} + ½·#{x = y}; ranges over [0, n·m]. */
  u: number;
  /** n·m/2, the mean of U under H0 (both samples from one distribution). */
  mean: number;
  /** √Var(U) under H0 with the tie correction (0 when every value is tied). */
  sd: number;
  /** (U − mean)/sd, no continuity correction; negative: x tends to be smaller than y. 0 when sd = 0. */
  z: number;
}

/**
 * Mid-ranks (1-based) of `values`: tied values share the mean of the ranks they span.
 * Also returns Σ(t³ − t) over tie groups of size t, for the variance correction.
 */
export function midRanks(values: readonly number[]): { ranks: Float64Array; tieSum: number } {
  const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Float64Array(values.length);
  let tieSum = 0;
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && values[order[end]] === values[order[start]]) end++;
    const rank = (start + 1 + end) / 2; // mean of ranks start+1 .. end
    for (let i = start; i < end; i++) ranks[order[i]] = rank;
    const t = end - start;
    tieSum += t * t * t - t;
    start = end;
  }
  return { ranks, tieSum };
}

/**
 * U = R_x − n(n+1)/2 with R_x the rank sum of x in the pooled sample;
 * Var(U) = n·m/12 · ((N + 1) − Σ(t³ − t)/(N(N − 1))), N = n + m: the usual
 * tie-corrected variance (the one scipy.stats.mannwhitneyu uses for its asymptotic p-value).
 */
export function mannWhitney(x: readonly number[], y: readonly number[]): MannWhitney {
  const n = x.length;
  const m = y.length;
  if (n === 0 || m === 0) throw new InputError(`Mann–Whitney needs two non-empty samples, got ${n} and ${m} values`);
  const pooled = [...x, ...y];
  if (pooled.some((v) => Number.isNaN(v))) throw new InputError('Mann–Whitney samples hold NaN');
  const { ranks, tieSum } = midRanks(pooled);
  let rankSum = 0;
  for (let i = 0; i < n; i++) rankSum += ranks[i];
  const u = rankSum - (n * (n + 1)) / 2;
  const total = n + m;
  const mean = (n * m) / 2;
  const variance = ((n * m) / 12) * (total + 1 - (total > 1 ? tieSum / (total * (total - 1)) : 0));
  const sd = Math.sqrt(Math.max(variance, 0));
  return { u, mean, sd, z: sd > 0 ? (u - mean) / sd : 0 };
}

/** One-sided p-value of a z-score: P(Z ≤ z) for `'less'`, P(Z ≥ z) for `'greater'`; two-sided 2·P(Z ≥ |z|). */
export function zPValue(z: number, alternative: 'less' | 'greater' | 'two-sided'): number {
  if (alternative === 'less') return normalCdf(z);
  if (alternative === 'greater') return normalCdf(-z);
  return Math.min(1, 2 * normalCdf(-Math.abs(z)));
}
