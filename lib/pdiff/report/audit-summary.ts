/** The copying audit in one row per run, and the verdict line the report and the notebook print. */
import { fixed, pct } from '../../viz/format';
import type { Row } from '../../viz/table';
import type { PdiffResults } from '../results';

/** One row per run: accuracies (%), function-space distances to the training zoo, C_T and the front. */
export function auditSummaryTable(runs: readonly PdiffResults[]): Row[] {
  return runs.filter((r) => r.audit).map((r) => {
    const a = r.audit!;
    const fn = a.copying.function;
    return {
      zoo: `${r.zoo.recipe} (${r.zoo.training} + ${r.zoo.heldOut} held out)`,
      seed: r.seed,
      'originals mean': pct(r.originals.mean),
      'generated mean': pct(r.generated.mean),
      'held-out mean': pct(r.populations['held-out'].summary.mean),
      'generated NN (fn)': fixed(a.nearest.function.generated.median, 4),
      'held-out NN (fn)': fixed(a.nearest.function['held-out'].median, 4),
      'C_T (fn)': fn.cT === null ? '-' : fixed(fn.cT, 2),
      'p (fn)': fn.combined.pValue === null ? '-' : fixed(fn.combined.pValue, 4),
      'C_T (weight)': a.copying.weight.cT === null ? '-' : fixed(a.copying.weight.cT, 2),
      'beyond front (%)': pct(a.front.beyondFraction, 0),
    };
  });
}

/** What the audit says, in words computed from the numbers (function space: no permutation changes it). */
export function copyingVerdict(results: PdiffResults): string {
  const a = results.audit;
  if (!a) return 'No copying audit: no zoo members were held out.';
  const gen = a.nearest.function.generated.median;
  const held = a.nearest.function['held-out'].median;
  const { cT, combined } = a.copying.function;
  const test = cT === null || combined.pValue === null
    ? 'the data-copying test kept no cell'
    : `C_T = ${cT.toFixed(2)} (p = ${combined.pValue.toPrecision(2)}): ${combined.pValue < 0.05 && cT < 0
      ? 'the generated models lie closer to the training zoo than fresh models do, which is copying'
      : 'no significant sign of copying at the 5% level'}`;
  return `In function space the generated models sit at a median distance of ${gen.toFixed(4)} from their nearest training member, ` +
    `fresh held-out models at ${held.toFixed(4)} (${(gen / held).toFixed(2)}×); ${test}. ` +
    `${pct(a.front.beyondFraction, 0)}% of the generated models lie beyond the front of noise-added copies, weight averages and interpolations.`;
}
