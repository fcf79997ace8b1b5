import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { report, run as runPdiff, type PdiffConfig, type PdiffResults } from '../lib/pdiff';
import { defaultRecipesGrid } from '../lib/pdiff/config';
import { tinyConfig, tinyData } from './helpers/tiny-pdiff';

const run = (config: PdiffConfig = tinyConfig): PdiffResults => runPdiff(config, tinyData, { outDir: fs.mkdtempSync(path.join(os.tmpdir(), 'paramdiff-pdiff-')) });

describe('p-diff runner (tiny end-to-end run)', () => {
  let first: PdiffResults;
  before(() => { first = run(); });

  it('reports every population with the schema of the design doc', () => {
    const r = first;
    assert.equal(r.experiment, 'pdiff');
    assert.deepEqual(r.subset.layers, ['bn3/weight', 'bn3/bias', 'fc/weight', 'fc/bias']);
    assert.equal(r.subset.size, 778);
    // K = 6 members, every third held out: 4 train the generator (the originals), 2 are fresh for the audit.
    assert.deepEqual(r.zoo, { recipe: 'trajectory', members: 6, training: 4, heldOut: 2 });
    assert.deepEqual([r.originals.count, r.reconstructed.count, r.generated.count, r.populations['held-out'].summary.count], [4, 4, 8, 2]);
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

  it('samples the generated models with full DDPM and 50-step DDIM side by side', () => {
    const { samplers, timings } = first;
    assert.deepEqual(samplers.map((s) => [s.label, s.steps, s.isGenerated]), [['DDPM, 100 steps', 100, false], ['DDIM, 50 steps, η = 0', 50, false]]);
    for (const s of samplers) {
      assert.equal(s.summary.count, 8);
      assert.ok(s.summary.best >= s.summary.median && s.summary.median >= s.summary.min && s.summary.min >= 0 && s.summary.best <= 1, s.label);
      assert.ok(s.maxIoU.min <= s.maxIoU.mean && s.maxIoU.mean <= s.maxIoU.max && s.maxIoU.max <= 1, s.label);
      assert.ok(s.seconds.sample > 0 && s.seconds.evaluate > 0, s.label);
    }
    assert.ok(timings.samplers >= samplers[0].seconds.sample + samplers[1].seconds.sample);
    assert.ok(timings.total >= timings.collect + timings.autoencoder + timings.diffusion + timings.sample + timings.evaluate + timings.samplers);
  });

  it('two runs with the same seed give identical accuracies; a compared sampler equal to the run\'s reuses generated', () => {
    const { seed: _seed, ...own } = tinyConfig.sampler;
    const second = run({ ...tinyConfig, samplerComparison: [first.samplers[0].sampler, own] });
    for (const name of Object.keys(first.populations)) {
      assert.deepEqual(second.populations[name].test, first.populations[name].test, name);
      assert.deepEqual(second.populations[name].val, first.populations[name].val, name);
    }
    assert.deepEqual(second.samplers[0], { ...first.samplers[0], seconds: second.samplers[0].seconds }, 'DDPM: same samples from the same seed');
    assert.deepEqual(second.samplers.map((s) => s.isGenerated), [false, true]);
    assert.deepEqual(second.samplers[1].summary, second.generated);
  });

  it('refuses a DDIM comparison with more steps than the schedule before any work', () => {
    const ddim = { kind: 'ddim' as const, steps: 500, eta: 0, clip: 1 };
    assert.throws(() => run({ ...tinyConfig, samplerComparison: [ddim] }), /samplerComparison: DDIM steps must be an integer in \[1, 100\].*got 500/);
  });

  it('audits copying against the held-out members in weight and function space', () => {
    const audit = first.audit!;
    assert.deepEqual(audit.counts, { training: 4, heldOut: 2, generated: 8 });
    for (const space of ['weight', 'function'] as const) {
      assert.deepEqual(Object.keys(audit.nearest[space]), ['held-out', 'generated', 'noise σ=0.01', 'noise σ=0.3', 'weight average', 'interpolation']);
      const nn = audit.nearest[space].generated;
      assert.ok(nn.min <= nn.median && nn.median <= nn.max && nn.min >= 0, space);
      assert.equal(audit.copying[space].cells.length, 2);
    }
    // Bigger noise moves a copy farther from the zoo in both spaces.
    assert.ok(audit.nearest.weight['noise σ=0.3'].min > audit.nearest.weight['noise σ=0.01'].max);
    assert.ok(audit.nearest.function['noise σ=0.3'].median > audit.nearest.function['noise σ=0.01'].median);
    assert.equal(audit.points.generated.length, 8);
    assert.ok(audit.front.front.length >= 1 && audit.front.front.every((p) => p.label !== 'held-out' && p.label !== 'generated'));
    assert.deepEqual(audit.points.generated.map((p) => p.accuracy), first.populations.generated.test);
  });

  it('learns from a seeds zoo: independently trained members on one trunk, the same audit', () => {
    const seeds = run({ ...tinyConfig, zoo: 'seeds' });
    assert.deepEqual(seeds.zoo, { recipe: 'seeds', members: 6, training: 4, heldOut: 2 });
    assert.equal(seeds.training.baseModel.test, first.training.baseModel.test, 'the same trunk');
    assert.ok(seeds.populations.originals.summary.mean > 0.3, `members learn: ${seeds.populations.originals.summary.mean}`);
    // Independent members make different mistakes than a trajectory's snapshots do.
    assert.ok(seeds.novelty.originalsVsOriginals.mean < first.novelty.originalsVsOriginals.mean);
    assert.ok(seeds.audit !== null);
  });

  it('learns from a recipes zoo: the seeds zoo\'s members, each with its own learning rate and weight decay', () => {
    assert.deepEqual(defaultRecipesGrid(0.01).map((g) => [g.lr, g.weightDecay]), [[0.005, 0], [0.005, 5e-4], [0.01, 0], [0.01, 5e-4], [0.02, 0], [0.02, 5e-4]]);
    const recipes = run({ ...tinyConfig, zoo: 'recipes' });
    const seeds = run({ ...tinyConfig, zoo: 'seeds' });
    assert.deepEqual(recipes.zoo, { recipe: 'recipes', members: 6, training: 4, heldOut: 2 });
    assert.equal(recipes.training.baseModel.test, seeds.training.baseModel.test, 'the same trunk');
    // Same seeds, other settings: other members.
    assert.notDeepEqual(recipes.populations.originals.test, seeds.populations.originals.test);
    assert.ok(recipes.populations.originals.summary.mean > 0.2, `members learn (chance 0.1): ${recipes.populations.originals.summary.mean}`);
  });

  it('refuses a held-out fraction that leaves fewer than two models, and an unknown zoo recipe, before any work', () => {
    assert.throws(() => run({ ...tinyConfig, audit: { ...tinyConfig.audit, holdOutEvery: 5 } }), /holding out every 5th of 6 zoo members leaves 1 held out; the audit needs at least 2/);
    assert.throws(() => run({ ...tinyConfig, zoo: 'seedz' as 'seeds' }), /zoo must be one of trajectory, seeds, recipes, got "seedz"/);
  });

  it('leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    run();
    assert.equal(tf.memory().numTensors, before);
  });

  it('renders a self-contained report with tables and plotly charts', () => {
    const html = report.renderReport(first);
    assert.match(html, /<table>/);
    assert.match(html, /Samplers: the generated models drawn by DDPM and DDIM/);
    assert.match(html, /<td>DDIM, 50 steps, η = 0<\/td>/);
    assert.equal(html.match(/Plotly\.newPlot\(/g)?.length, 4);
    assert.match(html, /Is it memorising\? The copying audit/);
    assert.ok(html.length > 1_000_000, 'plotly.js is inlined');
    assert.doesNotMatch(html, /<script src=/);
  });
});
