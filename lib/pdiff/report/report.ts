/** A self-contained HTML report of a p-diff run: tables and plotly charts, plotly.js inlined (works offline). */
import type { PdiffResults } from '../results';
import { accuracyDistributionFigure, lossCurvesFigure, noveltyScatterFigure } from './figures';
import { figureHtml, reportPage } from '../../viz/plotly-html';
import { accuracyTable, noveltyTable, samplerTable, timingTable } from './tables';
import { rowsToHtml } from '../../viz/table';
import { pctText } from '../../viz/format';

export function renderReport(results: PdiffResults): string {
  const g = results.generated;
  const o = results.originals;
  const summary = `Generated (val-selected) ${pctText(g.valSelectedTest)}% vs best original ${pctText(o.best)}%; ` +
    `generated median ${pctText(g.median)}% vs originals' median ${pctText(o.median)}%.`;
  return reportPage(`p-diff ${results.preset} seed ${results.seed}`, `<h1>p-diff — preset <code>${results.preset}</code>, seed ${results.seed}</h1>
<p>Dataset ${results.dataset}; subset ${results.subset.patterns.join(', ')} (${results.subset.size} parameters); backend ${results.backend}.</p>
<p><b>${summary}</b></p>
<h2>Test accuracy (%)</h2>
${rowsToHtml(accuracyTable(results))}
<p>Weight average of the originals: test ${pctText(results.baselines.weightAverage.test)}%.
Generated models identical to an original (IoU = 1): ${results.novelty.identicalToAnOriginal} of ${g.count}.</p>
${figureHtml('accuracy', accuracyDistributionFigure(results))}
<h2>Samplers: the generated models drawn by DDPM and DDIM</h2>
<p>One trained diffusion model, one sampling seed; the run's own sampler gave the <code>generated</code> population above.</p>
${rowsToHtml(samplerTable(results))}
<h2>Novelty: max IoU of wrong test predictions against the originals</h2>
${rowsToHtml(noveltyTable(results))}
${figureHtml('novelty', noveltyScatterFigure(results))}
${figureHtml('losses', lossCurvesFigure(results))}
<h2>Wall time (s)</h2>
${rowsToHtml(timingTable(results))}`);
}
