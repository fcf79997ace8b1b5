/** A self-contained HTML report of a D2NWG run: tables and plotly charts, plotly.js inlined (works offline). */
import type { D2nwgResults } from '../experiments/d2nwg-results';
import { d2nwgFineTuneFigure, d2nwgMethodsFigure } from './d2nwg-figures';
import { d2nwgFineTuneTable, d2nwgMethodsTable, d2nwgTaskTable, d2nwgTimingTable } from './d2nwg-tables';
import { figureHtml, plotlySource } from './plotly-html';
import { rowsToHtml } from './tables';

export function renderD2nwgReport(results: D2nwgResults): string {
  const { zoo, vae, alignment } = results;
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>D2NWG ${results.preset} seed ${results.seed}</title>
<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
th{background:#f3f3f3}.figure{margin:1em 0}</style>
<script>${plotlySource()}</script></head><body>
<h1>D2NWG — preset <code>${results.preset}</code>, seed ${results.seed}</h1>
<p>Backend ${results.backend}. Zoo: ${zoo.trainTasks} training tasks, ${zoo.heads} heads (mean val accuracy ${(100 * zoo.meanHeadValAccuracy).toFixed(2)}%);
frozen extractor 20-class val accuracy ${(100 * zoo.extractorValAccuracy).toFixed(2)}%. VAE row reconstruction: relative MSE ${vae.relativeMse.toExponential(2)}.
Alignment: diagonal accuracy ${alignment.accuracy.initial.train.toFixed(3)} → ${alignment.accuracy.final.train.toFixed(3)} (chance ${alignment.chance.train.toExponential(1)}).</p>
<h2>Unseen tasks</h2>
<p>Conditions come from each task's training split only; each method's head is selected on the task's val split; test is only reported.</p>
${rowsToHtml(d2nwgMethodsTable(results))}
${figureHtml('methods', d2nwgMethodsFigure(results))}
<h2>Fine-tuning</h2>
${rowsToHtml(d2nwgFineTuneTable(results))}
${figureHtml('fine-tune', d2nwgFineTuneFigure(results))}
<h2>Per task (mean test accuracy, %)</h2>
${rowsToHtml(d2nwgTaskTable(results))}
<h2>Wall seconds</h2>
${rowsToHtml(d2nwgTimingTable(results))}
</body></html>
`;
}
