/** Summaries of a population of models, as the p-diff tables report them. */

export interface AccuracySummary {
  count: number;
  best: number;
  mean: number;
  median: number;
  min: number;
  std: number;
  /** Test accuracy of the model with the best val accuracy (the first one on ties). */
  valSelectedTest: number;
  valSelectedIndex: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN;
}

/** Population standard deviation. */
export function std(values: readonly number[]): number {
  const m = mean(values);
  return Math.sqrt(mean(values.map((v) => (v - m) ** 2)));
}

export function argmaxFirst(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

export function summarizeAccuracy(test: readonly number[], val: readonly number[]): AccuracySummary {
  if (test.length !== val.length || test.length === 0) {
    throw new Error(`need equally many test and val accuracies, got ${test.length} and ${val.length}`);
  }
  const selected = argmaxFirst(val);
  return {
    count: test.length,
    best: Math.max(...test),
    mean: mean(test),
    median: median(test),
    min: Math.min(...test),
    std: std(test),
    valSelectedTest: test[selected],
    valSelectedIndex: selected,
  };
}

export function minMeanMax(values: readonly number[]): { min: number; mean: number; max: number } {
  return { min: Math.min(...values), mean: mean(values), max: Math.max(...values) };
}
