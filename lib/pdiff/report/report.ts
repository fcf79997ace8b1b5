/** A self-contained HTML report of a p-diff run: tables and plotly charts, plotly.js inlined (works offline). */
import type { PdiffResults } from '../results';
import { accuracyDistributionFigure, lossCurvesFigure, noveltyFrontFigure, noveltyScatterFigure } from './figures';
import { figureHtml, reportPage } from '../../viz/plotly-html';
import { accuracyTable, auditTable, copyingTestTable, noveltyTable, samplerTable, timingTable } from './tables';
import { rowsToHtml } from '../../viz/table';
import { copyingVerdict } from './audit-summary';
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
${auditSection(results)}
${figureHtml('losses', lossCurvesFigure(results))}
<h2>Wall time (s)</h2>
${rowsToHtml(timingTable(results))}`);
}

/** Is it memorising? The copying audit against the held-out members, or why there is none. */
function auditSection(results: PdiffResults): string {
  if (!results.audit) return '<h2>Is it memorising?</h2>\n<p>No copying audit: no zoo members were held out (audit.holdOutEvery = 0).</p>';
  const { zoo } = results;
  return `<h2>Is it memorising? The copying audit</h2>
<p>${zoo.heldOut} of the ${zoo.members} zoo members (${zoo.recipe}) were held out: fresh models the generator never saw.
Nearest-neighbour distances to the ${zoo.training} training members, test accuracy (%):</p>
${rowsToHtml(auditTable(results))}
<p>The data-copying test (Meehan et al. 2020): C_T &lt; 0 when generated models lie closer to the training zoo than fresh ones do.
${results.audit.notes.join('; ')}.</p>
${rowsToHtml(copyingTestTable(results))}
<p><b>${copyingVerdict(results)}</b></p>
${figureHtml('front', noveltyFrontFigure(results))}`;
}
