/** A self-contained HTML report of a D2NWG run: tables and plotly charts, plotly.js inlined (works offline). */
import type { D2nwgResults } from '../results';
import { d2nwgFineTuneFigure, d2nwgLossFigure, d2nwgMethodsFigure, d2nwgNoveltyFigure, d2nwgTaskFigure } from './figures';
import { d2nwgFineTuneTable, d2nwgGeneratorTable, d2nwgMethodsTable, d2nwgTaskTable, d2nwgTimingTable } from './tables';
import { figureHtml, reportPage } from '../../viz/plotly-html';
import { rowsToHtml } from '../../viz/table';

export function renderD2nwgReport(results: D2nwgResults): string {
  return reportPage(`D2NWG ${results.preset} seed ${results.seed}`, `<h1>D2NWG — preset <code>${results.preset}</code>, seed ${results.seed}</h1>
<p>Backend ${results.backend}.</p>
<h2>Generator</h2>
${rowsToHtml(d2nwgGeneratorTable(results))}
${figureHtml('losses', d2nwgLossFigure(results))}
<h2>Unseen tasks</h2>
<p>Conditions come from each task's training split only; each method's head is selected on the task's val split; test is only reported.</p>
${rowsToHtml(d2nwgMethodsTable(results))}
${figureHtml('methods', d2nwgMethodsFigure(results))}
${figureHtml('novelty', d2nwgNoveltyFigure(results))}
<h2>Fine-tuning</h2>
${rowsToHtml(d2nwgFineTuneTable(results))}
${figureHtml('fine-tune', d2nwgFineTuneFigure(results))}
<h2>Per task (mean test accuracy, %)</h2>
${rowsToHtml(d2nwgTaskTable(results))}
${figureHtml('tasks', d2nwgTaskFigure(results))}
<h2>Wall seconds</h2>
${rowsToHtml(d2nwgTimingTable(results))}`);
}
