/** Number formatting shared by the tables, figures and reports. */
import type { Interval } from '../eval/interval';

/** A fraction in [0, 1] as a percentage rounded to `digits` decimals (a number, for tables). */
export const pct = (v: number, digits = 2): number => Number((100 * v).toFixed(digits));

/** A fraction as percentage text with two decimals, e.g. `88.41`. */
export const pctText = (v: number): string => (100 * v).toFixed(2);

/** Fractions as percentages, for chart axes. */
export const percents = (values: readonly number[]): number[] => values.map((v) => 100 * v);

/** `v` rounded to `digits` decimals (a number, for tables). */
export const fixed = (v: number, digits = 4): number => Number(v.toFixed(digits));

/** `mean ± sample std` of an interval (the mean alone for one value), scaled (100 for percentages); '–' for nothing measured. */
export function meanStdText(i: Interval | undefined, scale: number, digits: number): string {
  if (!i) return '–';
  const f = (v: number) => (v * scale).toFixed(digits);
  return i.n > 1 ? `${f(i.mean)} ± ${f(i.std)}` : f(i.mean);
}
