// The committed notebooks exported to HTML without executing them (what a code host's viewer or
// `jupyter nbconvert --to html` shows) and opened in Chromium with JavaScript disabled: every chart
// must be drawn as an image and every table present. Needs Debian's jupyter-nbconvert and chromium
// (CI installs both); skipped where either is missing.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath } from '../lib/viz/chromium';
import { tmpDirs } from './helpers/tmp-dirs';

const PYTHON = process.env.JUPYTER_PYTHON ?? '/usr/bin/python3';
const dir = path.join(__dirname, '..', 'notebooks');
const notebooks = fs.readdirSync(dir).filter((f) => f.endsWith('.ipynb')).sort();
const dirs = tmpDirs('notebooks-html');

interface Output { data?: Record<string, unknown> }

/** Charts and tables the notebook's outputs hold. */
function expected(file: string): { charts: number; tables: number } {
  const nb = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { cells: { outputs?: Output[] }[] };
  const outputs = nb.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.data);
  return {
    charts: outputs.filter((o) => 'application/vnd.plotly.v1+json' in o.data!).length,
    tables: outputs.filter((o) => String(o.data!['text/html'] ?? '').includes('<table')).length,
  };
}

describe('committed notebooks without JavaScript', function () {
  this.timeout(300_000);
  let browser: Browser | undefined;
  let out = '';

  before(async function () {
    const nbconvert = spawnSync(PYTHON, ['-m', 'jupyter', 'nbconvert', '--version'], { encoding: 'utf8' });
    const executablePath = chromiumPath();
    if (nbconvert.status !== 0 || !executablePath) {
      console.log(`    skipped: needs ${PYTHON} with jupyter-nbconvert and chromium`);
      this.skip();
    }
    out = dirs.make();
    const run = spawnSync(PYTHON, ['-m', 'jupyter', 'nbconvert', '--log-level', 'WARN', '--to', 'html', '--output-dir', out,
      ...notebooks.map((f) => path.join(dir, f))], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
  });

  after(async () => {
    await browser?.close();
    dirs.cleanup();
  });

  for (const file of notebooks) {
    it(`${file}: every chart drawn as an image, every table present`, async () => {
      const want = expected(file);
      const page = await browser!.newPage({ javaScriptEnabled: false });
      try {
        // Offline: only the page itself may load.
        await page.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
        await page.goto(pathToFileURL(path.join(out, file.replace(/\.ipynb$/, '.html'))).href, { waitUntil: 'load' });
        const charts = await page.$$eval('div.figure[id^="paramdiff-"]', (divs) => divs.map((d) => {
          const img = d.querySelector('img');
          return img ? img.naturalWidth : 0;
        }));
        assert.equal(charts.length, want.charts, 'one figure div per chart');
        assert.ok(charts.every((width) => width > 0), `charts not drawn as images: ${charts.filter((w) => w === 0).length}`);
        const tables = await page.$$eval('table', (t) => t.length);
        assert.ok(want.tables > 0 && tables >= want.tables, `${want.tables} tables expected, ${tables} found`);
      } finally {
        await page.close();
      }
    });
  }
});
