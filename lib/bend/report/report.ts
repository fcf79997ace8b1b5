/** A self-contained HTML report of a BEND run: tables and plotly charts, plotly.js inlined (works offline). */
import type { BendResults } from '../results';
import { accuracyFigure, memberFigure, tauFigure } from './figures';
import { costTable, curveTable, diversityTable, methodsTable } from './tables';
import { figureHtml, reportPage } from '../../viz/plotly-html';
import { rowsToHtml } from '../../viz/table';
import { pctText } from '../../viz/format';

function headline(results: BendResults): string {
  const find = (method: string, members?: number) => results.methods.find((m) => m.method === method && (members === undefined || m.members === members));
  const largest = Math.max(...results.curve.sizes);
  const parts = [find('sBEND', largest), find('aBEND', largest), find('deep ensemble'), find('original: val-selected single')]
    .filter((m): m is NonNullable<typeof m> => m !== undefined)
    .map((m) => `${m.method}${m.members > 1 ? ` (M = ${m.members})` : ''} ${pctText(m.test.accuracy)}%`);
  const { bend, deepEnsemble } = results.cost;
  return `Test accuracy: ${parts.join('; ')}. Cost: BEND ${bend.total.toFixed(0)} s to produce ${results.counts.generated} members, ` +
    `the deep ensemble ${deepEnsemble.total.toFixed(0)} s to train ${deepEnsemble.train.length}.`;
}

export function renderReport(results: BendResults): string {
  return reportPage(`BEND ${results.preset} seed ${results.seed}`, `<h1>BEND — preset <code>${results.preset}</code>, seed ${results.seed}</h1>
<p>Dataset ${results.dataset}; generated subset ${results.subset.patterns.join(', ')} (${results.subset.size} parameters); backend ${results.backend}.
${results.counts.generated} generated members, ${results.counts.originals} original snapshots, a deep ensemble of ${results.counts.deepEnsemble}.</p>
<p><b>${headline(results)}</b></p>
<h2>Results</h2>
<p>Ensembles of size M are the first M generated members in sampling order. aBEND weighs member m by exp(acc_val(m)/τ), τ chosen
on val; top-k ranks members by val. Val also sets the weights and ranks, so it slightly favours small τ and k; test is only reported.</p>
${rowsToHtml(methodsTable(results))}
${figureHtml('accuracy-vs-m', accuracyFigure(results))}
<h2>Accuracy vs ensemble size (test, %)</h2>
${rowsToHtml(curveTable(results))}
${figureHtml('tau', tauFigure(results))}
<h2>Diversity (test; means over pairs)</h2>
${rowsToHtml(diversityTable(results))}
${figureHtml('members', memberFigure(results))}
<h2>Cost (wall seconds)</h2>
${rowsToHtml(costTable(results))}`);
}
