import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { DataSplits, ImageDataset } from '../lib/data/dataset';
import { preset, report, run as runBend, type BendConfig, type BendResults } from '../lib/bend';
import { Rng } from '../lib/util/rng';
import { tinyConfig } from './helpers/tiny-pdiff';

function blobs(n: number, seed: number): ImageDataset {
  const rng = new Rng(seed);
  const labels = Int32Array.from({ length: n }, () => rng.int(10));
  const images = new Float32Array(n * 144);
  labels.forEach((c, i) => {
    for (let p = 0; p < 144; p++) images[i * 144 + p] = rng.normal() + (Math.floor(p / 14.4) === c ? 1.3 : 0);
  });
  return { name: 'blobs', images, labels, shape: [12, 12, 1], numClasses: 10 };
}

/** Noisier than tinyData() so the tiny models are far from perfect (≈ 70% test accuracy). */
const data: DataSplits = { train: blobs(160, 1), val: blobs(60, 2), test: blobs(80, 3) };
/** The tiny p-diff recipe of the other runner tests, 8 members, a deep ensemble of 2. */
const tiny: BendConfig = {
  ...preset('standard'),
  pdiff: tinyConfig,
  members: 8,
  ensembleSizes: [1, 2, 4, 8],
  calibrationSizes: [4, 8],
  topKGrid: [2, 4],
  deepEnsemble: { size: 2, seedOffset: 100 },
};

const freshDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'paramdiff-bend-'));
const run = (dir = freshDir(), resume: 'collection' | 'run' = 'collection'): BendResults => runBend(tiny, data, { outDir: dir, resume });

describe('BEND runner (tiny end-to-end run)', () => {
  let first: BendResults;
  let second: BendResults;
  /** The directory of a whole-run ('run' mode) BEND run, re-used by a later test. */
  const runDir = freshDir();
  before(() => {
    first = run();
    second = run(runDir, 'run');
  });

  it('reports the curve, the results table, the sweeps, diversity and cost', () => {
    const r = first;
    assert.equal(r.experiment, 'bend');
    assert.deepEqual(r.counts, { generated: 8, originals: 6, deepEnsemble: 2 });
    assert.deepEqual(r.curve.sizes, [1, 2, 4, 8]);
    for (const series of [r.curve.sbend, r.curve.abend, r.curve.vote]) {
      assert.equal(series.test.length, 4);
      for (const v of [...series.val, ...series.test]) assert.ok(v >= 0 && v <= 1, `${v}`);
    }
    assert.ok(r.curve.abend.tau.every((t) => tiny.tauGrid.includes(t)));
    const methods = r.methods.map((m) => `${m.method}/${m.members}`);
    for (const name of ['sBEND/4', 'aBEND/4', 'vote/4', 'sBEND/8', 'aBEND/8', 'vote/8', 'snapshot ensemble/6', 'deep ensemble/2',
      'original: best single/1', 'generated: val-selected single/1']) {
      assert.ok(methods.includes(name), `${name} in ${methods.join(', ')}`);
    }
    for (const m of r.methods) {
      for (const s of [m.val, m.test]) assert.ok(s.nll >= 0 && s.ece >= 0 && s.ece <= 1 && s.accuracy >= 0 && s.accuracy <= 1, m.method);
    }
    assert.deepEqual(r.tauSweep.tau, [...tiny.tauGrid].sort((a, b) => b - a));
    assert.deepEqual(r.topKSweep.k, [2, 4]);
    assert.equal(r.diversity.generated.pairs, 28);
    assert.equal(r.diversity.originals.pairs, 15);
    assert.equal(r.diversity.deepEnsemble.pairs, 1);
    assert.equal(r.cost.deepEnsemble.train.length, 2);
    const b = r.cost.bend;
    assert.ok(Math.abs(b.total - (b.collect + b.autoencoder + b.diffusion + b.sample)) < 1e-9);
    assert.deepEqual(r.cost.resumedStages, []);
    const best = r.methods.find((m) => m.method === 'original: best single')!;
    assert.ok(best.test.accuracy > 0.5 && best.test.accuracy < 1, `${best.test.accuracy}: the task is neither trivial nor chance`);
    assert.ok(r.timings.total >= b.total + r.cost.deepEnsemble.total);
  });

  it('sBEND and vote of one member are that member; the single-model rows match the member accuracies', () => {
    const r = first;
    for (const part of ['val', 'test'] as const) {
      assert.equal(r.curve.sbend[part][0], r.singles.generated[part][0]);
      assert.equal(r.curve.vote[part][0], r.singles.generated[part][0]);
      assert.equal(r.curve.abend[part][0], r.singles.generated[part][0]);
    }
    const best = r.methods.find((m) => m.method === 'original: best single')!;
    assert.equal(best.test.accuracy, Math.max(...r.singles.originals.test));
    const selected = r.methods.find((m) => m.method === 'generated: val-selected single')!;
    const index = r.singles.generated.val.indexOf(Math.max(...r.singles.generated.val));
    assert.equal(selected.test.accuracy, r.singles.generated.test[index]);
    const sbend8 = r.methods.find((m) => m.method === 'sBEND' && m.members === 8)!;
    assert.equal(sbend8.test.accuracy, r.curve.sbend.test[3]);
  });

  it('two runs with the same seed give identical results', () => {
    assert.deepEqual(second.methods, first.methods);
    assert.deepEqual(second.curve, first.curve);
    assert.deepEqual(second.diversity, first.diversity);
    assert.deepEqual(second.singles, first.singles);
  });

  it("a re-run in a finished run's directory reuses every generator stage, gives the same results and leaves no tensors behind", () => {
    const before = tf.memory().numTensors;
    const again = run(runDir, 'run');
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual(again.cost.resumedStages, ['collect', 'autoencoder', 'diffusion']);
    assert.deepEqual(again.methods, first.methods);
    assert.deepEqual(again.curve, first.curve);
  });

  it('renders a self-contained report with the tables and the accuracy-vs-M chart', () => {
    const html = report.renderReport(first);
    assert.ok((html.match(/<table>/g)?.length ?? 0) >= 3);
    assert.match(html, /sBEND/);
    assert.ok((html.match(/Plotly\.newPlot\(/g)?.length ?? 0) >= 1);
    assert.doesNotMatch(html, /<script src=/);
  });
});
