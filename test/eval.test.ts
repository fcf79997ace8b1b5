import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../lib/data/dataset';
import {
  addGaussianNoise, computeFeatures, evaluateVectors, iou, maxIoU, summarizeAccuracy, weightAverage, wrongSet,
} from '../lib/eval';
import { createModel, defaultTrainConfig, evaluateModel, splitFor, trainModel, type TaskModel } from '../lib/models';
import { flatten, readParams, unflatten, assignParams } from '../lib/params';
import type { VectorSet } from '../lib/params/types';
import { Rng } from '../lib/util/rng';

function synthetic(n: number, seed: number): ImageDataset {
  const rng = new Rng(seed);
  const labels = Int32Array.from({ length: n }, () => rng.int(10));
  // Class-dependent blobs so a briefly trained model has real, non-tied logits.
  const images = new Float32Array(n * 28 * 28);
  labels.forEach((c, i) => {
    for (let p = 0; p < 784; p++) images[i * 784 + p] = rng.normal() * 0.5 + (Math.floor(p / 78.4) === c ? 1.5 : 0);
  });
  return { name: 'blobs', images, labels, shape: [28, 28, 1], numClasses: 10 };
}

describe('evaluation statistics', () => {
  it('summarises best / mean / median and selects on val, first on ties', () => {
    const s = summarizeAccuracy([0.5, 0.9, 0.7, 0.6], [0.8, 0.8, 0.9, 0.9]);
    assert.deepEqual([s.best, s.min, s.count], [0.9, 0.5, 4]);
    assert.ok(Math.abs(s.median - 0.65) < 1e-12);
    assert.ok(Math.abs(s.mean - 0.675) < 1e-12);
    assert.equal(s.valSelectedIndex, 2);
    assert.equal(s.valSelectedTest, 0.7);
  });

  it('IoU of wrong-prediction sets on crafted predictions', () => {
    const labels = [0, 0, 0, 0, 0];
    const a = wrongSet([1, 1, 1, 0, 0], labels); // wrong on 0, 1, 2
    const b = wrongSet([0, 1, 1, 1, 0], labels); // wrong on 1, 2, 3
    const none = wrongSet([0, 0, 0, 0, 0], labels);
    assert.equal(iou(a, b), 2 / 4);
    assert.equal(iou(a, a), 1);
    assert.equal(iou(none, none), 1);
    assert.equal(iou(a, none), 0);
    assert.deepEqual(maxIoU([a, b], [a, b], true), [0.5, 0.5]);
    assert.deepEqual(maxIoU([b], [none, a]), [0.5]);
    assert.deepEqual(maxIoU([none], [none, a]), [1]);
  });

  it('maxIoU (one product of the masks) equals the best pairwise iou, self excluded or not', () => {
    const rng = new Rng(3);
    const sets = (count: number, rate: number) => Array.from({ length: count }, () => Uint8Array.from({ length: 500 }, () => (rng.uniform() < rate ? 1 : 0)));
    const [queries, references] = [[...sets(6, 0.1), new Uint8Array(500)], sets(9, 0.3)];
    const best = (q: Uint8Array[], r: Uint8Array[], excludeSame: boolean) =>
      q.map((a, i) => Math.max(...r.map((b, j) => (excludeSame && i === j ? Number.NEGATIVE_INFINITY : iou(a, b)))));
    assert.deepEqual(maxIoU(queries, references), best(queries, references, false));
    assert.deepEqual(maxIoU(references, references, true), best(references, references, true));
    assert.deepEqual(maxIoU([], references), []);
  });

  it('baselines: σ = 0 noise is the identity, the weight average is the mean', () => {
    const set: VectorSet = { count: 2, dim: 3, data: Float32Array.from([1, 2, 3, 3, 4, 5]) };
    assert.deepEqual(addGaussianNoise(set, 0, 1).data, set.data);
    assert.notDeepEqual(addGaussianNoise(set, 0.01, 1).data, set.data);
    assert.deepEqual([...weightAverage(set).data], [2, 3, 4]);
  });
});

describe('fast evaluation of many parameter vectors', () => {
  let model: TaskModel;
  const data = synthetic(160, 3);

  before(() => {
    model = createModel({ kind: 'convnet-s' }, 0);
    trainModel(model, data, { ...defaultTrainConfig, epochs: 2, batchSize: 32 });
  });
  after(() => model.dispose());

  /** The subset of `names` plus noise of growing size: M distinct, plausible models. */
  function perturbed(names: string[], m: number): { vectors: VectorSet; manifest: ReturnType<typeof flatten>['manifest'] } {
    const { vector, manifest } = flatten(readParams(model.params, names));
    const rng = new Rng(5);
    const data = new Float32Array(m * vector.length);
    for (let k = 0; k < m; k++) vector.forEach((v, i) => { data[k * vector.length + i] = v + 0.3 * k * rng.normal() * Math.abs(v); });
    return { vectors: { count: m, dim: vector.length, data }, manifest };
  }

  /** Reference: load each vector into the model and run the whole network. */
  function fullForward(names: string[], vectors: VectorSet, manifest: ReturnType<typeof flatten>['manifest']): Int32Array[] {
    const saved = readParams(model.params, names);
    const out: Int32Array[] = [];
    for (let k = 0; k < vectors.count; k++) {
      assignParams(model.params, unflatten(vectors.data.slice(k * vectors.dim, (k + 1) * vectors.dim), manifest));
      out.push(evaluateModel(model, data).predictions);
    }
    assignParams(model.params, saved);
    return out;
  }

  for (const [label, names] of [
    ['bn3 + fc (features before bn3)', ['bn3/weight', 'bn3/bias', 'fc/weight', 'fc/bias']],
    ['fc only (pooled features)', ['fc/weight', 'fc/bias']],
    ['conv2 (whole-network fallback)', ['conv2/weight']],
  ] as const) {
    it(`cached features give the predictions of a full forward pass: ${label}`, () => {
      const { vectors, manifest } = perturbed([...names], 5);
      const split = splitFor(model, [...names]);
      const features = computeFeatures(split, data, 64);
      const before = tf.memory().numTensors;
      const fast = evaluateVectors(model, split, manifest, vectors, features, data.labels, { modelsPerChunk: 2, imagesPerChunk: 50 });
      assert.equal(tf.memory().numTensors, before);
      features.dispose();
      const slow = fullForward([...names], vectors, manifest);
      for (let k = 0; k < vectors.count; k++) {
        const same = slow[k].filter((p, i) => p === fast.predictions[k][i]).length;
        assert.ok(same >= data.labels.length - 1, `model ${k}: ${same}/${data.labels.length} predictions agree`);
      }
      assert.ok(new Set(fast.accuracy).size > 1, 'the perturbed models should differ');
    });
  }

  it('rejects a vector with NaN and a vector of the wrong size, naming the problem', () => {
    const { vectors, manifest } = perturbed(['fc/weight', 'fc/bias'], 2);
    const split = splitFor(model, ['fc/weight', 'fc/bias']);
    const features = computeFeatures(split, data);
    vectors.data[700] = Number.NaN;
    assert.throws(() => evaluateVectors(model, split, manifest, vectors, features, data.labels), /vector 1 holds NaN/);
    assert.throws(() => evaluateVectors(model, split, manifest, { count: 1, dim: 3, data: new Float32Array(3) }, features, data.labels),
      /dim 3, the subset has 650/);
    features.dispose();
  });
});
