import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { DataSplits } from '../lib/data/dataset';
import { loadEmbeddedMnistSplits } from '../lib/data/mnist';
import { subsetDataset } from '../lib/data/splits';
import { imagesTensor } from '../lib/models/evaluate';
import { createModel } from '../lib/models/registry';
import { toLayersModel } from '../lib/models/to-layers-model';
import { wholePreset, type WholeConfig } from '../lib/pdiff/whole/config';
import { GENERATED_TORCH_FILE } from '../lib/pdiff/whole/generated-file';
import type { WholeResults } from '../lib/pdiff/whole/results';
import { runWhole } from '../lib/pdiff/whole/run';
import { readSafetensors } from '../lib/zoo/safetensors';
import { loadTorchMember, readTorchZoo } from '../lib/zoo/torch';
import { tmpDirs } from './helpers/tmp-dirs';
import { noTorchReason, torchEvalOn } from './helpers/torch-zoo';

const full = loadEmbeddedMnistSplits(0);
const first = (n: number) => Array.from({ length: n }, (_, i) => i);
const data: DataSplits = { train: subsetDataset(full.train, first(2000)), val: subsetDataset(full.val, first(300)), test: subsetDataset(full.test, first(600)) };
const smoke = wholePreset('whole-smoke');
/** A tiny ConvNet-S zoo, for BN statistics recomputed per generated network (whatever the accuracy). */
const convSmoke: WholeConfig = {
  ...smoke,
  model: { kind: 'convnet-s', config: { channels: [4, 4, 8] } },
  zoo: { ...smoke.zoo, members: 4 },
  calibrationImages: 200,
  audit: { ...smoke.audit, holdOutEvery: 0 },
};
/** One image of the test set, in accuracy units. */
const ONE_IMAGE = 1 / data.test.labels.length;

const dirs = tmpDirs('whole-generated');
after(dirs.cleanup);

/** Each generated network's test accuracy, predicted by a tf.LayersModel built from the run's file. */
function layersModelAccuracies(file: string, config: WholeConfig): number[] {
  const model = createModel(config.model, 0);
  const zoo = readTorchZoo(file, model);
  const images = imagesTensor(data.test);
  const labels = tf.tensor1d(data.test.labels, 'int32');
  const accuracies = Array.from({ length: zoo.count }, (_, i) => {
    loadTorchMember(model, zoo, i);
    const layersModel = toLayersModel(model, data.test.shape);
    const hits = tf.tidy(() => tf.equal((layersModel.predict(images) as tf.Tensor2D).argMax(1), labels).sum());
    const correct = hits.dataSync()[0];
    hits.dispose();
    layersModel.dispose();
    return correct / data.test.labels.length;
  });
  tf.dispose([images, labels]);
  model.dispose();
  return accuracies;
}

const percent = (values: number[]) => values.map((a) => (100 * a).toFixed(2)).join(', ');

for (const [label, config] of [['MLP (whole-smoke)', smoke], ['ConvNet-S with recomputed BN statistics', convSmoke]] as const) {
  describe(`pdiff/whole: the generated networks in PyTorch's layout, ${label}`, function () {
    this.timeout(120_000);
    let file: string;
    let results: WholeResults;
    before(() => {
      const dir = dirs.make();
      results = runWhole(config, data, { outDir: dir });
      file = path.join(dir, GENERATED_TORCH_FILE);
    });

    it('holds every generated network under its state-dict keys, with the BN statistics it was measured with', () => {
      const { tensors, metadata } = readSafetensors(file);
      assert.deepEqual(metadata, { model: results.model.kind, dataset: config.dataset, preset: config.preset, seed: '0', generator: 'flow', layout: 'pytorch' });
      const model = createModel(config.model, 0);
      const keys = [...model.params.keys(), ...model.buffers.keys()].map((name) => name.replace('/', '.'));
      model.dispose();
      assert.deepEqual(tensors.map((t) => t.name).sort(), keys.sort());
      assert.ok(tensors.every((t) => t.shape[0] === config.generated));
      if (results.model.buffers > 0) {
        const variance = tensors.find((t) => t.name === 'bn1.running_var')!;
        assert.notDeepEqual(variance.data.subarray(0, 4), variance.data.subarray(4, 8), 'each network has its own statistics');
      }
    });

    it('a tf.LayersModel of the same architecture loaded with each network predicts the accuracy the run reports (within one image)', () => {
      const before = tf.memory().numTensors;
      const layers = layersModelAccuracies(file, config);
      assert.equal(tf.memory().numTensors, before);
      const reported = results.generated.perNetwork.test;
      console.log(`      test accuracy (%), run vs LayersModel: ${percent(reported)} / ${percent(layers)}`);
      assert.equal(layers.length, reported.length);
      layers.forEach((a, i) => assert.ok(Math.abs(a - reported[i]) <= ONE_IMAGE + 1e-9, `network ${i}: LayersModel ${a}, run ${reported[i]}`));
    });

    it('PyTorch loading the file measures the accuracy the run reports (within 0.1 point)', function () {
      const reason = noTorchReason();
      if (reason !== null) {
        console.log(`    skipped: ${reason}`);
        this.skip();
      }
      const torch = torchEvalOn(file, data.test);
      const reported = results.generated.perNetwork.test.map((a) => 100 * a);
      console.log(`      test accuracy (%), run vs PyTorch: ${reported.map((a) => a.toFixed(2)).join(', ')} / ${torch.map((a) => a.toFixed(2)).join(', ')}`);
      assert.equal(torch.length, reported.length);
      torch.forEach((a, i) => assert.ok(Math.abs(a - reported[i]) <= 0.1, `network ${i}: PyTorch ${a}, run ${reported[i]}`));
    });
  });
}

describe('pdiff/whole: the generated file on a re-run', () => {
  it('a re-run that reloads everything writes the same file', function () {
    this.timeout(120_000);
    const dir = dirs.make();
    const file = path.join(dir, GENERATED_TORCH_FILE);
    runWhole(smoke, data, { outDir: dir });
    const written = fs.readFileSync(file);
    runWhole(smoke, data, { outDir: dir });
    assert.ok(fs.readFileSync(file).equals(written));
  });
});
