import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { DataSplits, ImageDataset } from '../lib/data/dataset';
import { BASE_MODEL_FILE, collectCheckpoints, defaultCollectConfig, snapshotSteps, type CollectConfig } from '../lib/experiments/collect';
import { loadModelWeights } from '../lib/models/checkpoint';
import { createModel } from '../lib/models';
import { loadZoo } from '../lib/zoo';
import { Rng } from '../lib/util/rng';

function synthetic(n: number, seed: number): ImageDataset {
  const rng = new Rng(seed);
  return { name: 's', shape: [12, 12, 1], numClasses: 10, images: rng.normalArray(n * 144), labels: Int32Array.from({ length: n }, () => rng.int(10)) };
}

const data: DataSplits = { train: synthetic(160, 1), val: synthetic(20, 2), test: synthetic(20, 3) };
const config: CollectConfig = {
  ...defaultCollectConfig,
  train: { ...defaultCollectConfig.train, epochs: 1, batchSize: 32, logEvery: 1000 },
  finetuneBatchSize: 16, // 10 steps per epoch
  snapshots: 5,
  saveEvery: 2,
};

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'paramdiff-collect-'));

describe('checkpoint collection (p-diff stage 1)', () => {
  it('spreads K snapshots evenly, the last at the final step', () => {
    assert.deepEqual(snapshotSteps(10, 5), [2, 4, 6, 8, 10]);
    assert.deepEqual(snapshotSteps(430, 200).slice(-2), [427, 430]);
    assert.throws(() => snapshotSteps(4, 5), /4 fine-tuning steps cannot give 5/);
  });

  it('trains only the subset: the rest equals the trained base model, and snapshots differ', () => {
    const dir = tmp();
    const result = collectCheckpoints(data, config, dir);
    assert.equal(result.snapshots.count, 5);
    assert.equal(result.snapshots.dim, 64 * 2 + 64 * 10 + 10);
    const base = createModel(config.model, 99);
    loadModelWeights(path.join(dir, BASE_MODEL_FILE), base);
    for (const [name, v] of [...base.params, ...base.buffers]) {
      const same = tf.tidy(() => v.equal(result.model.params.get(name) ?? result.model.buffers.get(name)!).all().dataSync()[0]);
      assert.equal(same === 1, !result.subsetNames.includes(name), name);
    }
    const rows = (k: number) => result.snapshots.data.slice(k * result.snapshots.dim, (k + 1) * result.snapshots.dim);
    assert.notDeepEqual(rows(0), rows(4));
    const zoo = loadZoo(path.join(dir, 'zoo'));
    assert.deepEqual(zoo.params.data, result.snapshots.data);
    assert.deepEqual(zoo.checkpoints.map((c) => c.step), [2, 4, 6, 8, 10]);
    base.dispose();
    result.model.dispose();
  });

  it('a run killed after a save continues from it and ends with the same snapshots', () => {
    const reference = collectCheckpoints(data, config, tmp());
    reference.model.dispose();
    const dir = tmp();
    assert.throws(() => collectCheckpoints(data, config, dir, (stage, step) => {
      if (stage === 'collect' && step === 3) throw new Error('killed');
    }), /killed/);
    assert.equal(loadZoo(path.join(dir, 'zoo')).params.count, 2);
    let trained = false;
    const resumed = collectCheckpoints(data, config, dir, (stage) => { if (stage === 'train') trained = true; });
    assert.equal(trained, false, 'the saved base model is reused');
    assert.deepEqual(resumed.snapshots.data, reference.snapshots.data);
    resumed.model.dispose();
  });

  it('an earlier zoo of another subset or config is refused before any training', () => {
    const dir = tmp();
    collectCheckpoints(data, config, dir).model.dispose();
    fs.rmSync(path.join(dir, BASE_MODEL_FILE));
    assert.throws(() => collectCheckpoints(data, { ...config, subset: ['fc/*'] }, dir), /does not fit the model: .*bn3\/weight/);
    assert.throws(() => collectCheckpoints(data, { ...config, finetuneBatchSize: 32, snapshots: 5 }, dir), /another config \(finetuneBatchSize differ\)/);
    assert.equal(fs.existsSync(path.join(dir, BASE_MODEL_FILE)), false, 'nothing was trained');
  });

  it('a subset pattern that matches no layer fails before any training', () => {
    const dir = tmp();
    assert.throws(() => collectCheckpoints(data, { ...config, subset: ['bn9/*'] }, dir), /bn9/);
    assert.equal(fs.existsSync(path.join(dir, BASE_MODEL_FILE)), false);
  });
});
