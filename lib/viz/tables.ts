/** Result tables as rows of plain values (for arquero, HTML and the console). */
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
