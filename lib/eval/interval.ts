/**
 * Mean ± a 95% interval over a few seeds: Student's t with n − 1 degrees of freedom on the sample
 * standard deviation (n = 3 seeds: t = 4.303, so the interval is wide, as it should be).
 */
import { InputError } from '../util/errors';

/** t_{0.975, df} for df = 1…30 (two-sided 95%); beyond 30 the normal 1.96 is within 2%. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export interface Interval {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1); 0 for one value. */
  std: number;
  /** The 95% interval of the mean; null for one value (no spread to measure). */
  ci95: [number, number] | null;
}

export function meanInterval(values: readonly number[]): Interval {
  const n = values.length;
  if (n === 0 || values.some((v) => !Number.isFinite(v))) throw new InputError(`an interval needs finite values, got [${values.join(', ')}]`);
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
  if (n === 1) return { n, mean, std, ci95: null };
  const half = (T975[n - 2] ?? 1.96) * std / Math.sqrt(n);
  return { n, mean, std, ci95: [mean - half, mean + half] };
}
