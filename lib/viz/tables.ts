/** Result tables as rows of plain values (for arquero, HTML and the console). */
import { mean, median } from '../eval/stats';
import type { LatentExploration } from '../experiments/latent-explorer';
import type { VariantResult } from '../experiments/pdiff-ablations';
import type { PdiffResults } from '../experiments/pdiff-results';

export type Row = Record<string, string | number>;

const pct = (v: number) => Number((100 * v).toFixed(2));

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
    'max IoU (mean)': Number(s.maxIoU.mean.toFixed(4)),
    'sample s': Number(s.seconds.sample.toFixed(1)),
    'evaluate s': Number(s.seconds.evaluate.toFixed(1)),
  }));
}

/** Novelty per population: max IoU of wrong test predictions against the originals (min / mean / max) and mean test accuracy (%). */
export function noveltyTable(results: PdiffResults): Row[] {
  const names = ['generated', 'originals', ...Object.keys(results.populations).filter((k) => k.startsWith('noise'))];
  return names.map((name) => {
    const p = results.populations[name];
    const iou = (v: number) => Number(v.toFixed(4));
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
    'max IoU (mean)': Number(r.novelty.maxIoU.mean.toFixed(4)),
    seconds: Number(r.timings.total.toFixed(1)),
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
  return Object.entries(results.timings).map(([stage, seconds]) => ({ stage, seconds: Number(seconds.toFixed(1)) }));
}

export function rowsToHtml(rows: Row[]): string {
  if (rows.length === 0) return '<p>(empty)</p>';
  const keys = Object.keys(rows[0]);
  const esc = (v: unknown) => String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const head = keys.map((k) => `<th>${esc(k)}</th>`).join('');
  const body = rows.map((r) => `<tr>${keys.map((k) => `<td>${esc(r[k])}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export function rowsToText(rows: Row[]): string {
  if (rows.length === 0) return '(empty)';
  const keys = Object.keys(rows[0]);
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => String(r[k]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  return [line(keys), ...rows.map((r) => line(keys.map((k) => String(r[k]))))].join('\n');
}
