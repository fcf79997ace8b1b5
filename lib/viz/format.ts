/** Number formatting shared by the tables, figures and reports. */

/** A fraction in [0, 1] as a percentage rounded to `digits` decimals (a number, for tables). */
export const pct = (v: number, digits = 2): number => Number((100 * v).toFixed(digits));

/** A fraction as percentage text with two decimals, e.g. `88.41`. */
export const pctText = (v: number): string => (100 * v).toFixed(2);

/** Fractions as percentages, for chart axes. */
export const percents = (values: readonly number[]): number[] => values.map((v) => 100 * v);

/** `v` rounded to `digits` decimals (a number, for tables). */
export const fixed = (v: number, digits = 4): number => Number(v.toFixed(digits));
