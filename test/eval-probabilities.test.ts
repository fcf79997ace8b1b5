import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { argmaxRows } from '../lib/ensemble';
import { computeFeatures, evaluateVectors, memberProbabilities, modelProbabilities } from '../lib/eval';
import { createModel, defaultTrainConfig, evaluateModel, splitFor, trainModel, type TaskModel } from '../lib/models';
import { flatten, readParams } from '../lib/params';
import type { VectorSet } from '../lib/params/types';
import { Rng } from '../lib/util/rng';
import { maxAbsDiff } from './helpers/backends';
import { blobs } from './helpers/tiny-pdiff';

function rowSumsAreOne(probs: Float32Array, classes: number): void {
  for (let i = 0; i < probs.length; i += classes) {
    let s = 0;
    for (let c = 0; c < classes; c++) s += probs[i + c];
    assert.ok(Math.abs(s - 1) < 1e-5, `row ${i / classes} sums to ${s}`);
  }
}

describe('class probabilities of many members', () => {
  const data = blobs(120, 7);
  const names = ['bn3/weight', 'bn3/bias', 'fc/weight', 'fc/bias'];
  let model: TaskModel;
  let vectors: VectorSet;
  let manifest: ReturnType<typeof flatten>['manifest'];

  before(() => {
    model = createModel({ kind: 'convnet-s' }, 1);
    trainModel(model, data, { ...defaultTrainConfig, epochs: 2, batchSize: 24 });
    const flat = flatten(readParams(model.params, names));
    manifest = flat.manifest;
    const rng = new Rng(3);
    const m = 7;
    const values = new Float32Array(m * manifest.size);
    for (let k = 0; k < m; k++) flat.vector.forEach((v, i) => { values[k * manifest.size + i] = v + 0.2 * k * rng.normal() * Math.abs(v); });
    vectors = { count: m, dim: manifest.size, data: values };
  });
  after(() => model.dispose());

  it('on cached features: argmax equals evaluateVectors, rows sum to 1, chunking changes nothing, no tensors leak', () => {
    const split = splitFor(model, names);
    const features = computeFeatures(split, data);
    try {
      const before = tf.memory().numTensors;
      const probs = memberProbabilities(model, split, manifest, vectors, features, { modelsPerChunk: 3, imagesPerChunk: 50 });
      assert.equal(tf.memory().numTensors, before);
      const whole = memberProbabilities(model, split, manifest, vectors, features, { modelsPerChunk: 10, imagesPerChunk: 1000 });
      const reference = evaluateVectors(model, split, manifest, vectors, features, data.labels);
      assert.deepEqual([probs.classes, probs.examples, probs.members.length], [10, 120, 7]);
      probs.members.forEach((p, k) => {
        assert.deepEqual(argmaxRows(p, 10), reference.predictions[k], `member ${k}`);
        assert.ok(maxAbsDiff(p, whole.members[k]) < 1e-6, `member ${k} with other chunks`);
        rowSumsAreOne(p, 10);
      });
      assert.ok(new Set(reference.accuracy).size > 1, 'the members should differ');
    } finally {
      features.dispose();
    }
  });

  it('rejects vectors of the wrong size', () => {
    const split = splitFor(model, names);
    const features = computeFeatures(split, data);
    assert.throws(() => memberProbabilities(model, split, manifest, { count: 1, dim: 3, data: new Float32Array(3) }, features),
      /dim 3, the subset has 778/);
    features.dispose();
  });

  it('of a whole model: argmax equals evaluateModel, rows sum to 1, no tensors leak', () => {
    const before = tf.memory().numTensors;
    const probs = modelProbabilities(model, data, 50);
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual(argmaxRows(probs, 10), evaluateModel(model, data).predictions);
    rowSumsAreOne(probs, 10);
  });
});
