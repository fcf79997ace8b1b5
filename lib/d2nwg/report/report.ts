/** A self-contained HTML report of a D2NWG run: tables and plotly charts, plotly.js inlined (works offline). */
import type { D2nwgResults } from '../results';
import { fineTuneFigure, lossesFigure, methodsFigure, noveltyFigure, taskFigure } from './figures';
import { fineTuneTable, generatorTable, methodsTable, taskTable, timingTable } from './tables';
import { figureHtml, reportPage } from '../../viz/plotly-html';
import { rowsToHtml } from '../../viz/table';

export function renderReport(results: D2nwgResults): string {
  return reportPage(`D2NWG ${results.preset} seed ${results.seed}`, `<h1>D2NWG — preset <code>${results.preset}</code>, seed ${results.seed}</h1>
<p>Backend ${results.backend}.</p>
<h2>Generator</h2>
${rowsToHtml(generatorTable(results))}
${figureHtml('losses', lossesFigure(results))}
<h2>Unseen tasks</h2>
<p>Conditions come from each task's training split only; each method's head is selected on the task's val split; test is only reported.</p>
${rowsToHtml(methodsTable(results))}
${figureHtml('methods', methodsFigure(results))}
${figureHtml('novelty', noveltyFigure(results))}
<h2>Fine-tuning</h2>
${rowsToHtml(fineTuneTable(results))}
${figureHtml('fine-tune', fineTuneFigure(results))}
<h2>Per task (mean test accuracy, %)</h2>
${rowsToHtml(taskTable(results))}
${figureHtml('tasks', taskFigure(results))}
<h2>Wall seconds</h2>
${rowsToHtml(timingTable(results))}`);
}
