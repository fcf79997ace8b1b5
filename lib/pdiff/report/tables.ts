/** p-diff's result tables as rows of plain values (for arquero, HTML and the console). */
import { fixed, pct } from '../../viz/format';
import type { Row } from '../../viz/table';
import { mean, median } from '../../eval/stats';
import type { LatentExploration } from '../latent-explorer';
import type { VariantResult } from '../ablations';
import type { PdiffResults } from '../results';


/** best / mean / median / val-selected test accuracy (%) and novelty per population, like the paper's tables. */
export function accuracyTable(results: PdiffResults): Row[] {
  return Object.entries(results.populations).map(([name, p]) => ({
    models: name,
    count: p.summary.count,
    best: pct(p.summary.best),
    mean: pct(p.summary.mean),
    median: pct(p.summary.median),
    min: pct(p.summary.min),
    'val-selected': pct(p.summary.valSelectedTest),
    'max IoU (mean)': Number((p.maxIoU.reduce((a, b) => a + b, 0) / Math.max(p.maxIoU.length, 1)).toFixed(4)),
  }));
}

/**
 * The generated models as each compared sampler draws them (same trained model and seed): test
 * accuracy (%), mean max IoU against the originals, and wall seconds of sampling and evaluating.
 */
export function samplerTable(results: PdiffResults): Row[] {
  return results.samplers.map((s) => ({
    sampler: s.isGenerated ? `${s.label} (= generated)` : s.label,
    steps: s.steps,
    best: pct(s.summary.best),
    mean: pct(s.summary.mean),
    median: pct(s.summary.median),
    'val-selected': pct(s.summary.valSelectedTest),
    'max IoU (mean)': fixed(s.maxIoU.mean, 4),
    'sample s': fixed(s.seconds.sample, 1),
    'evaluate s': fixed(s.seconds.evaluate, 1),
  }));
}

/** Novelty per population: max IoU of wrong test predictions against the originals (min / mean / max) and mean test accuracy (%). */
export function noveltyTable(results: PdiffResults): Row[] {
  const names = ['generated', 'originals', ...Object.keys(results.populations).filter((k) => k.startsWith('noise'))];
  return names.map((name) => {
    const p = results.populations[name];
    const iou = (v: number) => fixed(v, 4);
    return {
      models: name,
      'max IoU min': iou(Math.min(...p.maxIoU)),
      'max IoU mean': iou(mean(p.maxIoU)),
      'max IoU max': iou(Math.max(...p.maxIoU)),
      'test mean': pct(p.summary.mean),
    };
  });
}

/**
 * One row per setting of an ablation, as the paper's Table 2: best / mean / median test accuracy
 * (%) of the originals and of the generated models, the generated models' mean max IoU against the
 * originals, and the run's wall time.
 */
export function ablationTable(results: readonly VariantResult[]): Row[] {
  return results.map(({ setting, results: r }) => ({
    setting,
    'orig. best': pct(r.originals.best),
    'orig. mean': pct(r.originals.mean),
    'orig. median': pct(r.originals.median),
    'p-diff best': pct(r.generated.best),
    'p-diff mean': pct(r.generated.mean),
    'p-diff median': pct(r.generated.median),
    'max IoU (mean)': fixed(r.novelty.maxIoU.mean, 4),
    seconds: fixed(r.timings.total, 1),
  }));
}

/** Test accuracy (%) of the models decoded from each set of latents the explorer looked at. */
export function latentSummaryTable(exploration: LatentExploration): Row[] {
  const row = (latents: string, test: readonly number[]) => ({
    latents, count: test.length, best: pct(Math.max(...test)), mean: pct(mean(test)), median: pct(median(test)), min: pct(Math.min(...test)),
  });
  const { originals, generated, interpolation } = exploration;
  return [
    row('originals (decoded from their latents)', originals.test),
    row('generated', generated.test),
    row(`path #${interpolation.from} → #${interpolation.to}`, interpolation.test),
  ];
}

export function timingTable(results: PdiffResults): Row[] {
  return Object.entries(results.timings).map(([stage, seconds]) => ({ stage, seconds: fixed(seconds, 1) }));
}

/**
 * The copying audit per population: test accuracy (%) and the nearest-neighbour distance to the
 * training zoo in weight space (L2, unaligned) and in function space (mean total variation on the
 * probe images); held-out models are the fresh reference the generated ones are read against.
 */
export function auditTable(results: PdiffResults): Row[] {
  const { audit } = results;
  if (!audit) return [];
  return Object.keys(audit.nearest.weight).map((name) => {
    const w = audit.nearest.weight[name];
    const f = audit.nearest.function[name];
    return {
      models: name,
      count: audit.points[name].length,
      'test mean': pct(mean(audit.points[name].map((p) => p.accuracy))),
      'weight NN median': fixed(w.median, 4),
      'weight NN min': fixed(w.min, 4),
      'function NN median': fixed(f.median, 4),
      'function NN min': fixed(f.min, 4),
    };
  });
}

/** The data-copying test in each space: C_T, its p-values, and the cells it kept. */
export function copyingTestTable(results: PdiffResults): Row[] {
  const { audit } = results;
  if (!audit) return [];
  return (['weight', 'function'] as const).map((space) => {
    const t = audit.copying[space];
    const show = (v: number | null, digits: number) => (v === null ? '-' : fixed(v, digits));
    return {
      space, 'C_T': show(t.cT, 2), 'p = Φ(C_T)': show(t.pValue, 4), 'z (weighted Stouffer)': show(t.combined.z, 2), 'p (Stouffer)': show(t.combined.pValue, 4),
      'cells kept': `${t.keptCells} of ${t.settings.cells}`,
    };
  });
}
