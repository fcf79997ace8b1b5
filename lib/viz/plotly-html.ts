/** Plotly figures as HTML: plotly.js itself (inlined, so pages work offline) and a div + script per figure. */
import * as fs from 'node:fs';
import type { Figure } from './figure';

/** The source of plotly.js (the dist-min bundle; it sets window.Plotly). */
export function plotlySource(): string {
  return fs.readFileSync(require.resolve('plotly.js-dist-min/plotly.min.js'), 'utf8');
}

/**
 * A div and the script that draws `figure` into it with the page's plotly.js. The script finds its
 * div by id, or as its own previous sibling while the output is not attached to the page yet
 * (front ends may run an output's scripts before inserting it), and waits until it is attached.
 */
export function figureHtml(id: string, figure: Figure): string {
  // JSON in a <script> must not close the tag early.
  const json = JSON.stringify(figure).replace(/</g, '\\u003c');
  return `<div id="${id}" class="figure"></div>
<script>(function () {
  var el = document.getElementById(${JSON.stringify(id)}) || (document.currentScript && document.currentScript.previousElementSibling);
  var fig = ${json};
  function draw(tries) {
    if (!window.Plotly) { el.textContent = 'plotly.js is not loaded: run the notebook from a fresh kernel.'; return; }
    if (!el.isConnected && tries < 100) { setTimeout(function () { draw(tries + 1); }, 50); return; }
    Plotly.newPlot(el, fig.data, fig.layout, {responsive: true});
  }
  draw(0);
})();</script>`;
}

/** A self-contained HTML page: the reports' shared style and plotly.js inlined (works offline); `body` is HTML. */
export function reportPage(title: string, body: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${title}</title>
<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
th{background:#f3f3f3}.figure{margin:1em 0}</style>
<script>${plotlySource()}</script></head><body>
${body}
</body></html>
`;
}
