/**
 * What `npm run bench -- --workload seed-zoo` saves (bench/results/seed-zoo-*.json) and prints:
 * our zoo side by side with the PyTorch reference's — wall seconds with the ratio ours / reference
 * (> 1: we are slower), accuracies and diversity, each model — and notes on how to read them,
 * including whether the accuracies agree within the spread between seeds (the spec's criterion).
 */
import type { BackendInfo } from '../backend';
import { fixed, pct } from '../viz/format';
import type { Row } from '../viz/table';
import { ratio } from './compare';
import { machineInfo, type MachineInfo } from './record';
import type { ReferenceOutcome } from './reference';
import { DEFAULT_REFERENCE_THREADS } from './seed-zoo-reference';
import type { MeanStd, SeedZooRun, SeedZooSummary } from './seed-zoo';

export interface SeedZooBenchInputs {
  backend: BackendInfo;
  ours: SeedZooRun;
  /** null: not asked for (--no-reference). `threads`: PyTorch's threads (the spec's 2 unless --reference-threads). */
  reference: (ReferenceOutcome<SeedZooSummary> & { file: string; threads: number }) | null;
}

export interface SeedZooBenchRecord {
  benchmark: 'seed-zoo';
  created: string;
  backend: BackendInfo;
  machine: MachineInfo;
  ours: SeedZooRun;
  reference: SeedZooBenchInputs['reference'];
  tables: Record<string, Row[]>;
  notes: string[];
}

const cell = (v: number | undefined, digits: number): number | string => (v === undefined ? '-' : fixed(v, digits));
const pctCell = (v: number | undefined): number | string => (v === undefined ? '-' : pct(v));
const spread = (s: MeanStd | undefined): string => (s === undefined ? '-' : `${pct(s.mean).toFixed(2)} ± ${pct(s.std).toFixed(2)}`);
const pointsApart = (ours: number, ref: number | undefined): number | string => (ref === undefined ? '-' : fixed(100 * (ours - ref), 2));

/**
 * Wall seconds: the whole zoo (the `total` row), per model, training per model; and ms per
 * training step, both sides over our step count (the same data, batch and epochs).
 */
export function seedZooWallRows(ours: SeedZooRun, ref?: SeedZooSummary): Row[] {
  const o = ours.summary;
  const stepsPerModel = ours.steps[0];
  const rows: [string, number, number | undefined][] = [
    ['total', o.wall.total, ref?.wall.total],
    ['per model (train + evaluate)', o.wall.perModel, ref?.wall.perModel],
    ['training per model', o.trainPerModel, ref?.trainPerModel],
    [`ms per training step (${stepsPerModel} steps a model)`, (1000 * o.trainPerModel) / stepsPerModel, ref && (1000 * ref.trainPerModel) / stepsPerModel],
  ];
  return rows.map(([part, mine, theirs]) => ({ part, paramdiff: fixed(mine, 2), reference: cell(theirs, 2), 'ours/ref': ratio(mine, theirs) }));
}

/** Per-model accuracies (mean ± std, %), the deep ensemble and the disagreement; ours − reference in points. */
export function seedZooAccuracyRows(ours: SeedZooSummary, ref?: SeedZooSummary): Row[] {
  return [
    { measure: 'val accuracy per model (%, mean ± std)', paramdiff: spread(ours.val), reference: spread(ref?.val), 'ours − ref': pointsApart(ours.val.mean, ref?.val.mean) },
    { measure: 'test accuracy per model (%, mean ± std)', paramdiff: spread(ours.test), reference: spread(ref?.test), 'ours − ref': pointsApart(ours.test.mean, ref?.test.mean) },
    { measure: 'deep ensemble test accuracy (%)', paramdiff: pct(ours.ensemble.accuracy), reference: pctCell(ref?.ensemble.accuracy), 'ours − ref': pointsApart(ours.ensemble.accuracy, ref?.ensemble.accuracy) },
    { measure: 'deep ensemble test NLL', paramdiff: fixed(ours.ensemble.nll, 4), reference: cell(ref?.ensemble.nll, 4), 'ours − ref': ref ? fixed(ours.ensemble.nll - ref.ensemble.nll, 4) : '-' },
    { measure: 'pairwise test disagreement (%)', paramdiff: pct(ours.disagreement), reference: pctCell(ref?.disagreement), 'ours − ref': pointsApart(ours.disagreement, ref?.disagreement) },
  ];
}

/** One row per model index: each side's seed, training seconds and accuracies. */
export function seedZooModelRows(ours: SeedZooSummary, ref?: SeedZooSummary): Row[] {
  return ours.models.map((m, i) => {
    const r = ref?.models[i];
    return {
      model: i + 1, seed: m.seed, 'paramdiff train s': fixed(m.trainSeconds, 1), 'paramdiff val': pct(m.val), 'paramdiff test': pct(m.test),
      'ref seed': r?.seed ?? '-', 'ref train s': cell(r?.trainSeconds, 1), 'ref val': pctCell(r?.val), 'ref test': pctCell(r?.test),
    };
  });
}

/** Whether `ours` is within the larger of the two sides' spreads between seeds of `ref`. */
function agreement(what: string, ours: number, ref: number, spreads: [number, number]): string {
  const bound = Math.max(...spreads);
  const verdict = Math.abs(ours - ref) <= bound ? 'within' : 'outside';
  return `${what}: ours − reference = ${(100 * (ours - ref)).toFixed(2)} points, ${verdict} the spread between seeds (std ${(100 * bound).toFixed(2)})`;
}

/** How ours ran against the reference's threads, when in several processes (the spec's threads if there is no reference). */
function processesNote(processes: number, referenceThreads: number): string {
  return `ours ran in ${processes} single-threaded processes side by side (one native thread each; process p trains models p, p + ${processes}, …), `
    + `while the reference runs ${referenceThreads} threads in one process, one model after another; `
    + 'each model\'s training seconds and ms per step are its own within its process, so the wall total is what compares';
}

export function seedZooNotes({ ours, reference }: SeedZooBenchInputs): string[] {
  const notes: string[] = [];
  const { modelsAtOnce: atOnce, processes } = ours.config;
  if (reference && 'run' in reference) {
    const ref = reference.run;
    const o = ours.summary;
    notes.push('ratios are ours / reference: above 1, paramdiff is slower; the two sides ran one after the other, never concurrently');
    if (atOnce > 1) notes.push(`the reference trains its models one after another; ours trained ${atOnce} at once (each op once for all), the same models as one after another`);
    else if (processes === 1) notes.push('the reference trains its models one after another, as ours does here');
    if (reference.threads !== DEFAULT_REFERENCE_THREADS) {
      notes.push(`the reference ran with ${reference.threads} PyTorch thread(s) instead of the spec's ${DEFAULT_REFERENCE_THREADS}`);
    }
    if (ref.models.length !== o.models.length) notes.push(`the sides trained different numbers of models: ${o.models.length} ours, ${ref.models.length} reference`);
    const spreads: [number, number] = [o.test.std, ref.test.std];
    notes.push(agreement('mean test accuracy', o.test.mean, ref.test.mean, spreads));
    notes.push(agreement('deep ensemble test accuracy', o.ensemble.accuracy, ref.ensemble.accuracy, spreads));
  }
  if (processes > 1) notes.push(processesNote(processes, reference?.threads ?? DEFAULT_REFERENCE_THREADS));
  if (reference && 'skipped' in reference) notes.push(`reference not run: ${reference.skipped}`);
  return notes;
}

export function seedZooTables({ ours, reference }: SeedZooBenchInputs): Record<string, Row[]> {
  const ref = reference && 'run' in reference ? reference.run : undefined;
  return {
    [`wall seconds (${ours.config.models} models)`]: seedZooWallRows(ours, ref),
    'accuracy and diversity': seedZooAccuracyRows(ours.summary, ref),
    'each model': seedZooModelRows(ours.summary, ref),
  };
}

export function seedZooRecord(inputs: SeedZooBenchInputs): SeedZooBenchRecord {
  return {
    benchmark: 'seed-zoo',
    created: new Date().toISOString(),
    backend: inputs.backend,
    machine: machineInfo(),
    ours: inputs.ours,
    reference: inputs.reference,
    tables: seedZooTables(inputs),
    notes: seedZooNotes(inputs),
  };
}
