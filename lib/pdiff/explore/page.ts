/**
 * The explorer as one self-contained HTML file: plotly.js, the page script (./browser/main.ts
 * bundled by esbuild with tfjs and the library code it runs) and the run's data, all inlined, so
 * the page works offline and from file://.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { plotlySource } from '../../viz/plotly-html';
import type { ExploreData } from './data';

/** The page script: browser/main.ts (or the compiled .js under dist/) with everything it imports. */
export function pageScript(): string {
  // Required here, not imported: only building a page needs esbuild.
  const esbuild = require('esbuild') as typeof import('esbuild');
  const dir = path.join(__dirname, 'browser');
  const entry = ['main.ts', 'main.js'].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
  if (!entry) throw new Error(`the explorer's page script is missing from ${dir}`);
  const out = esbuild.buildSync({
    entryPoints: [entry], bundle: true, write: false, format: 'iife', platform: 'browser', target: 'es2020', minify: true,
    legalComments: 'none', logLevel: 'silent',
  });
  return out.outputFiles[0].text;
}

/** JSON or a script as the body of a <script> element: `</` must not close it early. */
const inScript = (text: string) => text.replace(/<\/(script)/gi, '<\\/$1');

const STYLE = `body{font-family:system-ui,sans-serif;margin:1em 2em;color:#222}
#main{display:flex;gap:1.5em;align-items:flex-start}#map-box{position:relative}
#panel{min-width:330px;max-width:380px}#panel h3{margin:1em 0 .3em}
.big{font-size:2em;font-weight:600}.dim{color:#666;font-size:.9em}
#cursor{position:absolute;width:14px;height:14px;margin:-9px 0 0 -9px;border:2px solid #d62728;border-radius:50%;pointer-events:none;display:none}
label{display:block;margin:.3em 0}input[type=number]{width:5em}button{margin:.3em .3em 0 0}`;

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page's markup; ids are what browser/main.ts looks up. */
function body(data: ExploreData): string {
  const run = { ...data.run, dir: escapeHtml(data.run.dir), layers: data.run.layers.map(escapeHtml) };
  return `<h2>p-diff latent space: ${escapeHtml(run.preset)}, seed ${run.seed}, ${run.dataset}</h2>
<p class="dim">${run.dir} · subset ${run.layers.join(', ')} · probe set: first ${data.probe.labels.length} val images.
Press and drag on the map: the point is lifted to a latent, decoded and scored. Points snap to a model within 6 px.</p>
<div id="main"><div id="map-box"><div id="map" style="width:720px;height:600px"></div><div id="cursor"></div></div>
<div id="panel">
<div>probe accuracy</div><div id="accuracy" class="big">…</div>
<div id="source" class="dim"></div>
<h3>nearest original (function space)</h3><div id="nearest"></div>
<div id="latency" class="dim"></div>
<h3>tool</h3>
<label><input type="radio" name="tool" value="probe" checked> probe: click / drag</label>
<label><input type="radio" name="tool" value="path"> path: click two points</label>
<h3>denoise from here</h3>
<label>noise level t <input id="noise" type="range" min="1" max="${data.denoiser.timesteps - 1}" value="${Math.round(data.denoiser.timesteps / 5)}"> <span id="noise-value"></span></label>
<label>DDIM steps <input id="steps" type="number" min="1" max="200" value="10"> seed <input id="seed" type="number" value="0"></label>
<button id="denoise">denoise from here</button><button id="clear">clear path and trajectory</button>
<div id="denoise-info" class="dim"></div>
</div></div>
<div id="path-chart" style="width:720px;height:300px"></div>`;
}

/** The page for `data`. */
export function explorePage(data: ExploreData): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>p-diff latent explorer: ${escapeHtml(data.run.preset)}, seed ${data.run.seed}</title>
<style>${STYLE}</style>
<script>${inScript(plotlySource())}</script></head><body>
${body(data)}
<script type="application/json" id="explore-data">${inScript(JSON.stringify(data))}</script>
<script>${inScript(pageScript())}</script>
</body></html>
`;
}
