import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { createModel } from '../lib/models';
import { defaultTrainConfig, trainModel } from '../lib/models/train';
import { Rng } from '../lib/util/rng';

// The other loops have theirs beside their other tests: autoencoder-train, diffusion-train,
// train-resume (with saves and a resume) and collect (the fine-tuning of the collection).
describe('task model training keeps memory flat', () => {
  it('the tensor count after N steps is the one after 1 step', () => {
    const rng = new Rng(3);
    const data = { name: 's', shape: [8, 8, 1] as [number, number, number], numClasses: 10, images: rng.normalArray(64 * 64), labels: Int32Array.from({ length: 64 }, () => rng.int(10)) };
    const model = createModel({ kind: 'convnet-s' }, 0);
    const counts: number[] = [];
    trainModel(model, data, { ...defaultTrainConfig, epochs: 2, batchSize: 16, logEvery: 1 }, () => counts.push(tf.memory().numTensors));
    assert.equal(counts.length, 8);
    assert.ok(counts.every((c) => c === counts[0]), `${counts}`);
    model.dispose();
  });
});
