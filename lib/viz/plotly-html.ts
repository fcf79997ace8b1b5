/** Plotly figures as HTML: plotly.js itself (inlined, so pages work offline) and a div + script per figure. */
import * as fs from 'node:fs';
import type { Figure } from './figure';

/** The source of plotly.js (the dist-min bundle; it sets window.Plotly). */
export function plotlySource(): string {
  return fs.readFileSync(require.resolve('plotly.js-dist-min/plotly.min.js'), 'utf8');
}

/**
 * A div and the script that draws `figure` into it with the page's plotly.js. With `staticSvg`
 * the div holds that image, which the interactive figure replaces only where plotly.js runs:
 * without scripts (an untrusted notebook, a code host's viewer, HTML without JavaScript) the image
 * stays. The script finds its div by id, or as its own previous sibling while the output is not
 * attached to the page yet (front ends may run an output's scripts before inserting it), and waits
 * until it is attached.
 */
export function figureHtml(id: string, figure: Figure, staticSvg?: string): string {
  // JSON in a <script> must not close the tag early.
  const json = JSON.stringify(figure).replace(/</g, '\\u003c');
  const image = staticSvg === undefined ? ''
    : `<img alt="${escapeAttribute(figureTitle(figure))}" src="data:image/svg+xml;base64,${Buffer.from(staticSvg).toString('base64')}">`;
  return `<div id="${id}" class="figure">${image}</div>
<script>(function () {
  var el = document.getElementById(${JSON.stringify(id)}) || (document.currentScript && document.currentScript.previousElementSibling);
  var fig = ${json};
  function draw(tries) {
    if (!window.Plotly) { if (!el.firstChild) el.textContent = 'plotly.js is not loaded: run the notebook from a fresh kernel.'; return; }
    if (!el.isConnected && tries < 100) { setTimeout(function () { draw(tries + 1); }, 50); return; }
    el.textContent = '';
    Plotly.newPlot(el, fig.data, fig.layout, {responsive: true});
  }
  draw(0);
})();</script>`;
}

/** A figure's title, or 'figure'. */
export const figureTitle = (figure: Figure): string => String((figure.layout.title as { text?: string } | undefined)?.text ?? 'figure');

const escapeAttribute = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

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
