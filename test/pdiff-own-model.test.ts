// The README's example: p-diff on the user's own tf.sequential model, through the pipeline object.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadEmbeddedMnistSplits } from '../lib/data/mnist';
import { PopulationEvaluator } from '../lib/eval';
import { evaluateModel, fromLayersModel } from '../lib/models';
import { mean } from '../lib/eval/stats';
import type { VectorSet } from '../lib/params';
import { PDiffPipeline, preset, type PdiffConfig } from '../lib/pdiff';

/** Flatten → Dense 64 relu → Dense 10, layers named so parameter names are stable. */
function myLayersModel(): tf.Sequential {
  const seeded = (seed: number) => tf.initializers.glorotUniform({ seed });
  return tf.sequential({
    name: 'mine',
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1], name: 'flatten' }),
      tf.layers.dense({ units: 64, activation: 'relu', name: 'hidden', kernelInitializer: seeded(1) }),
      tf.layers.dense({ units: 10, name: 'out', kernelInitializer: seeded(2) }),
    ],
  });
}

/** The quick preset shrunk to run in seconds on either CPU backend: 1 training epoch, K = 20, 300 + 300 steps, 20-step DDIM. */
const config: PdiffConfig = (() => {
  const quick = preset('quick');
  return {
    ...quick,
    collect: { ...quick.collect, train: { ...quick.collect.train, epochs: 1 }, snapshots: 20, saveEvery: 20 },
    autoencoderTrain: { ...quick.autoencoderTrain, steps: 300 },
    denoiser: { channels: [16, 32] },
    diffusionTrain: { ...quick.diffusionTrain, steps: 300 },
    sampler: { ...quick.sampler, steps: 20 },
    samplerComparison: [],
    generated: 20,
  };
})();

describe('p-diff on the user\'s own tf.sequential model (the README example)', () => {
  const data = loadEmbeddedMnistSplits(0);
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paramdiff-own-'));
  const pipe = new PDiffPipeline(config, { outDir });
  let layers: tf.Sequential;
  let myModel: ReturnType<typeof fromLayersModel>;
  let evaluator: PopulationEvaluator;
  let vectors: VectorSet;
  before(() => {
    layers = myLayersModel(); // tensors only after the root hook has chosen the backend
    myModel = fromLayersModel(layers);
    pipe.collect(myModel, data, { subset: ['out/*'] });
    pipe.fit();
    vectors = pipe.generate(20, { seed: 3 });
    evaluator = new PopulationEvaluator(pipe.collection, data, config.evaluation);
  });
  after(() => {
    evaluator.dispose();
    pipe.dispose();
    layers.dispose();
  });

  it('records the user\'s model and subset in the pinned config', () => {
    assert.deepEqual(pipe.config.collect.model, { kind: 'own', name: myModel.kind });
    assert.deepEqual(pipe.config.collect.subset, ['out/*']);
    assert.deepEqual(pipe.collection.subsetNames, ['out/kernel', 'out/bias']);
    assert.equal(vectors.dim, 64 * 10 + 10);
  });

  it('generates last layers whose mean val accuracy is within 2 points of the originals\'', () => {
    const originals = evaluator.measure(pipe.collection.snapshots).population;
    const generated = evaluator.measure(vectors).population;
    const [orig, gen] = [mean(originals.val), mean(generated.val)];
    assert.ok(orig > 0.85, `originals' mean val accuracy ${orig}`);
    assert.ok(Math.abs(gen - orig) <= 0.02, `generated ${gen} vs originals ${orig}`);
  });

  it('load writes a generated vector into the layers model itself', () => {
    pipe.load(myModel, vectors, 0);
    const expected = evaluator.measure({ count: 1, dim: vectors.dim, data: vectors.data.slice(0, vectors.dim) }).population.val[0];
    const predicted = tf.tidy(() => layers.predict(tf.tensor4d(data.val.images, [data.val.labels.length, 28, 28, 1])) as tf.Tensor2D);
    const argmax = predicted.argMax(1).dataSync();
    predicted.dispose();
    const accuracy = data.val.labels.reduce((n, label, i) => n + (argmax[i] === label ? 1 : 0), 0) / data.val.labels.length;
    assert.ok(Math.abs(accuracy - expected) < 1e-9, `${accuracy} vs ${expected}`);
    assert.ok(Math.abs(evaluateModel(myModel, data.val).accuracy - expected) < 1e-9);
  });

  it('a second pipeline on the same directory reloads every stage and generates the same vectors', () => {
    const stages = new Set<string>();
    const again = new PDiffPipeline(config, { outDir, onProgress: (stage) => stages.add(stage) });
    const model = fromLayersModel(myLayersModel(), { ownsModel: true });
    try {
      again.collect(model, data, { subset: ['out/*'] });
      again.fit();
      assert.deepEqual(again.generate(20, { seed: 3 }).data, vectors.data);
      const trained = ['train', 'collect', 'autoencoder', 'diffusion'].filter((stage) => stages.has(stage));
      assert.deepEqual(trained, [], 'nothing is trained again');
    } finally {
      again.dispose();
      model.dispose();
    }
  });
});
