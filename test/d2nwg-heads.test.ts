import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import {
  defaultFineTuneConfig, defaultHeadTrainConfig, fineTune, fineTuneHeads, headAccuracy, headManifest, headsAccuracy, headsCrossEntropy,
  initHead, snapshotEpochs, trainFrom, trainHead, trainHeads, type FeatureSet,
} from '../lib/d2nwg/heads';
import { InputError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';

/** n rows of 8-d features, class c centred at 3·e_c plus unit noise: linearly separable for k ≤ 8. */
function clusters(n: number, k: number, seed: number): FeatureSet {
  const rng = new Rng(seed);
  const dim = 8;
  const labels = Int32Array.from({ length: n }, (_, i) => i % k);
  const data = new Float32Array(n * dim);
  labels.forEach((c, i) => {
    for (let d = 0; d < dim; d++) data[i * dim + d] = rng.normal() * 0.7 + (d === c ? 3 : 0);
  });
  return { count: n, dim, data, labels, numClasses: k };
}

const quick = { ...defaultHeadTrainConfig, epochs: 6, batchSize: 16, headsPerTask: 4 };

describe('D2NWG heads', () => {
  const train = clusters(200, 5, 1);
  const val = clusters(100, 5, 2);

  it('lays a head out as fc/weight [F, k] then fc/bias [k], and scores features·W + b exactly', () => {
    const m = headManifest(2, 3);
    assert.deepEqual(m.entries.map((e) => [e.name, e.shape, e.offset]), [['fc/weight', [2, 3], 0], ['fc/bias', [3], 6]]);
    // W = [[1, 0, 0], [0, 1, 0]], b = [0, 0, 0.5]: predicts x0 vs x1 unless both are below 0.5.
    const head = Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 0.5]);
    const data: FeatureSet = { count: 4, dim: 2, data: Float32Array.from([2, 1, 1, 2, 0, 0, 0.2, 0.1]), labels: Int32Array.from([0, 1, 2, 0]), numClasses: 3 };
    assert.equal(headAccuracy(head, data), 0.75);
  });

  it('trainHeads reaches high val accuracy on separable features, with distinct heads', () => {
    const before = tf.memory().numTensors;
    const { heads, seeds, steps } = trainHeads(train, quick, 0);
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual([heads.count, heads.dim], [4, 8 * 5 + 5]);
    assert.equal(new Set(seeds).size, 4);
    assert.deepEqual(steps, [6 * 13, 6 * 13, 6 * 13, 6 * 13]);
    const acc = headsAccuracy(heads, val);
    assert.ok(acc.every((a) => a > 0.95), `val accuracies ${acc}`);
    assert.notDeepEqual([...heads.data.subarray(0, 45)], [...heads.data.subarray(45, 90)]);
    assert.deepEqual(trainHeads(train, quick, 0).heads.data, heads.data, 'same seed, same heads');
  });

  it('a batch of heads trains each head exactly as it would train alone', () => {
    const one = { ...quick, headsPerTask: 1 };
    const alone = trainHeads(train, one, 0);
    const together = trainHeads(train, { ...quick, headsPerTask: 3 }, 0);
    assert.equal(together.seeds[0], alone.seeds[0]);
    const diff = Math.max(...alone.heads.data.map((v, i) => Math.abs(v - together.heads.data[i])));
    assert.ok(diff < 1e-4, `max difference ${diff}`);
  });

  it('snapshotsPerRun keeps snapshots over the second half of each run', () => {
    assert.deepEqual(snapshotEpochs(20, 1), [20]);
    assert.deepEqual(snapshotEpochs(20, 2), [15, 20]);
    assert.deepEqual(snapshotEpochs(1, 1), [1]);
    assert.throws(() => snapshotEpochs(4, 3), InputError);
    const { heads, seeds, steps } = trainHeads(train, { ...quick, headsPerTask: 4, snapshotsPerRun: 2 }, 3);
    assert.equal(heads.count, 4);
    assert.deepEqual(steps, [5 * 13, 6 * 13, 5 * 13, 6 * 13]);
    assert.equal(seeds[0], seeds[1]);
    assert.notEqual(seeds[1], seeds[2]);
    assert.throws(() => trainHeads(train, { ...quick, headsPerTask: 3, snapshotsPerRun: 2 }, 0), /multiple/);
  });

  it('trainHead returns one flattened head; bad features are refused', () => {
    const head = trainHead(train, quick, 5);
    assert.equal(head.length, 45);
    assert.ok(headAccuracy(head, val) > 0.95);
    const badLabel = { ...train, labels: train.labels.map((l, i) => (i === 3 ? 5 : l)) };
    assert.throws(() => trainHead(badLabel, quick, 0), /label 5 of row 3/);
    assert.throws(() => headsAccuracy({ count: 1, dim: 44, data: new Float32Array(44) }, val), /45/);
  });

  it('fineTune reports accuracy after each step count and improves a random head', () => {
    const before = tf.memory().numTensors;
    const start = initHead(8, 5, 7);
    const curve = fineTune(start, train, val, [0, 1, 5, 25], { ...defaultFineTuneConfig, optimizer: { ...defaultFineTuneConfig.optimizer, lr: 0.05 } }, 0);
    assert.equal(tf.memory().numTensors, before);
    assert.equal(curve.length, 4);
    assert.equal(curve[0], headAccuracy(start, val));
    assert.ok(curve[3] > 0.9 && curve[3] > curve[0] + 0.2, `curve ${curve}`);
    const many = fineTuneHeads({ count: 2, dim: 45, data: Float32Array.from([...start, ...initHead(8, 5, 8)]) }, train, val, [0, 3], defaultFineTuneConfig, 0);
    assert.equal(many.length, 2);
    assert.equal(many[0][0], curve[0]);
    assert.throws(() => fineTune(start, train, val, [5, 1], defaultFineTuneConfig, 0), /ascending/);
  });

  it('trainFrom returns the heads after each step count (0: as given); cross-entropy of a zero head is ln k', () => {
    const start = { count: 1, dim: 45, data: initHead(8, 5, 7) };
    const config = { ...defaultFineTuneConfig, optimizer: { ...defaultFineTuneConfig.optimizer, lr: 0.05 } };
    const before = tf.memory().numTensors;
    const [zero, five] = trainFrom(start, train, [0, 5], config, 0);
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual(zero.data, start.data);
    assert.deepEqual(headsAccuracy(five, val), fineTuneHeads(start, train, val, [5], config, 0)[0], 'the heads fineTuneHeads scores');
    const ce = headsCrossEntropy({ count: 2, dim: 45, data: Float32Array.from([...new Float32Array(45), ...five.data]) }, val);
    assert.ok(Math.abs(ce[0] - Math.log(5)) < 1e-5, `${ce[0]}`);
    assert.ok(ce[1] < ce[0], 'training lowers it');
  });
});
