import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { DataSplits, ImageDataset } from '../lib/data/dataset';
import { findMethod, preset, report, run as runBend, type BendConfig, type BendResults } from '../lib/bend';
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
/** Out-of-distribution images: faint noise, no band lit. */
function noise(n: number, seed: number): ImageDataset {
  const rng = new Rng(seed);
  return { name: 'noise', images: Float32Array.from({ length: n * 144 }, () => 0.1 * rng.normal()), labels: new Int32Array(n), shape: [12, 12, 1], numClasses: 10 };
}
const ood = noise(40, 4);
/** The tiny p-diff recipe of the other runner tests, 8 members, a deep ensemble of 2. */
const tiny: BendConfig = {
  ...preset('standard'),
  pdiff: tinyConfig,
  members: 8,
  ensembleSizes: [1, 2, 4, 8],
  calibrationSizes: [4, 8],
  topKGrid: [2, 4],
  noiseSigmas: [0.01],
  deepEnsemble: { size: 2, seedOffset: 100, modelsAtOnce: 1 },
};

const freshDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'paramdiff-bend-'));
const run = (dir = freshDir(), resume: 'collection' | 'run' = 'collection', config = tiny, oodImages = ood): BendResults =>
  runBend(config, data, { outDir: dir, resume, ood: oodImages });
/** The results without the wall seconds, which differ from run to run. */
const timeless = (r: BendResults) => r.methods.map(({ cost: _cost, ...m }) => m);

describe('BEND runner (tiny end-to-end run)', () => {
  let first: BendResults;
  let second: BendResults;
  /** The directory of a whole-run ('run' mode) BEND run, re-used by a later test. */
  const runDir = freshDir();
  before(() => {
    first = run();
    second = run(runDir, 'run');
  });

  it('reports the curve, the results table, the sweeps, diversity, OOD and cost', () => {
    const r = first;
    assert.equal(r.experiment, 'bend');
    assert.deepEqual(r.counts, { generated: 8, originals: 6, deepEnsemble: 2 });
    assert.deepEqual(r.zoo, { recipe: 'trajectory', members: 6, training: 4, heldOut: 2 });
    assert.deepEqual(r.ood, { dataset: 'noise', images: 40, inDistribution: 80 });
    assert.deepEqual(r.curve.sizes, [1, 2, 4, 8]);
    for (const series of [r.curve.sbend, r.curve.abend, r.curve.vote, r.curve.zooPlusSbend]) {
      assert.equal(series.test.length, 4);
      for (const v of [...series.val, ...series.test]) assert.ok(v >= 0 && v <= 1, `${v}`);
    }
    assert.ok(r.curve.abend.tau.every((t) => tiny.tauGrid.includes(t)));
    const methods = r.methods.map((m) => `${m.method}/${m.members}`);
    for (const name of ['sBEND/4', 'aBEND/4', 'vote/4', 'zoo + sBEND/10', 'sBEND/8', 'aBEND/8', 'vote/8', 'zoo + sBEND/14', 'zoo ensemble/6',
      'weight average/1', 'noise copies σ=0.01/8', 'zoo + noise copies σ=0.01/14', 'deep ensemble (full networks)/2',
      'original: best single/1', 'original: median single/1', 'generated: val-selected single/1', 'generated: median single/1']) {
      assert.ok(methods.includes(name), `${name} in ${methods.join(', ')}`);
    }
    for (const m of r.methods) {
      for (const s of [m.val, m.test]) assert.ok(s.nll >= 0 && s.ece >= 0 && s.ece <= 1 && s.accuracy >= 0 && s.accuracy <= 1 && s.brier >= 0 && s.brier <= 2, m.method);
      assert.ok(m.ood.msp >= 0 && m.ood.msp <= 1 && m.ood.entropy >= 0 && m.ood.entropy <= 1, m.method);
      assert.ok(m.cost.total > 0 && m.cost.extra >= 0, `${m.method}: cost ${JSON.stringify(m.cost)}`);
    }
    assert.match(findMethod(r.methods, 'zoo ensemble').detail, /snapshot ensemble of the 6 trajectory snapshots/);
    assert.deepEqual(r.tauSweep.tau, [...tiny.tauGrid].sort((a, b) => b - a));
    assert.deepEqual(r.topKSweep.k, [2, 4]);
    assert.equal(r.diversity.generated.pairs, 28);
    assert.equal(r.diversity.originals.pairs, 15);
    assert.equal(r.diversity.deepEnsemble.pairs, 1);
    assert.equal(r.diversity.zooPlusGenerated.pairs, (14 * 13) / 2);
    assert.equal(r.cost.deepEnsemble.train.length, 2);
    const b = r.cost.bend;
    assert.ok(Math.abs(b.total - (b.collect + b.autoencoder + b.diffusion + b.sample)) < 1e-9);
    assert.equal(findMethod(r.methods, 'zoo ensemble').cost.total, b.collect);
    assert.equal(findMethod(r.methods, 'deep ensemble (full networks)').cost.total, r.cost.deepEnsemble.total);
    assert.ok(Math.abs(findMethod(r.methods, 'sBEND', 8).cost.total - b.total) < 1e-9);
    assert.deepEqual(r.cost.resumedStages, []);
    const best = findMethod(r.methods, 'original: best single');
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
    assert.equal(findMethod(r.methods, 'original: best single').test.accuracy, Math.max(...r.singles.originals.test));
    const index = r.singles.generated.val.indexOf(Math.max(...r.singles.generated.val));
    assert.equal(findMethod(r.methods, 'generated: val-selected single').test.accuracy, r.singles.generated.test[index]);
    assert.equal(findMethod(r.methods, 'sBEND', 8).test.accuracy, r.curve.sbend.test[3]);
    assert.equal(findMethod(r.methods, 'zoo + sBEND', 14).test.accuracy, r.curve.zooPlusSbend.test[3]);
    assert.equal(r.paper.sbend, r.curve.sbend.test[3]);
    const sorted = [...r.singles.originals.test].sort((a, b) => a - b);
    assert.equal(r.paper.original.median, (sorted[2] + sorted[3]) / 2);
  });

  it('two runs with the same seed give identical results', () => {
    assert.deepEqual(timeless(second), timeless(first));
    assert.deepEqual(second.curve, first.curve);
    assert.deepEqual(second.diversity, first.diversity);
    assert.deepEqual(second.singles, first.singles);
  });

  it("a re-run in a finished run's directory reuses every generator stage, gives the same results and leaves no tensors behind", () => {
    const before = tf.memory().numTensors;
    const again = run(runDir, 'run');
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual(again.cost.resumedStages, ['collect', 'autoencoder', 'diffusion']);
    assert.deepEqual(timeless(again), timeless(first));
    assert.deepEqual(again.curve, first.curve);
  });

  it('renders a self-contained report with the verdict, the tables and the charts', () => {
    const html = report.renderReport(first);
    assert.ok((html.match(/<table>/g)?.length ?? 0) >= 7);
    assert.match(html, /The paper&#39;s claim|The paper's claim/);
    assert.ok((html.match(/Plotly\.newPlot\(/g)?.length ?? 0) >= 4);
    assert.doesNotMatch(html, /<script src=/);
  });

  it('the verdict lines carry the run\'s own numbers', () => {
    const { paper } = first;
    const line = report.paperVerdict(first);
    assert.ok(line.includes(`sBEND ${(100 * paper.sbend).toFixed(2)}%`), line);
    const beaten = [paper.original.mean, paper.original.median, paper.generated.mean, paper.generated.median].filter((a) => paper.sbend > a).length;
    assert.ok(line.includes(beaten === 4 ? 'sBEND' : `beats ${beaten} of 4`), line);
    const zoo = findMethod(first.methods, 'zoo ensemble');
    const plus = findMethod(first.methods, 'zoo + sBEND', 14);
    const d = 100 * (plus.test.accuracy - zoo.test.accuracy);
    const sign = Number(Math.abs(d).toFixed(2)) === 0 ? '±' : d > 0 ? '+' : '−';
    assert.ok(report.zooVerdict(first)[0].includes(`M = 8: ${sign}${Math.abs(d).toFixed(2)} points`), report.zooVerdict(first)[0]);
    assert.ok(report.diversityVerdict(first).includes(first.diversity.generated.disagreement.toFixed(4)));
    assert.equal(report.verdict(first).length, 5);
  });

  it('on a seeds zoo the zoo ensemble is the deep ensemble of its independently trained members', () => {
    // Shown its own test images as the "OOD" images, no model can tell them apart: every AUROC is exactly ½.
    const r = run(freshDir(), 'collection', { ...tiny, pdiff: { ...tinyConfig, zoo: 'seeds' } }, data.test);
    for (const m of r.methods) assert.deepEqual(m.ood, { msp: 0.5, entropy: 0.5 }, m.method);
    assert.deepEqual(r.zoo, { recipe: 'seeds', members: 6, training: 4, heldOut: 2 });
    const zoo = findMethod(r.methods, 'zoo ensemble');
    assert.equal(zoo.members, 6);
    assert.match(zoo.detail, /deep ensemble of the 6 independently trained zoo members/);
    assert.equal(findMethod(r.methods, 'zoo + sBEND', 14).members, 14);
    // Independent members disagree more than the snapshots of one trajectory a few steps apart.
    assert.ok(r.diversity.originals.disagreement > first.diversity.originals.disagreement,
      `${r.diversity.originals.disagreement} vs ${first.diversity.originals.disagreement}`);
    assert.match(report.zooVerdict(r)[0], /vs the deep ensemble of the same 6 independently trained zoo members/);
  });
});
