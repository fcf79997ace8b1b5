/**
 * Draws plotly figures to SVG in headless Chromium: reads `{ figures, executablePath }` as JSON on
 * stdin, writes the SVG documents as a JSON array on stdout. A child process so that a notebook's
 * synchronous display call can wait for it (see static-figure.ts).
 */
import { chromium } from 'playwright-core';
import type { Figure } from './figure';
import { CHROMIUM_ARGS } from './chromium';
import { plotlySource } from './plotly-html';
import { FIGURE_SIZE, type StaticRequest } from './static-figure';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function main(): Promise<void> {
  const request = JSON.parse(await readStdin()) as StaticRequest;
  const browser = await chromium.launch({ executablePath: request.executablePath, args: CHROMIUM_ARGS, headless: true });
  try {
    const page = await browser.newPage();
    await page.setContent('<!doctype html><html><body></body></html>');
    await page.addScriptTag({ content: plotlySource() });
    const svgs: string[] = [];
    for (const figure of request.figures) svgs.push(await page.evaluate(toSvg, { figure, size: FIGURE_SIZE }));
    process.stdout.write(JSON.stringify(svgs));
  } finally {
    await browser.close();
  }
}

/** Runs in the page: plotly's own SVG export at the figure's height (or the default) and the default width. */
async function toSvg({ figure, size }: { figure: Figure; size: { width: number; height: number } }): Promise<string> {
  const plotly = (globalThis as unknown as { Plotly: { toImage(f: object, o: object): Promise<string> } }).Plotly;
  const height = typeof figure.layout.height === 'number' ? figure.layout.height : size.height;
  const width = typeof figure.layout.width === 'number' ? figure.layout.width : size.width;
  const url = await plotly.toImage({ data: figure.data, layout: figure.layout }, { format: 'svg', width, height });
  return decodeURIComponent(url.slice(url.indexOf(',') + 1));
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exitCode = 1;
});
