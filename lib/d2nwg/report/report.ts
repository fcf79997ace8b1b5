/** A self-contained HTML report of a D2NWG run: tables and plotly charts, plotly.js inlined (works offline). */
import type { D2nwgResults } from '../results';
import { TASK_NOVELTIES } from '../task-zoo/tasks';
import { fineTuneFigure, lossesFigure, methodsFigure, noveltyFigure, taskFigure } from './figures';
import { fineTuneTable, generatorTable, groupLabel, kindsTable, methodsTable, selectionTable, taskTable, timingTable } from './tables';
import { figureHtml, reportPage } from '../../viz/plotly-html';
import { rowsToHtml } from '../../viz/table';

export function renderReport(results: D2nwgResults): string {
  const scale = `one seed (${results.seed}), ${results.preset} scale`;
  const kinds = TASK_NOVELTIES.filter((n) => results.summary.byNovelty[n])
    .map((n) => `<h3>${groupLabel(n)} (${results.summary.byNovelty[n]!.tasks} tasks)</h3>\n${rowsToHtml(methodsTable(results, n))}`).join('\n');
  return reportPage(`D2NWG ${results.preset} seed ${results.seed}`, `<h1>D2NWG — preset <code>${results.preset}</code>, seed ${results.seed}</h1>
<p>Backend ${results.backend}.</p>
<h2>Protocol</h2>
<p>Every choice is made on the val splits of training tasks (below); a held-out task's shots (${(results.config.shots as number)} per class) come
from its training split; each method's head is picked by its fit to the shots ("shot-selected"); picking by the task's val split is an
oracle column (it uses labels a few-shot user does not have); fine-tuning uses the shots only; test is only reported.</p>
${rowsToHtml(selectionTable(results))}
<h2>Generator</h2>
${rowsToHtml(generatorTable(results))}
${figureHtml('losses', lossesFigure(results))}
<h2>Held-out tasks (${scale})</h2>
<p>Test accuracy (%): mean ± standard deviation over tasks, 95% t-interval of the mean.</p>
<h3>${groupLabel('all')} (${results.summary.all.tasks} tasks)</h3>
${rowsToHtml(methodsTable(results))}
${kinds}
<h3>Mean over heads by kind of task</h3>
${rowsToHtml(kindsTable(results))}
${figureHtml('methods', methodsFigure(results))}
${figureHtml('novelty', noveltyFigure(results))}
<h2>Fine-tuning on the shots</h2>
${rowsToHtml(fineTuneTable(results))}
${figureHtml('fine-tune', fineTuneFigure(results))}
<h2>Per task (mean test accuracy, %)</h2>
${rowsToHtml(taskTable(results))}
${figureHtml('tasks', taskFigure(results))}
<h2>Wall seconds</h2>
${rowsToHtml(timingTable(results))}`);
}
