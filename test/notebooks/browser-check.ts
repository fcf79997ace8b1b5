/**
 * The real-browser check of executed notebooks: opens each notebook exported to HTML in headless
 * Chromium with the network cut off (everything must load from the file itself), waits for every
 * plotly figure to draw, fails unless each drew an SVG chart and no script threw, and saves a
 * full-page screenshot next to the HTML.
 *
 *   tsx test/notebooks/browser-check.ts build/notebooks/pdiff.html build/notebooks/latent-explorer.html
 *
 * CHROMIUM overrides the browser (default /usr/bin/chromium, Debian's `chromium` package).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS } from '../../lib/viz/chromium';

/** Figures the notebook's HTML outputs hold: one div per figure (see lib/viz/plotly-html.ts). */
function expectedFigures(html: string): number {
  return html.match(/<div id="paramdiff-[0-9a-f]+" class="figure">/g)?.length ?? 0;
}

async function check(browser: Browser, file: string): Promise<void> {
  const started = performance.now();
  const expected = expectedFigures(fs.readFileSync(file, 'utf8'));
  if (expected === 0) throw new Error(`${file}: no plotly figure in the exported notebook`);
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  // Offline: only the file itself may load (the notebook must carry plotly.js).
  await page.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
  await page.goto(pathToFileURL(path.resolve(file)).href, { waitUntil: 'load' });
  const figures = 'div.figure[id^="paramdiff-"]';
  // Evaluated in the page (a string, since this file is not compiled against the DOM's types).
  const allDrawn = `[...document.querySelectorAll('${figures}')].every((d) => d.querySelector('svg.main-svg'))`;
  await page.waitForFunction(allDrawn, undefined, { timeout: 60_000 })
    .catch(() => undefined); // counted below, with a message naming what is missing
  const drawn = await page.$$eval(figures, (divs) => divs.map((d) => ({
    id: d.id,
    svg: d.querySelectorAll('svg.main-svg').length,
    traces: d.querySelectorAll('g.trace').length,
  })));
  const screenshot = file.replace(/\.html$/, '.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  await page.close();
  const blank = drawn.filter((d) => d.svg === 0 || d.traces === 0);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`${file}: ${drawn.length - blank.length}/${expected} figures drawn, ${errors.length} script errors, ${seconds} s; screenshot ${screenshot}`);
  if (drawn.length !== expected || blank.length > 0) {
    throw new Error(`${file}: ${expected} figures expected, ${drawn.length} found, not drawn: ${blank.map((d) => d.id).join(', ') || 'none'}`);
  }
  if (errors.length > 0) throw new Error(`${file}: script errors in the page:\n${errors.join('\n')}`);
}

async function main(): Promise<void> {
  const files = process.argv.slice(2);
  if (files.length === 0) throw new Error('usage: browser-check.ts NOTEBOOK.html...');
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
  try {
    for (const file of files) await check(browser, file);
  } finally {
    await browser.close();
  }
}

main().catch((err: Error) => {
  console.error(`browser check failed: ${err.message}`);
  process.exitCode = 1;
});
