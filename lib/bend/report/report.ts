/** A self-contained HTML report of a BEND run: verdict lines, tables and plotly charts, plotly.js inlined (works offline). */
import type { BendResults } from '../results';
import { accuracyFigure, diversityGainFigure, memberFigure, tauFigure } from './figures';
import { budgetTable, calibrationTable, costTable, curveTable, diversityTable, methodsTable, paperTable } from './tables';

/** The console's summary: the tables of the paper's comparison, the equal budget, calibration and OOD, diversity and cost, then the verdict. */
export function renderText(results: BendResults): string {
  const label = `${results.preset} preset, ${results.zoo.recipe} zoo, seed ${results.seed}`;
  return [
    `the paper's comparison (${label}):\n${rowsToText(paperTable(results))}`,
    `equal-budget comparison:\n${rowsToText(budgetTable(results))}`,
    `calibration and OOD detection (test):\n${rowsToText(calibrationTable(results))}`,
    `diversity and ensemble gain (test):\n${rowsToText(diversityTable(results))}`,
    `cost (wall seconds):\n${rowsToText(costTable(results))}`,
    verdict(results).join('\n'),
  ].join('\n\n');
}
import { verdict } from './verdict';
import { figureHtml, reportPage } from '../../viz/plotly-html';
import { rowsToHtml, rowsToText } from '../../viz/table';

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderReport(results: BendResults): string {
  const { zoo, counts } = results;
  return reportPage(`BEND ${results.preset} seed ${results.seed}`, `<h1>BEND — preset <code>${results.preset}</code>, seed ${results.seed}</h1>
<p>Dataset ${results.dataset}; a ${zoo.recipe} zoo of N = ${zoo.members} members (the generator trains on ${zoo.training}, ${zoo.heldOut} are held out
for p-diff's copying audit; every zoo baseline uses all ${zoo.members}); generated subset ${results.subset.patterns.join(', ')}
(${results.subset.size} parameters); backend ${results.backend}. ${counts.generated} generated members, a deep ensemble of ${counts.deepEnsemble} full networks.</p>
<ul>${verdict(results).map((line) => `<li>${escape(line)}</li>`).join('\n')}</ul>
<h2>The paper's comparison (test accuracy)</h2>
${rowsToHtml(paperTable(results))}
<h2>Equal-budget comparison</h2>
<p>Ensembles of size M are the first M generated members in sampling order; "zoo + sBEND" is the soft vote of the N zoo members and those M.
Costs are the wall seconds to produce the members (the generator's sampling pro rata M / M_max).</p>
${rowsToHtml(budgetTable(results))}
${figureHtml('accuracy-vs-m', accuracyFigure(results))}
<h2>Calibration and out-of-distribution detection</h2>
<p>${results.ood.images} images of ${results.ood.dataset} against the ${results.ood.inDistribution} test images; AUROC of the maximum softmax
probability (low = OOD) and of the predictive entropy (high = OOD).</p>
${rowsToHtml(calibrationTable(results))}
<h2>Diversity and ensemble gain (test; means over pairs)</h2>
${rowsToHtml(diversityTable(results))}
${figureHtml('diversity-gain', diversityGainFigure(results))}
${figureHtml('members', memberFigure(results))}
<h2>Accuracy vs ensemble size (test, %)</h2>
${rowsToHtml(curveTable(results))}
${figureHtml('tau', tauFigure(results))}
<h2>Cost (wall seconds)</h2>
${rowsToHtml(costTable(results))}
<h2>Every row</h2>
<p>aBEND weighs member m by exp(acc_val(m)/τ), τ chosen on val; top-k ranks members by val. Val also sets the weights and ranks, so it
slightly favours small τ and k; test is only reported.</p>
${rowsToHtml(methodsTable(results))}`);
}
