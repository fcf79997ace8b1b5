import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadEmbeddedMnistSplits } from '../lib/data/mnist';
import { subsetDataset } from '../lib/data/splits';
import { createModel } from '../lib/models/registry';
import { fitDualPca, pcaDecode, pcaEncode } from '../lib/pdiff/whole/dual-pca';
import { alignWholeZoo } from '../lib/pdiff/whole/align';
import { WholeEvaluator } from '../lib/pdiff/whole/evaluate';
import { permutationSpecFor } from '../lib/params/permutation-spec';
import { InputError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';
import { maxAbsDiff } from './helpers/backends';
import { TOGETHER_TOLERANCE } from './helpers/together';
import { collectWholeSeeds, defaultWholeSeedsConfig, loadWholeSeeds, WHOLE_BUFFERS_DIR, type WholeSeedsConfig } from '../lib/zoo/whole-seeds';

const full = loadEmbeddedMnistSplits(0);
const data = { ...full, train: subsetDataset(full.train, Array.from({ length: 1000 }, (_, i) => i)) };
const mlp = { kind: 'mlp' as const, config: { hidden: [8] } };
function squaredDistance(set: { dim: number; data: Float32Array }, i: number, j: number): number {
  let s = 0;
  for (let d = 0; d < set.dim; d++) s += (set.data[i * set.dim + d] - set.data[j * set.dim + d]) ** 2;
  return s;
}
const zooConfig = (members: number): WholeSeedsConfig => ({ ...defaultWholeSeedsConfig, members, train: { ...defaultWholeSeedsConfig.train, epochs: 1 } });

describe('zoo/whole-seeds', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whole-seeds-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a run killed after member 2 continues with member 3 and ends with the zoo of an uninterrupted run', function () {
    this.timeout(60_000);
    const trained: number[] = [];
    assert.throws(() => collectWholeSeeds(mlp, data, zooConfig(4), dir, (_, step) => {
      trained.push(step);
      if (step === 2) throw new Error('killed');
    }), /killed/);
    assert.equal(loadWholeSeeds(dir).members.length, 2);
    const zoo = collectWholeSeeds(mlp, data, zooConfig(4), dir, (_, step) => trained.push(step));
    assert.deepEqual(trained, [1, 2, 3, 4]);
    const straight = collectWholeSeeds(mlp, data, zooConfig(4), path.join(dir, 'straight'));
    assert.deepEqual(zoo.params, straight.params);
    assert.deepEqual(zoo.members, straight.members);
    assert.deepEqual(zoo.members.map((m) => m.seed), [1000, 1001, 1002, 1003]);
    assert.ok(zoo.members.every((m) => m.test > 0.4 && m.val > 0.4), JSON.stringify(zoo.members)); // 8 steps: 44–59%
    assert.equal(zoo.buffers, null, 'an MLP has no BN statistics');
    assert.equal(fs.existsSync(path.join(dir, WHOLE_BUFFERS_DIR)), false);
    assert.throws(() => collectWholeSeeds({ kind: 'mlp', config: { hidden: [9] } }, data, zooConfig(4), dir), InputError);
  });

  it('keeps each ConvNet-S member\'s BN statistics beside its parameters; aligned members compute the same functions, closer to the reference', function () {
    this.timeout(60_000);
    const spec = { kind: 'convnet-s' as const, config: { channels: [4, 4, 8] as [number, number, number] } };
    const zoo = collectWholeSeeds(spec, data, zooConfig(3), dir);
    assert.deepEqual(zoo.bufferManifest!.entries.map((e) => e.name).slice(0, 2), ['bn1/running_mean', 'bn1/running_var']);
    assert.deepEqual(loadWholeSeeds(dir).buffers, zoo.buffers);
    const model = createModel(spec, 0);
    const evaluator = new WholeEvaluator(model, zoo, data, { probeImages: 50, calibrationImages: 100 });
    const aligned = alignWholeZoo(zoo, permutationSpecFor(model), { referenceIndex: 0, maxIter: 100, seed: 0 });
    const before = evaluator.measure(zoo);
    const after = evaluator.measure(aligned);
    assert.deepEqual(before.test, zoo.members.map((m) => m.test));
    assert.deepEqual(after.test, before.test);
    after.probes.data.forEach((p, i) => assert.ok(Math.abs(p - before.probes.data[i]) < 1e-5));
    assert.ok(aligned.distance.after < aligned.distance.before, JSON.stringify(aligned.distance));
    evaluator.dispose();
    model.dispose();
  });

  it('MergeMany of the training members keeps every function, brings them closer to each other, and matches the held-out member to their mean', function () {
    this.timeout(60_000);
    const spec = { kind: 'convnet-s' as const, config: { channels: [4, 4, 8] as [number, number, number] } };
    const zoo = collectWholeSeeds(spec, data, zooConfig(4), dir);
    const model = createModel(spec, 0);
    const evaluator = new WholeEvaluator(model, zoo, data, { probeImages: 50, calibrationImages: 100 });
    const permutations = permutationSpecFor(model);
    const cache = path.join(dir, 'aligned');
    const options = { referenceIndex: 0, maxIter: 100, seed: 0 };
    const toReference = alignWholeZoo(zoo, permutations, options, cache);
    const merged = alignWholeZoo(zoo, permutations, { ...options, mergeMany: [0, 1, 2] }, cache);
    assert.equal(fs.readdirSync(cache).length, 2, 'each alignment has its own cached copy');
    assert.deepEqual(alignWholeZoo(zoo, permutations, { ...options, mergeMany: [0, 1, 2] }, cache).params, merged.params, 'reloaded');
    const before = evaluator.measure(zoo);
    const after = evaluator.measure(merged);
    assert.deepEqual(after.test, before.test);
    after.probes.data.forEach((p, i) => assert.ok(Math.abs(p - before.probes.data[i]) < 1e-5));
    const pairs = (set: { dim: number; data: Float32Array }) => [[0, 1], [0, 2], [1, 2]].reduce((s, [i, j]) => s + squaredDistance(set, i, j), 0);
    assert.ok(pairs(merged.params) < pairs(toReference.params), `${pairs(merged.params)} vs ${pairs(toReference.params)}`);
    const mean = Float32Array.from({ length: zoo.params.dim }, (_, d) => ((merged.params.data[d] + merged.params.data[zoo.params.dim + d]) + merged.params.data[2 * zoo.params.dim + d]) / 3);
    assert.ok(maxAbsDiff(merged.target, mean) < 1e-6, 'the target is the merged members\' mean');
    assert.deepEqual(toReference.target, zoo.params.data.slice(0, zoo.params.dim), 'without MergeMany, the reference member');
    evaluator.dispose();
    model.dispose();
  });

  it('members trained 2 at once are those trained one after another, and a zoo resumes with another modelsAtOnce', function () {
    this.timeout(60_000);
    const spec = { kind: 'convnet-s' as const, config: { channels: [4, 4, 8] as [number, number, number] } };
    const config = { ...zooConfig(3), modelsAtOnce: 2 };
    // Killed after member 2: the first group (members 1 and 2, trained together) is saved.
    assert.throws(() => collectWholeSeeds(spec, data, config, dir, (_, step) => {
      if (step === 2) throw new Error('killed');
    }), /killed/);
    const zoo = collectWholeSeeds(spec, data, { ...config, modelsAtOnce: 1 }, dir);
    const straight = collectWholeSeeds(spec, data, zooConfig(3), path.join(dir, 'one-at-a-time'));
    assert.deepEqual(zoo.members.map((m) => [m.seed, m.steps]), straight.members.map((m) => [m.seed, m.steps]));
    assert.ok(maxAbsDiff(zoo.params.data, straight.params.data) <= TOGETHER_TOLERANCE, `params: ${maxAbsDiff(zoo.params.data, straight.params.data)}`);
    assert.ok(maxAbsDiff(zoo.buffers!.data, straight.buffers!.data) <= TOGETHER_TOLERANCE, 'BN statistics');
    zoo.members.forEach((m, i) => assert.ok(Math.abs(m.test - straight.members[i].test) <= 0.005, `member ${i}: ${m.test} vs ${straight.members[i].test}`));
    assert.throws(() => collectWholeSeeds(spec, data, { ...config, modelsAtOnce: 0 }, dir), /zoo.modelsAtOnce must be an integer ≥ 1, got 0/);
  });
});

describe('pdiff/whole/dual-pca', () => {
  it('decodes the fitted rows exactly, with unit-variance coefficients; fewer components keep the most variance', () => {
    const rng = new Rng(0);
    const n = 12;
    const dim = 300;
    const data = Float32Array.from({ length: n * dim }, (_, i) => rng.normal() * (1 + (i % dim) / 30));
    const set = { count: n, dim, data };
    const pca = fitDualPca(set, null);
    assert.equal(pca.axes.length, n - 1);
    const coefficients = pcaEncode(pca, set);
    for (let i = 0; i < coefficients.dim; i++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += coefficients.data[r * coefficients.dim + i] ** 2 / n;
      assert.ok(Math.abs(s - 1) < 1e-4, `axis ${i}: variance ${s}`);
    }
    const back = pcaDecode(pca, coefficients);
    back.data.forEach((v, i) => assert.ok(Math.abs(v - data[i]) < 1e-4 * (1 + Math.abs(data[i]))));
    const three = fitDualPca(set, 3);
    assert.deepEqual(three.scale, pca.scale.slice(0, 3));
    assert.throws(() => fitDualPca({ count: 1, dim, data: data.slice(0, dim) }, null), InputError);
  });
});
