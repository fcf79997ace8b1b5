/**
 * Charts of a results file: each metric per run (or ablation setting), every seed a point and the
 * mean with its 95% t-interval, so a reader sees the seed-to-seed spread that every difference
 * must clear.
 */
import { METHOD_LABELS, NOVELTY_LABELS } from '../d2nwg/report/tables';
import type { Figure } from '../viz/figure';
import type { Aggregated, ResultsFile } from './aggregate';
import { isTable2Ablation, WHOLE, WHOLE_PRESETS } from './plan';

export interface SeedsFigureOptions {
  title: string;
  /** A second, smaller title line: what to read off the chart. */
  subtitle?: string;
  yTitle: string;
  /** Values are multiplied by this (100 for accuracies in %). */
  scale: number;
}

/** `metrics` (name → legend label) over `groups` (x label → aggregated runs). */
export function seedsFigure(groups: Record<string, Aggregated>, metrics: Record<string, string>, options: SeedsFigureOptions): Figure {
  const x = Object.keys(groups);
  const data = Object.entries(metrics).flatMap(([metric, label], i) => {
    const color = PALETTE[i % PALETTE.length];
    const points = x.flatMap((g) => groups[g].perSeed.filter((s) => metric in s.metrics)
      .map((s) => ({ x: g, y: s.metrics[metric] * options.scale, seed: s.seed })));
    const means = x.map((g) => groups[g].aggregate[metric]);
    const half = means.map((m) => (m?.ci95 ? ((m.ci95[1] - m.ci95[0]) / 2) * options.scale : 0));
    return [
      {
        type: 'scatter', mode: 'markers', name: label, legendgroup: label, offsetgroup: label, x: points.map((p) => p.x), y: points.map((p) => p.y),
        text: points.map((p) => `seed ${p.seed}`), marker: { color, size: 7, opacity: 0.55 },
      },
      {
        type: 'scatter', mode: 'markers', name: `${label}: mean, 95% interval`, legendgroup: label, offsetgroup: label, showlegend: false,
        x, y: means.map((m) => (m ? m.mean * options.scale : null)), marker: { color, size: 12, symbol: 'line-ew-open', line: { width: 3, color } },
        error_y: { type: 'data', array: half, visible: true, color, thickness: 1.5 },
      },
    ];
  });
  return {
    data,
    layout: {
      title: { text: options.subtitle ? `${options.title}<br><sub>${options.subtitle}</sub>` : options.title }, scattermode: 'group', height: 440,
      xaxis: { type: 'category', tickangle: 0, automargin: true }, yaxis: { title: { text: options.yTitle }, range: paddedRange(data) },
      legend: { orientation: 'h', y: -0.25 },
    },
  };
}

/** The y range of every point and interval, padded by a tenth (plotly's own range would keep 0 in view). */
function paddedRange(traces: { y: (number | null)[]; error_y?: { array: number[] } }[]): [number, number] {
  const values = traces.flatMap((t) => t.y.flatMap((y, i) => (y === null ? [] : [y - (t.error_y?.array[i] ?? 0), y + (t.error_y?.array[i] ?? 0)])));
  const [low, high] = [Math.min(...values), Math.max(...values)];
  const pad = (high - low) / 10 || Math.abs(high) / 100 || 1;
  return [low - pad, high + pad];
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];


/** Test-accuracy metrics of p-diff's populations, in the order the charts show them. */
const PDIFF_ACCURACY = {
  'originals.mean': 'originals (mean)', 'heldOut.mean': 'held-out zoo members (mean)', 'generated.mean': 'generated (mean)',
  'generated.best': 'generated (best)', 'weightAverage.test': 'weight average',
};

/** Test-accuracy metrics of whole-network generation's variants. */
const WHOLE_ACCURACY = {
  'zoo.mean': 'zoo (mean)', 'generated.mean': 'generated (mean)', 'generated.median': 'generated (median)', 'weightAverage.test': 'weight average',
};

/** BEND's headline methods (at the largest M every run has) and what they are compared with. */
function bendHeadline(r: ResultsFile): Record<string, string> {
  const keys = new Set(Object.values(r.runs).flatMap((a) => Object.keys(a.aggregate)));
  const largest = (method: string) => Math.max(...[...keys].filter((k) => k.startsWith(`${method}/`)).map((k) => Number(k.slice(method.length + 1).split('.')[0])));
  const pick = (method: string) => `${method}/${largest(method)}`;
  return Object.fromEntries([pick('zoo ensemble'), pick('zoo + sBEND'), pick('sBEND'), pick('deep ensemble (full networks)'), 'original: mean single/1', 'generated: mean single/1']
    .map((key) => [key, key]));
}

/** D2NWG's methods a reader compares first (`<method>.mean` within a task group). */
const D2NWG_HEADLINE = Object.fromEntries((['generated', 'prototype', 'logisticRegression', 'shuffledCondition', 'trained'] as const)
  .map((m) => [`${m}.mean`, METHOD_LABELS[m]]));

/** One D2NWG run as groups per kind of held-out task: the metrics `<group>.<method>.<field>` of each group, without the group prefix. */
function byTaskKind(run: Aggregated): Record<string, Aggregated> {
  const groups: [string, string][] = [['all', 'all tasks'], ...Object.entries(NOVELTY_LABELS)];
  const strip = <T>(record: Record<string, T>, group: string) =>
    Object.fromEntries(Object.entries(record).filter(([k]) => k.startsWith(`${group}.`)).map(([k, v]) => [k.slice(group.length + 1), v]));
  // Long kinds break onto a second line under their column.
  return Object.fromEntries(groups.map(([group, label]) => [label.replace(/ in /, '<br>in '), {
    seeds: run.seeds,
    perSeed: run.perSeed.map((s) => ({ ...s, metrics: strip(s.metrics, group) })),
    aggregate: strip(run.aggregate, group),
  }]));
}

const suffixed = (metrics: Record<string, string>, suffix: string) => Object.fromEntries(Object.entries(metrics).map(([k, v]) => [`${k}${suffix}`, v]));

/** The charts of a results file: its main runs' key numbers per seed, each ablation's, and its whole networks' per variant. */
export function resultFigures(r: ResultsFile): Figure[] {
  const at = `${r.paper}, ${r.scale} scale`;
  if (r.paper === 'pdiff') {
    return [
      seedsFigure(r.runs, PDIFF_ACCURACY, { title: `${at}: test accuracy per zoo recipe`, yTitle: 'test accuracy (%)', scale: 100 }),
      seedsFigure(r.runs, { 'audit.cT.function': 'C_T, function space', 'audit.cT.weight': 'C_T, weight space (unaligned)' },
        { title: `${at}: the data-copying test`, subtitle: 'C_T < 0: generated models closer to the training zoo than held-out members are', yTitle: 'C_T', scale: 1 }),
      ...Object.keys(r.ablations).filter(isTable2Ablation).map((name) => seedsFigure(r.ablations[name], { 'originals.mean': 'originals (mean)', 'generated.mean': 'generated (mean)', 'generated.best': 'generated (best)' },
        { title: `${at}: ablation of ${name}`, yTitle: 'test accuracy (%)', scale: 100 })),
      ...(r.ablations[WHOLE] ? [seedsFigure(r.ablations[WHOLE], WHOLE_ACCURACY, {
        title: `${at}: whole networks (${WHOLE_PRESETS[r.scale]}) per variant`, subtitle: 'no fine-tuning; one zoo for every variant and generator seed',
        yTitle: 'test accuracy (%)', scale: 100,
      })] : []),
    ];
  }
  if (r.paper === 'bend') {
    const methods = bendHeadline(r);
    return [
      seedsFigure(r.runs, suffixed(methods, '.acc'), { title: `${at}: test accuracy`, yTitle: 'test accuracy (%)', scale: 100 }),
      seedsFigure(r.runs, suffixed(methods, '.nll'), { title: `${at}: test NLL`, yTitle: 'NLL', scale: 1 }),
      seedsFigure(r.runs, suffixed(methods, '.aurocMsp'), { title: `${at}: OOD detection, AUROC of the max softmax probability`, yTitle: 'AUROC', scale: 1 }),
    ];
  }
  return Object.entries(r.runs).map(([preset, run]) => seedsFigure(byTaskKind(run), D2NWG_HEADLINE,
    { title: `${at} (${preset}): mean test accuracy of the heads over held-out tasks`, subtitle: 'by kind of held-out task', yTitle: 'accuracy (%)', scale: 100 }));
}
