import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { DataSplits, ImageDataset } from '../lib/data/dataset';
import { pdiffPreset, runPdiff, type PdiffConfig, type PdiffResults } from '../lib/experiments';
import { Rng } from '../lib/util/rng';
import { renderPdiffReport } from '../lib/viz';

function blobs(n: number, seed: number): ImageDataset {
  const rng = new Rng(seed);
  const labels = Int32Array.from({ length: n }, () => rng.int(10));
  const images = new Float32Array(n * 144);
  labels.forEach((c, i) => {
    for (let p = 0; p < 144; p++) images[i * 144 + p] = rng.normal() * 0.5 + (Math.floor(p / 14.4) === c ? 1.5 : 0);
  });
  return { name: 'blobs', images, labels, shape: [12, 12, 1], numClasses: 10 };
}

const data: DataSplits = { train: blobs(160, 1), val: blobs(40, 2), test: blobs(40, 3) };
const standard = pdiffPreset('standard');
/** The standard recipe shrunk to seconds: every stage runs, on tiny shapes. */
const tiny: PdiffConfig = {
  ...standard,
  preset: 'tiny',
  collect: { ...standard.collect, train: { ...standard.collect.train, epochs: 4, batchSize: 16 }, finetuneBatchSize: 16, snapshots: 6, saveEvery: 3 },
  autoencoderTrain: { ...standard.autoencoderTrain, steps: 30, logEvery: 10 },
  schedule: { ...standard.schedule, steps: 100 },
  denoiser: { channels: [8, 16] },
  diffusionTrain: { ...standard.diffusionTrain, steps: 30, logEvery: 10 },
  sampler: { ...standard.sampler, kind: 'ddim', steps: 10 },
  generated: 8,
  noiseSigmas: [0.01],
};

const run = (): PdiffResults => runPdiff(data, tiny, fs.mkdtempSync(path.join(os.tmpdir(), 'paramdiff-pdiff-')), 'test');

describe('p-diff runner (tiny end-to-end run)', () => {
  let first: PdiffResults;
  before(() => { first = run(); });

  it('reports every population with the schema of the design doc', () => {
    const r = first;
    assert.equal(r.experiment, 'pdiff');
    assert.deepEqual(r.subset.layers, ['bn3/weight', 'bn3/bias', 'fc/weight', 'fc/bias']);
    assert.equal(r.subset.size, 778);
    assert.deepEqual([r.originals.count, r.reconstructed.count, r.generated.count], [6, 6, 8]);
    for (const s of [r.originals, r.reconstructed, r.generated]) {
      for (const v of [s.best, s.mean, s.median, s.valSelectedTest]) assert.ok(v >= 0 && v <= 1, `${v}`);
      assert.ok(s.best >= s.median && s.median >= s.min);
    }
    assert.equal(r.populations.generated.maxIoU.length, 8);
    assert.ok(r.novelty.maxIoU.min <= r.novelty.maxIoU.mean && r.novelty.maxIoU.mean <= r.novelty.maxIoU.max);
    assert.deepEqual(Object.keys(r.baselines.noise), ['0.01']);
    assert.ok(r.baselines.weightAverage.test >= 0);
    assert.ok(r.training.baseModel.test > 0.3, `base model test accuracy ${r.training.baseModel.test}`);
    assert.ok(r.timings.total >= r.timings.collect + r.timings.autoencoder + r.timings.diffusion);
    assert.ok(r.training.autoencoderLoss.at(-1)!.loss < r.training.autoencoderLoss[0].loss, 'the autoencoder learns');
  });

  it('two runs with the same seed give identical accuracies', () => {
    const second = run();
    for (const name of Object.keys(first.populations)) {
      assert.deepEqual(second.populations[name].test, first.populations[name].test, name);
      assert.deepEqual(second.populations[name].val, first.populations[name].val, name);
    }
  });

  it('leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    run();
    assert.equal(tf.memory().numTensors, before);
  });

  it('renders a self-contained report with tables and plotly charts', () => {
    const html = renderPdiffReport(first);
    assert.match(html, /<table>/);
    assert.equal(html.match(/Plotly\.newPlot\(/g)?.length, 3);
    assert.ok(html.length > 1_000_000, 'plotly.js is inlined');
    assert.doesNotMatch(html, /<script src=/);
  });
});
