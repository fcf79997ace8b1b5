/** Plotly figures (plain JSON) of a BEND run, shared by the CLI's report.html and the notebook. */
import type { BendResults } from '../results';
import type { Figure } from '../../viz/figure';
import { percents } from '../../viz/format';
import { diversityEntries } from './tables';


/** Baselines drawn as horizontal lines on the accuracy-vs-M chart: [results-table method, legend label]. */
const BASELINE_LINES: [string, string][] = [
  ['original: best single', 'best single original (by test)'],
  ['original: mean single', 'mean single original'],
  ['generated: val-selected single', 'best generated (p-diff, by val)'],
  ['zoo ensemble', 'zoo ensemble'],
  ['deep ensemble (full networks)', 'deep ensemble (full networks)'],
];

/** Test accuracy vs ensemble size M for sBEND, aBEND, vote and zoo + sBEND, with the baselines as horizontal lines. */
export function accuracyFigure(results: BendResults): Figure {
  const { curve } = results;
  const x = curve.sizes;
  const rule = (name: string, y: number[], extra: Record<string, unknown> = {}) =>
    ({ type: 'scatter', mode: 'lines+markers', name, x, y: percents(y), ...extra });
  const lines = BASELINE_LINES.flatMap(([method, label]) => {
    const m = results.methods.find((r) => r.method === method);
    return m ? [{
      type: 'scatter', mode: 'lines', name: `${label}${m.members > 1 ? ` (M = ${m.members})` : ''}`,
      x: [x[0], x[x.length - 1]], y: [100 * m.test.accuracy, 100 * m.test.accuracy], line: { dash: 'dash', width: 1.5 },
    }] : [];
  });
  return {
    data: [
      rule('sBEND', curve.sbend.test),
      rule('aBEND (τ on val)', curve.abend.test, { text: curve.abend.tau.map((t) => `τ = ${t}`) }),
      rule('vote', curve.vote.test),
      rule(`zoo (${results.counts.originals}) + sBEND`, curve.zooPlusSbend.test),
      ...lines,
    ],
    layout: {
      title: { text: `Ensembles of generated models: test accuracy vs M (${results.dataset}, seed ${results.seed})` },
      xaxis: { type: 'log', tickvals: x, title: { text: 'ensemble size M (first M generated members)' } },
      yaxis: { title: { text: 'test accuracy (%)' } },
      height: 460,
    },
  };
}

/** aBEND over all M_max members at every τ: val (which chooses τ) and test. */
export function tauFigure(results: BendResults): Figure {
  const { tauSweep } = results;
  const series = (name: string, y: number[]) => ({ type: 'scatter', mode: 'lines+markers', name, x: tauSweep.tau, y: percents(y) });
  return {
    data: [series('val', tauSweep.val), series('test', tauSweep.test)],
    layout: {
      title: { text: `aBEND over ${tauSweep.members} members vs temperature τ` },
      xaxis: { type: 'log', tickvals: tauSweep.tau, title: { text: 'τ (large: sBEND; small: the val-best member)' } },
      yaxis: { title: { text: 'accuracy (%)' } },
      height: 380,
    },
  };
}

/** Single-model test accuracies of each population, beside which the ensembles are read. */
export function memberFigure(results: BendResults): Figure {
  const populations: [string, number[]][] = [
    ['zoo members (originals)', results.singles.originals.test],
    ['generated', results.singles.generated.test],
    ['deep ensemble (full networks)', results.singles.deepEnsemble.test],
  ];
  return {
    data: populations.map(([name, y]) => ({ type: 'box', name, y: percents(y), boxpoints: 'all', jitter: 0.4, pointpos: 0, marker: { size: 3 } })),
    layout: { title: { text: 'Test accuracy of each single model' }, yaxis: { title: { text: 'test accuracy (%)' } }, showlegend: false, height: 380 },
  };
}

/** Axis ids of panel i (0-based) of a plotly grid: 'x', 'x2', … */
const axisId = (letter: 'x' | 'y', i: number) => (i === 0 ? letter : `${letter}${i + 1}`);
const axisKey = (letter: 'x' | 'y', i: number) => (i === 0 ? `${letter}axis` : `${letter}axis${i + 1}`);

/**
 * Diversity against ensemble gain, one point per population (generated, zoo, zoo + generated,
 * noise copies, deep ensemble): columns are disagreement, Q-statistic and wrong-set IoU on test;
 * rows the gain of the sBEND ensemble over the mean member in test accuracy (points) and in NLL.
 */
export function diversityGainFigure(results: BendResults): Figure {
  const entries = diversityEntries(results);
  const measures: [keyof (typeof entries)[number], string][] = [
    ['disagreement', 'pairwise disagreement'], ['qStatistic', 'Q-statistic (1: same errors)'], ['wrongIoU', 'wrong-set IoU (1: same errors)'],
  ];
  const gains: [string, number[]][] = [
    ['accuracy gain (points)', entries.map((e) => 100 * e.accuracyGain)],
    ['NLL gain (mean member − ensemble)', entries.map((e) => e.nllGain)],
  ];
  const data: Record<string, unknown>[] = [];
  const layout: Record<string, unknown> = {
    title: { text: `Diversity vs ensemble gain on test (${results.dataset}, ${results.zoo.recipe} zoo, seed ${results.seed})` },
    grid: { rows: 2, columns: 3, pattern: 'independent' }, showlegend: false, height: 620,
  };
  gains.forEach(([gainLabel, y], row) => measures.forEach(([key, label], col) => {
    const i = row * 3 + col;
    data.push({
      type: 'scatter', mode: 'markers+text', x: entries.map((e) => e[key]), y, text: entries.map((e) => e.label),
      textposition: 'top center', textfont: { size: 9 }, xaxis: axisId('x', i), yaxis: axisId('y', i),
      hovertemplate: `%{text}<br>${label} %{x:.4f}<br>${gainLabel} %{y:.4f}<extra></extra>`,
    });
    layout[axisKey('x', i)] = { title: { text: row === 1 ? label : '' } };
    layout[axisKey('y', i)] = { title: { text: col === 0 ? gainLabel : '' } };
  }));
  return { data, layout };
}
