// The explorer page of a real (smoke) p-diff run: built from the run directory, opened in headless
// Chromium with the network cut off, driven with the mouse. The reference accuracies come from the
// library in Node (pipeline reloaded on the directory, evaluateVectors on the same probe images).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { chromium } from 'playwright-core';
import { evaluateVectors } from '../lib/eval/evaluate-vectors';
import { computeFeatures } from '../lib/eval/features';
import { createModel } from '../lib/models';
import { fromFloats, type ExploreData } from '../lib/pdiff/explore/data';
import { buildExplorePage, Explorer, readFinishedRun } from '../lib/pdiff/explore';
import { loadData, PDiffPipeline, pdiffSeeds, preset, run } from '../lib/pdiff';
import type { VectorSet } from '../lib/params/types';
import { RESULTS_FILE, RUN_FILE } from '../lib/util/run-dir';
import { maxAbsDiff } from './helpers/backends';
import { tmpDirs } from './helpers/tmp-dirs';

const PROBES = 300;
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** What the page reports per update (lib/pdiff/explore/browser/main.ts). */
interface Update { label: string; point: [number, number]; correct: number; computeMs: number; totalMs: number }

/** Correct probe answers of each original's reconstruction and the decoded vectors, from the library in Node. */
function nodeReference(runDir: string): { correct: number[]; decoded: VectorSet } {
  const { config } = readFinishedRun(runDir);
  const data = loadData(config);
  const model = createModel(config.collect.model, pdiffSeeds(config.seed).init);
  const pipeline = new PDiffPipeline(config, { outDir: runDir });
  try {
    const { split, manifest } = pipeline.collect(model, data);
    const decoded = pipeline.fit().decode(pipeline.latents);
    const probe = { ...data.val, images: data.val.images.subarray(0, PROBES * 784), labels: data.val.labels.subarray(0, PROBES) };
    const features = computeFeatures(split, probe);
    const { accuracy } = evaluateVectors(model, split, manifest, decoded, features, probe.labels);
    features.dispose();
    return { correct: accuracy.map((a) => Math.round(a * PROBES)), decoded };
  } finally {
    pipeline.dispose();
    model.dispose();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe('explore: the latent space page of a p-diff run', function () {
  this.timeout(600_000);
  const dirs = tmpDirs('explore');
  let runDir: string;
  let pageFile: string;
  let reference: ReturnType<typeof nodeReference>;

  before(() => {
    runDir = dirs.make();
    const config = preset('smoke');
    fs.writeFileSync(path.join(runDir, RESULTS_FILE), JSON.stringify(run(config, loadData(config), { outDir: runDir })));
    reference = nodeReference(runDir);
    pageFile = path.join(dirs.make(), 'explore.html');
    const bytes = buildExplorePage(runDir, pageFile, { probeImages: PROBES });
    console.log(`      page: ${(bytes / 1e6).toFixed(2)} MB`);
  });
  after(() => dirs.cleanup());

  it('refuses a directory that is not a finished p-diff run, naming what is missing', () => {
    const dir = (files: Record<string, string>) => {
      const d = dirs.make();
      for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(d, name), text);
      return d;
    };
    const runJson = fs.readFileSync(path.join(runDir, RUN_FILE), 'utf8');
    const results = (experiment: string) => JSON.stringify({ experiment });
    const cases: [string, RegExp][] = [
      [dir({}), /is not a p-diff run: it has no run\.json/],
      [dir({ [RUN_FILE]: runJson }), /is not a finished p-diff run: it has no results\.json/],
      [dir({ [RUN_FILE]: runJson, [RESULTS_FILE]: results('d2nwg'), 'vae.safetensors': '' }), /is a D2NWG run \(it holds vae\.safetensors\)/],
      [dir({ [RUN_FILE]: runJson, [RESULTS_FILE]: results('bend') }), /holds a bend run \(results\.json says experiment "bend"\)/],
      [dir({ [RUN_FILE]: runJson, [RESULTS_FILE]: results('pdiff') }), /no autoencoder-state\.safetensors, diffusion-state\.safetensors, zoo/],
      [path.join(runDir, RUN_FILE), /is not a directory/],
    ];
    for (const [d, message] of cases) assert.throws(() => readFinishedRun(d), message);
  });

  it('the CLI says so and exits with 1', () => {
    const d2nwg = dirs.make();
    fs.mkdirSync(path.join(d2nwg, 'task-zoo'));
    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'lib/cli/explore.ts', '--run', d2nwg], { encoding: 'utf8', cwd: path.join(__dirname, '..') });
    assert.equal(cli.status, 1);
    assert.match(cli.stderr, /error: .* is a D2NWG run \(it holds task-zoo\)/);
  });

  it('carries the run: the page\'s decoder and head give the library\'s reconstructions (Node, same backend)', () => {
    const html = fs.readFileSync(pageFile, 'utf8');
    const data = JSON.parse(html.match(/<script type="application\/json" id="explore-data">(.*?)<\/script>/s)![1]) as ExploreData;
    assert.deepEqual(data.populations.map((p) => [p.name, p.points.length]),
      [['originals', 8], ['generated', 20], ['held-out', 2], ['noise σ=0.001', 8], ['noise σ=0.01', 8], ['noise σ=0.05', 8]]);
    assert.deepEqual(data.reference.reconstructedProbeAccuracy.map((a) => Math.round(a * PROBES)), reference.correct);
    const explorer = new Explorer(data);
    try {
      const tensors = tf.memory().numTensors;
      const latents = fromFloats(data.populations[0].latents);
      const decoded = explorer.decode(latents, 8);
      assert.ok(maxAbsDiff(decoded.data, reference.decoded.data) < 1e-5);
      assert.deepEqual(explorer.score(decoded).correct, reference.correct);
      const frames = explorer.denoise(latents.slice(0, explorer.latentDim), 1, 200, 10, 0);
      assert.equal(frames.length, 11); // x_t, then one x per DDIM step
      assert.ok(frames.at(-1)!.every((v) => Math.abs(v) <= data.sampler.clip!));
      assert.equal(tf.memory().numTensors, tensors);
    } finally {
      explorer.dispose();
    }
  });

  it('runs offline in Chromium: an original\'s point shows its reconstruction\'s accuracy, dragging updates the readout', async () => {
    const browser = await chromium.launchPersistentContext(dirs.make(), {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, viewport: { width: 1200, height: 1000 },
    });
    const fileUrl = pathToFileURL(pageFile).href;
    const requested: string[] = [];
    const errors: string[] = [];
    try {
      await browser.route('**', (route) => (route.request().url() === fileUrl ? route.continue() : (requested.push(route.request().url()), route.abort())));
      const page = await browser.newPage();
      page.on('pageerror', (err) => errors.push(err.message));
      await page.goto(fileUrl);
      await page.waitForFunction('window.explore && (window.explore.ready || window.explore.error)', undefined, { timeout: 120_000 });
      assert.equal(await page.evaluate('window.explore.error'), undefined);
      const updates = async () => (await page.evaluate('window.explore.updates')) as Update[];
      const pixelOf = async (population: string, i: number) =>
        (await page.evaluate(`window.explore.pixelOf(${JSON.stringify(population)}, ${i})`)) as { clientX: number; clientY: number };

      // (a) Each original's own point: its latent, decoded in the page, scores as the run's reconstruction.
      for (let k = 0; k < reference.correct.length; k++) {
        const p = await pixelOf('originals', k);
        await page.mouse.click(p.clientX, p.clientY);
        const last = (await updates()).at(-1)!;
        assert.equal(last.label, `originals #${k}`);
        assert.equal(last.correct, reference.correct[k], `original ${k}: the page shows ${last.correct}/${PROBES}, Node ${reference.correct[k]}/${PROBES}`);
        const vector = (await page.evaluate('window.explore.lastVector()')) as number[];
        const row = reference.decoded.data.subarray(k * reference.decoded.dim, (k + 1) * reference.decoded.dim);
        assert.ok(maxAbsDiff(vector, row) < 1e-4, `original ${k}: decoded parameters differ by ${maxAbsDiff(vector, row)}`);
      }

      // (b) A drag across the map, between two far originals: one update per move, from lifted points.
      const before = (await updates()).length;
      const [a, b] = [await pixelOf('originals', 0), await pixelOf('originals', 7)];
      await page.mouse.move(a.clientX + 8, a.clientY + 8);
      await page.mouse.down();
      for (let i = 1; i <= 30; i++) await page.mouse.move(a.clientX + 8 + ((b.clientX - a.clientX - 16) * i) / 30, a.clientY + 8 + ((b.clientY - a.clientY - 16) * i) / 30);
      await page.mouse.up();
      const drag = (await updates()).slice(before);
      assert.ok(drag.length >= 25, `${drag.length} updates for 31 pointer events`);
      assert.ok(drag.filter((u) => u.label === 'lifted point').length >= 20);
      assert.ok(new Set(drag.map((u) => u.point.join())).size >= 20);
      const all = await updates();
      console.log(`      update latency, input → readout (ms), ${all.length} updates: median ${median(all.map((u) => u.totalMs)).toFixed(1)}, ` +
        `max ${Math.max(...all.map((u) => u.totalMs)).toFixed(1)}; decode + score median ${median(all.map((u) => u.computeMs)).toFixed(1)}`);
      console.log(`      drag: ${drag.map((u) => u.totalMs.toFixed(0)).join(' ')}`);

      // The path tool between two originals, then "denoise from here".
      await page.check('input[value=path]');
      await page.mouse.click(a.clientX, a.clientY);
      await page.mouse.click(b.clientX, b.clientY);
      await page.waitForSelector('#path-chart g.trace', { timeout: 30_000 });
      await page.click('#denoise');
      const denoised = (await updates()).at(-1)!;
      assert.match(denoised.label, /^denoised from originals #7 at t = \d+$/);
      if (process.env.EXPLORE_SCREENSHOT) await page.screenshot({ path: process.env.EXPLORE_SCREENSHOT, fullPage: true });
      assert.deepEqual(errors, []);
      assert.deepEqual(requested, [], 'the page asked for something besides itself');
    } finally {
      await browser.close();
    }
  });
});
