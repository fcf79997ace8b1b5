/**
 * The numbers a reproduction records per run, flat and named (`generated.mean`, `audit.cT.function`),
 * read from each paper's results.json. Accuracies stay fractions in [0, 1]; tables format them.
 */
import type { BendResults } from '../bend/results';
import type { D2nwgResults } from '../d2nwg/results';
import type { PdiffResults } from '../pdiff/results';
import { wholeSummary } from '../pdiff/whole/summary';
import type { WholeResults } from '../pdiff/whole/results';

export type Metrics = Record<string, number>;

/** Drops what a run could not measure (null, NaN), so aggregates only see real numbers. */
function finite(entries: [string, number | null | undefined][]): Metrics {
  return Object.fromEntries(entries.filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1])));
}

export function pdiffMetrics(r: PdiffResults): Metrics {
  const heldOut = r.populations['held-out']?.summary;
  const a = r.audit;
  return finite([
    ['originals.mean', r.originals.mean], ['originals.best', r.originals.best], ['originals.median', r.originals.median],
    ['reconstructed.mean', r.reconstructed.mean],
    ['generated.mean', r.generated.mean], ['generated.best', r.generated.best], ['generated.median', r.generated.median],
    ['generated.valSelected', r.generated.valSelectedTest],
    ['heldOut.mean', heldOut?.mean],
    ['weightAverage.test', r.baselines.weightAverage.test],
    ['baseModel.test', r.training.baseModel.test],
    ...Object.entries(r.baselines.noise).map(([sigma, n]): [string, number] => [`noise.${sigma}.mean`, n.summary.mean]),
    ['maxIoU.generated', r.novelty.maxIoU.mean], ['maxIoU.originals', r.novelty.originalsVsOriginals.mean],
    ['audit.nn.function.generated', a?.nearest.function.generated.median], ['audit.nn.function.heldOut', a?.nearest.function['held-out'].median],
    ['audit.nn.weight.generated', a?.nearest.weight.generated.median], ['audit.nn.weight.heldOut', a?.nearest.weight['held-out'].median],
    ['audit.cT.function', a?.copying.function.cT], ['audit.p.function', a?.copying.function.combined.pValue],
    ['audit.cT.weight', a?.copying.weight.cT], ['audit.p.weight', a?.copying.weight.combined.pValue],
    ['audit.beyondFront', a?.front.beyondFraction],
  ]);
}

/** A whole-network run: the numbers its ablation table shows (pdiff.whole.wholeSummary). */
export const wholeMetrics = (r: WholeResults): Metrics => finite(Object.entries(wholeSummary(r)));

export function bendMetrics(r: BendResults): Metrics {
  const zooSeconds = r.cost.bend.collect;
  return finite(r.methods.flatMap((m): [string, number][] => {
    // Top-k's k is chosen on val, so it differs between seeds; its rows aggregate under one name.
    const key = m.method === 'sBEND top-k' ? m.method : `${m.method}/${m.members}`;
    return [[`${key}.acc`, m.test.accuracy], [`${key}.nll`, m.test.nll], [`${key}.ece`, m.test.ece], [`${key}.brier`, m.test.brier],
      [`${key}.aurocMsp`, m.ood.msp], [`${key}.aurocEntropy`, m.ood.entropy], [`${key}.extraCost`, m.cost.extra / zooSeconds]];
  }).concat([
    ['diversity.generated.disagreement', r.diversity.generated.disagreement],
    ['diversity.originals.disagreement', r.diversity.originals.disagreement],
    ['diversity.deepEnsemble.disagreement', r.diversity.deepEnsemble.disagreement],
  ]));
}

/** A summary field: a number, or a spread whose mean is the number. */
const valueOf = (v: unknown): number | undefined =>
  typeof v === 'number' ? v : typeof (v as { mean?: unknown } | null)?.mean === 'number' ? (v as { mean: number }).mean : undefined;

/** Every field of every method's summary (its mean over tasks), per task group (all, and each kind of held-out task). */
export function d2nwgMetrics(r: D2nwgResults): Metrics {
  const groups: Record<string, { methods?: Record<string, object> } | undefined> = { all: r.summary.all, ...r.summary.byNovelty };
  return finite(Object.entries(groups).flatMap(([group, summary]) => Object.entries(summary?.methods ?? {})
    .flatMap(([method, s]) => Object.entries(s).map(([field, v]): [string, number | undefined] => [`${group}.${method}.${field}`, valueOf(v)]))));
}
