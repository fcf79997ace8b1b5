// Models trained together (trainModelsTogether) against the same models trained alone
// (trainModel), on the active backend, and the tensor count of the together-trainer.
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../lib/data/dataset';
import { createModel, type BuiltinModelSpec } from '../lib/models/registry';
import type { TaskModel } from '../lib/models/task-model';
import { defaultTrainConfig, trainModel, type TrainConfig } from '../lib/models/train';
import { trainModelsTogether } from '../lib/models/train-together';
import { InputError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';
import { maxAbsDiff } from './helpers/backends';
import { TOGETHER_TOLERANCE } from './helpers/together';


/** n random 12x12 grey images of 10 classes. */
function syntheticData(n: number, seed: number): ImageDataset {
  const rng = new Rng(seed);
  return { name: 'synthetic', shape: [12, 12, 1], numClasses: 10, images: rng.normalArray(n * 144), labels: Int32Array.from({ length: n }, () => rng.int(10)) };
}

/** 200 images in batches of 16 (the 13th short), 2 epochs, the rate ×0.1 from epoch 1: 26 steps. */
const config: TrainConfig = { ...defaultTrainConfig, epochs: 2, batchSize: 16, schedule: { kind: 'step', milestones: [1], gamma: 0.1 }, logEvery: 5 };

/** The largest difference over every parameter and buffer of two lists of models. */
function maxModelDiff(a: TaskModel[], b: TaskModel[]): number {
  let worst = 0;
  a.forEach((model, i) => {
    for (const store of ['params', 'buffers'] as const) {
      for (const [name, v] of model[store]) worst = Math.max(worst, maxAbsDiff(v.dataSync(), b[i][store].get(name)!.dataSync()));
    }
  });
  return worst;
}

describe('trainModelsTogether', () => {
  const data = syntheticData(200, 3);
  const seeds = [5, 6, 7];

  const specs: [string, BuiltinModelSpec][] = [['ConvNet-S', { kind: 'convnet-s' }], ['MLPs', { kind: 'mlp', config: { inputSize: 144, hidden: [16, 8] } }]];
  for (const [label, spec] of specs) {
    it(`3 ${label} trained together end as each trained alone: weights, BN statistics and epoch losses`, function () {
      this.timeout(60_000);
      const alone = seeds.map((seed) => createModel(spec, seed));
      const aloneResults = alone.map((model, i) => trainModel(model, data, { ...config, seed: seeds[i] }));
      const together = seeds.map((seed) => createModel(spec, seed));
      const results = trainModelsTogether(together, data, config, seeds);
      try {
        const diff = maxModelDiff(alone, together);
        assert.ok(diff <= TOGETHER_TOLERANCE, `max abs diff ${diff}`);
        const untrained = seeds.map((s) => createModel(spec, s));
        assert.ok(maxModelDiff(alone, untrained) > 0.01, 'the models trained');
        untrained.forEach((m) => m.dispose());
        results.forEach((r, i) => {
          assert.equal(r.steps, 26);
          assert.ok(maxAbsDiff(r.epochLosses, aloneResults[i].epochLosses) <= TOGETHER_TOLERANCE, `${r.epochLosses} vs ${aloneResults[i].epochLosses}`);
        });
        assert.notDeepEqual(results[0].epochLosses, results[1].epochLosses, 'own initialisation and data order');
      } finally {
        [...alone, ...together].forEach((m) => m.dispose());
      }
    });
  }

  it('keeps the tensor count flat over its steps and leaves only the models\' own variables', () => {
    const models = seeds.map((seed) => createModel({ kind: 'convnet-s', config: { channels: [4, 4, 8] } }, seed));
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const losses: number[][] = [];
    trainModelsTogether(models, syntheticData(64, 4), { ...config, batchSize: 16, logEvery: 1 }, seeds, (p) => {
      counts.push(tf.memory().numTensors);
      losses.push(p.losses);
    });
    assert.equal(counts.length, 8);
    assert.ok(counts.every((c) => c === counts[0]), `${counts}`);
    assert.ok(losses.every((l) => l.length === 3 && l.every(Number.isFinite)));
    assert.equal(tf.memory().numTensors, before);
    models.forEach((m) => m.dispose());
  });

  it('refuses models of different architectures, a model without a stacked forward, a seed count that differs and a trainable subset', () => {
    const small = createModel({ kind: 'convnet-s', config: { channels: [4, 4, 8] } }, 1);
    const wide = createModel({ kind: 'convnet-s', config: { channels: [4, 4, 16] } }, 2);
    const resnet = createModel({ kind: 'resnet', config: { inChannels: 1, blocksPerStage: 1, widths: [4, 4, 4] } }, 3);
    const tiny = syntheticData(16, 5);
    const refused = (re: RegExp) => (e: Error) => e instanceof InputError && re.test(e.message);
    try {
      assert.throws(() => trainModelsTogether([small, wide], tiny, config, [1, 2]), refused(/conv3\/weight differs between the models/));
      assert.throws(() => trainModelsTogether([resnet, resnet], tiny, config, [1, 2]), refused(/the resnet model has no forward over stacked layers/));
      assert.throws(() => trainModelsTogether([small, small], tiny, config, [1]), refused(/2 models to train together need as many seeds, got 1/));
      assert.throws(() => trainModelsTogether([small], tiny, { ...config, trainable: ['fc/weight'] }, [1]), refused(/config.trainable/));
    } finally {
      [small, wide, resnet].forEach((m) => m.dispose());
    }
  });
});
