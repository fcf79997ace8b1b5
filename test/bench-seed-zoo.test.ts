import { strict as assert } from 'node:assert';
import type { BackendInfo } from '../lib/backend';
import { benchText } from '../lib/bench/record';
import { runSeedZoo, summarizeSeedZoo, defaultSeedZooConfig, type SeedZooRun, type SeedZooSummary } from '../lib/bench/seed-zoo';
import { seedZooAccuracyRows, seedZooNotes, seedZooRecord, seedZooWallRows, type SeedZooBenchInputs } from '../lib/bench/seed-zoo-record';
import { parseSeedZooReference } from '../lib/bench/seed-zoo-reference';
import { loadEmbeddedMnistSplits } from '../lib/data/mnist';
import { subsetDataset } from '../lib/data/splits';
import { FileFormatError } from '../lib/util/errors';
import { maxAbsDiff } from './helpers/backends';

const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

/** Two members on 2 classes: A right everywhere, B right on half; they differ on test examples 0 and 3. */
const probabilities = {
  val: [Float32Array.from([0.3, 0.7, 0.6, 0.4]), Float32Array.from([0.6, 0.4, 0.6, 0.4])],
  test: [Float32Array.from([0.9, 0.1, 0.2, 0.8, 0.6, 0.4, 0.3, 0.7]), Float32Array.from([0.4, 0.6, 0.1, 0.9, 0.7, 0.3, 0.8, 0.2])],
};
const labels = { val: Int32Array.from([1, 0]), test: Int32Array.from([0, 1, 0, 1]) };
const ours = summarizeSeedZoo(probabilities, labels, 2, [1000, 1001], [30, 32], 70);

/** What peer_seed_zoo.py writes (percent), trimmed to the fields read and one it has that we ignore. */
const peerJson = {
  workload: 'seed-zoo', n: 2,
  wall_s: { total: 20, per_model_mean: 10 },
  models: [{ seed: 1000, train_s: 9, val: 80, test: 70 }, { seed: 1001, train_s: 9.5, val: 70, test: 80 }],
  test: { mean: 75 },
  deep_ensemble: { members: 2, test_acc: 77.5, test_nll: 0.6 },
  pairwise_test_disagreement_mean: 0.25,
};
const ref = parseSeedZooReference('peer.json', JSON.stringify(peerJson));
const run: SeedZooRun = { config: { ...defaultSeedZooConfig, models: 2 }, steps: [1000, 1000], summary: ours };
const backend: BackendInfo = { name: 'native', provider: 'paramdiff native addon', skipped: [] };

describe('bench seed-zoo', () => {
  it('summarises per-model accuracy, the soft-vote ensemble, its NLL and the pairwise disagreement', () => {
    assert.deepEqual(ours.models.map((m) => [m.seed, m.val, m.test]), [[1000, 1, 1], [1001, 0.5, 0.5]]);
    assert.deepEqual([ours.val, ours.test], [{ mean: 0.75, std: 0.25 }, { mean: 0.75, std: 0.25 }]);
    // Mean softmax [.65 .35 | .15 .85 | .65 .35 | .55 .45]: predicts 0, 1, 0, 0.
    assert.equal(ours.ensemble.accuracy, 0.75);
    close(ours.ensemble.nll, -(Math.log(0.65) + Math.log(0.85) + Math.log(0.65) + Math.log(0.45)) / 4);
    assert.equal(ours.disagreement, 0.5);
    assert.deepEqual([ours.wall, ours.trainPerModel], [{ total: 70, perModel: 35 }, 31]);
    assert.equal(summarizeSeedZoo({ val: probabilities.val.slice(0, 1), test: probabilities.test.slice(0, 1) }, labels, 2, [7], [1], 1).disagreement, 0);
    assert.throws(() => summarizeSeedZoo(probabilities, labels, 2, [1000], [30], 70), /1 seeds, 2 val and 2 test outputs/);
  });

  it('reads the peer\'s JSON into the same summary, percent turned into fractions', () => {
    assert.deepEqual(ref.models, [{ seed: 1000, trainSeconds: 9, val: 0.8, test: 0.7 }, { seed: 1001, trainSeconds: 9.5, val: 0.7, test: 0.8 }]);
    close(ref.test.mean, 0.75);
    close(ref.test.std, 0.05);
    assert.deepEqual([ref.wall, ref.trainPerModel, ref.disagreement], [{ total: 20, perModel: 10 }, 9.25, 0.25]);
    close(ref.ensemble.accuracy, 0.775);
    assert.throws(() => parseSeedZooReference('peer.json', JSON.stringify({ ...peerJson, deep_ensemble: { test_acc: 77.5 } })),
      (e: Error) => e instanceof FileFormatError && /test_nll/.test(e.message));
    assert.throws(() => parseSeedZooReference('peer.json', JSON.stringify({ ...peerJson, models: [] })), /models/);
  });

  it('the wall-seconds table has a total row with ours / reference, and ms per step over our step count', () => {
    const rows = seedZooWallRows(run, ref);
    assert.deepEqual(rows[0], { part: 'total', paramdiff: 70, reference: 20, 'ours/ref': 3.5 });
    assert.deepEqual(rows[2], { part: 'training per model', paramdiff: 31, reference: 9.25, 'ours/ref': 3.35 });
    assert.deepEqual(rows[3], { part: 'ms per training step (1000 steps a model)', paramdiff: 31, reference: 9.25, 'ours/ref': 3.35 });
    assert.ok(seedZooWallRows(run).every((r) => r.reference === '-' && r['ours/ref'] === '-'));
  });

  it('accuracy rows put mean ± std side by side with the difference in points', () => {
    const rows = Object.fromEntries(seedZooAccuracyRows(ours, ref).map((r) => [r.measure, r]));
    assert.deepEqual(rows['test accuracy per model (%, mean ± std)'], {
      measure: 'test accuracy per model (%, mean ± std)', paramdiff: '75.00 ± 25.00', reference: '75.00 ± 5.00', 'ours − ref': 0,
    });
    assert.equal(rows['deep ensemble test accuracy (%)']['ours − ref'], -2.5);
    assert.equal(rows['pairwise test disagreement (%)']['ours − ref'], 25);
    assert.equal(seedZooAccuracyRows(ours)[0].reference, '-');
  });

  it('notes say whether the accuracies agree within the spread between seeds, and why a reference is missing', () => {
    const inputs: SeedZooBenchInputs = { backend, ours: run, reference: { run: ref, file: '/tmp/peer.json', threads: 2 } };
    const notes = seedZooNotes(inputs).join('\n');
    assert.match(notes, /mean test accuracy: ours − reference = 0\.00 points, within the spread between seeds \(std 25\.00\)/);
    assert.match(notes, /deep ensemble test accuracy: ours − reference = -2\.50 points, within/);
    const tight: SeedZooSummary = { ...ref, test: { mean: 0.5, std: 0.01 } };
    const tightRun: SeedZooRun = { ...run, summary: { ...ours, test: { mean: 0.75, std: 0.01 } } };
    assert.match(seedZooNotes({ ...inputs, ours: tightRun, reference: { run: tight, file: '', threads: 2 } }).join('\n'), /mean test accuracy: .* 25\.00 points, outside/);
    assert.match(seedZooNotes({ ...inputs, reference: { skipped: 'no PyTorch', file: '', threads: 2 } }).join('\n'), /reference not run: no PyTorch/);
    assert.deepEqual(seedZooNotes({ ...inputs, reference: null }), []);
    assert.doesNotMatch(notes, /thread/);
    assert.match(seedZooNotes({ ...inputs, reference: { run: ref, file: '', threads: 1 } }).join('\n'), /the reference ran with 1 PyTorch thread\(s\) instead of the spec's 2/);
    const record = seedZooRecord(inputs);
    assert.equal(record.benchmark, 'seed-zoo');
    assert.deepEqual(Object.keys(record.tables), ['wall seconds (2 models)', 'accuracy and diversity', 'each model']);
    assert.match(benchText(record), /total\s+70\s+20\s+3\.5/);
  });

  it('runs N independently seeded models (seed0 + i), each reproducible from its seed', async function () {
    this.timeout(60_000);
    const full = loadEmbeddedMnistSplits(0);
    const data = { ...full, train: subsetDataset(full.train, Array.from({ length: 256 }, (_, i) => i)) };
    const config = { ...defaultSeedZooConfig, models: 2, seed0: 5, train: { ...defaultSeedZooConfig.train, epochs: 1 } };
    const twice = [await runSeedZoo(data, config), await runSeedZoo(data, { ...config, models: 1, seed0: 6 })];
    const [zoo, second] = twice.map((r) => r.summary);
    assert.deepEqual(zoo.models.map((m) => m.seed), [5, 6]);
    assert.deepEqual(twice[0].steps, [2, 2]); // 256 images, batch 128, 1 epoch
    assert.deepEqual([second.models[0].val, second.models[0].test], [zoo.models[1].val, zoo.models[1].test]);
    assert.notEqual(zoo.models[0].test, zoo.models[1].test);
    assert.ok(zoo.wall.total >= zoo.trainPerModel * 2);
  });

  it('models trained 2 at once give the zoo of one after another (3 models: a group of 2, then one alone), and a note says so', async function () {
    this.timeout(60_000);
    const full = loadEmbeddedMnistSplits(0);
    const data = { ...full, train: subsetDataset(full.train, Array.from({ length: 300 }, (_, i) => i)) };
    const config = { ...defaultSeedZooConfig, models: 3, seed0: 5, train: { ...defaultSeedZooConfig.train, epochs: 2, batchSize: 64 } };
    const alone = await runSeedZoo(data, config);
    const together = await runSeedZoo(data, { ...config, modelsAtOnce: 2 });
    assert.deepEqual(together.steps, alone.steps);
    assert.deepEqual(together.summary.models.map((m) => m.seed), [5, 6, 7]);
    // Equal on native; on wasm weights differ by ~1e-6 (summation order), enough to flip a near tie.
    const accuracies = (r: SeedZooRun) => [...r.summary.models.flatMap((m) => [m.val, m.test]), r.summary.ensemble.accuracy];
    assert.ok(maxAbsDiff(accuracies(together), accuracies(alone)) <= 0.002, `${accuracies(together)} vs ${accuracies(alone)}`);
    assert.ok(Math.abs(together.summary.ensemble.nll - alone.summary.ensemble.nll) <= 1e-4);
    const notes = seedZooNotes({ backend, ours: together, reference: { run: ref, file: '/tmp/peer.json', threads: 2 } }).join('\n');
    assert.match(notes, /ours trained 2 at once/);
  });

  it('models in 2 processes give the zoo of one process, bit for bit, and a note says ours ran single-threaded beside the reference\'s threads', async function () {
    this.timeout(60_000);
    const full = loadEmbeddedMnistSplits(0);
    const data = { ...full, train: subsetDataset(full.train, Array.from({ length: 256 }, (_, i) => i)) };
    const config = { ...defaultSeedZooConfig, models: 2, seed0: 5, train: { ...defaultSeedZooConfig.train, epochs: 1 } };
    const [inOne, inTwo] = [await runSeedZoo(data, config), await runSeedZoo(data, { ...config, processes: 2 })];
    const results = (r: SeedZooRun) => r.summary.models.map((m) => [m.seed, m.val, m.test]);
    assert.deepEqual(results(inTwo), results(inOne));
    assert.deepEqual([inTwo.steps, inTwo.summary.ensemble, inTwo.summary.disagreement], [inOne.steps, inOne.summary.ensemble, inOne.summary.disagreement]);
    const note = /ours ran in 2 single-threaded processes side by side .* while the reference runs 2 threads in one process/;
    assert.match(seedZooNotes({ backend, ours: inTwo, reference: { run: ref, file: '/tmp/peer.json', threads: 2 } }).join('\n'), note);
    assert.match(seedZooNotes({ backend, ours: inTwo, reference: null }).join('\n'), note);
    assert.doesNotMatch(seedZooNotes({ backend, ours: inTwo, reference: { run: ref, file: '', threads: 2 } }).join('\n'), /as ours does here/);
    assert.equal(seedZooRecord({ backend, ours: inTwo, reference: null }).ours.config.processes, 2);
  });
});
