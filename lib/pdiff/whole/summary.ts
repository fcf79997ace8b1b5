/**
 * The numbers a whole-network run is judged by, flat and named (`generated.mean`, `audit.cT.weight`),
 * and the columns that show them: one source for the notebook's fresh ablation table
 * (ablations.ts) and the recorded results' table (lib/reproduce), so the two cannot drift apart.
 */
import type { Interval } from '../../eval/interval';
import { meanStdText } from '../../viz/format';
import type { WholeResults } from './results';

/** Test accuracies in [0, 1], gaps in [0, 1] units, C_T as z-scores; undefined or null where the run did not measure it (no audit). */
export function wholeSummary(r: WholeResults): Record<string, number | null | undefined> {
  const nn = r.audit?.nearest.function;
  return {
    'zoo.mean': r.zoo.test.mean, 'zoo.median': r.zoo.test.median,
    'generated.mean': r.generated.test.mean, 'generated.median': r.generated.test.median, 'generated.min': r.generated.test.min,
    'gap.mean': r.gap.mean, 'gap.median': r.gap.median,
    // Runs from before acceptance existed kept every sample.
    'generated.passedShare': r.generated.candidates ? r.generated.passed / r.generated.candidates : 1,
    'weightAverage.test': r.audit?.points['weight average']?.[0]?.accuracy,
    'audit.cT.weight': r.audit?.copying.weight.cT, 'audit.cT.function': r.audit?.copying.function.cT,
    'audit.nn.function.generated': nn?.generated.median, 'audit.nn.function.heldOut': nn?.['held-out'].median,
    // Below 1: the generated networks sit nearer the training zoo than fresh members do.
    'audit.nn.function.ratio': nn && nn.generated.median / nn['held-out'].median,
  };
}

export interface WholeColumn {
  metric: string;
  label: string;
  /** 100 for accuracies and gaps (points), 1 otherwise. */
  scale: number;
  digits: number;
  /** A number of the zoo (or built from it alone), the same for every generator seed: shown once, without a spread. */
  perZoo?: boolean;
}

export const WHOLE_COLUMNS: readonly WholeColumn[] = [
  { metric: 'zoo.mean', label: 'zoo mean', scale: 100, digits: 2, perZoo: true },
  { metric: 'zoo.median', label: 'zoo median', scale: 100, digits: 2, perZoo: true },
  { metric: 'generated.mean', label: 'generated mean', scale: 100, digits: 2 },
  { metric: 'generated.median', label: 'generated median', scale: 100, digits: 2 },
  { metric: 'generated.min', label: 'generated min', scale: 100, digits: 2 },
  { metric: 'gap.mean', label: 'gap mean', scale: 100, digits: 2 },
  { metric: 'gap.median', label: 'gap median', scale: 100, digits: 2 },
  { metric: 'generated.passedShare', label: 'samples passing (%)', scale: 100, digits: 0 },
  { metric: 'weightAverage.test', label: 'weight average', scale: 100, digits: 2, perZoo: true },
  { metric: 'audit.cT.weight', label: 'C_T weight', scale: 1, digits: 2 },
  { metric: 'audit.cT.function', label: 'C_T function', scale: 1, digits: 2 },
  { metric: 'audit.nn.function.ratio', label: 'NN gen / held-out (function)', scale: 1, digits: 2 },
];

/** One variant's cells in WHOLE_COLUMNS order, from each metric over its seeds (mean ± sample std; '–' where no seed measured it). */
export function wholeCells(over: (metric: string) => Interval | undefined): string[] {
  return WHOLE_COLUMNS.map(({ metric, scale, digits, perZoo }) => {
    const i = over(metric);
    return meanStdText(i && perZoo ? { ...i, n: 1 } : i, scale, digits); // n: 1 shows the mean alone
  });
}
