import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { DataSplits, ImageDataset } from '../lib/data/dataset';
import { collectCheckpoints, defaultCollectConfig, snapshotSteps, type CollectConfig } from '../lib/zoo/collect';
import { BASE_MODEL_FILE } from '../lib/zoo/base-model';
import { batchIndices } from '../lib/models/batches';
import { loadModelWeights } from '../lib/models/checkpoint';
import { createModel, Mlp } from '../lib/models';
import { rowOf } from '../lib/params';
import { loadZoo } from '../lib/zoo';
import { COLLECT_STATE_FILE } from '../lib/zoo/collect-state';
import { NumericalError, WriteError } from '../lib/util/errors';
import type { ProgressFn } from '../lib/util/progress';
import { Rng } from '../lib/util/rng';
import { simulateFullDisk } from './helpers/disk';
import { tmpDirs } from './helpers/tmp-dirs';

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

/** Collects with the config's own model (initialised from its seed, as runners do); the model is freed if it fails. */
function collect(splits: DataSplits, cfg: CollectConfig, dir: string, onProgress?: ProgressFn) {
  const model = createModel(cfg.model, cfg.seed);
  try {
    return collectCheckpoints(model, splits, cfg, dir, onProgress);
  } catch (err) {
    model.dispose();
    throw err;
  }
}

const dirs = tmpDirs('collect');
const tmp = dirs.make;
after(dirs.cleanup);

describe('checkpoint collection (p-diff stage 1)', () => {
  it('spreads K snapshots evenly, the last at the final step', () => {
    assert.deepEqual(snapshotSteps(10, 5), [2, 4, 6, 8, 10]);
    assert.deepEqual(snapshotSteps(430, 200).slice(-2), [427, 430]);
    assert.throws(() => snapshotSteps(4, 5), /4 fine-tuning steps cannot give 5/);
  });

  it('trains only the subset: the rest equals the trained base model, and snapshots differ', () => {
    const dir = tmp();
    const result = collect(data, config, dir);
    assert.equal(result.snapshots.count, 5);
    assert.equal(result.snapshots.dim, 64 * 2 + 64 * 10 + 10);
    const base = createModel(config.model, 99);
    loadModelWeights(path.join(dir, BASE_MODEL_FILE), base);
    for (const [name, v] of [...base.params, ...base.buffers]) {
      const same = tf.tidy(() => v.equal(result.model.params.get(name) ?? result.model.buffers.get(name)!).all().dataSync()[0]);
      assert.equal(same === 1, !result.subsetNames.includes(name), name);
    }
    assert.notDeepEqual(rowOf(result.snapshots, 0), rowOf(result.snapshots, 4));
    const zoo = loadZoo(path.join(dir, 'zoo'));
    assert.deepEqual(zoo.params.data, result.snapshots.data);
    assert.deepEqual(zoo.checkpoints.map((c) => c.step), [2, 4, 6, 8, 10]);
    base.dispose();
    result.model.dispose();
  });

  it('a run killed after a save continues from it and ends with the same snapshots', () => {
    const reference = collect(data, config, tmp());
    reference.model.dispose();
    const dir = tmp();
    assert.throws(() => collect(data, config, dir, (stage, step) => {
      if (stage === 'collect' && step === 3) throw new Error('killed');
    }), /killed/);
    assert.equal(loadZoo(path.join(dir, 'zoo')).params.count, 2);
    let trained = false;
    const resumed = collect(data, config, dir, (stage) => { if (stage === 'train') trained = true; });
    assert.equal(trained, false, 'the saved base model is reused');
    assert.deepEqual(resumed.snapshots.data, reference.snapshots.data);
    resumed.model.dispose();
  });

  it('an earlier zoo of another subset or config is refused before any training', () => {
    const dir = tmp();
    collect(data, config, dir).model.dispose();
    fs.rmSync(path.join(dir, BASE_MODEL_FILE));
    assert.throws(() => collect(data, { ...config, subset: ['fc/*'] }, dir), /does not fit the model: .*bn3\/weight/);
    assert.throws(() => collect(data, { ...config, finetuneBatchSize: 32, snapshots: 5 }, dir), /another config \(finetuneBatchSize differ\)/);
    assert.equal(fs.existsSync(path.join(dir, BASE_MODEL_FILE)), false, 'nothing was trained');
  });

  it('a subset pattern that matches no layer fails before any training', () => {
    const dir = tmp();
    assert.throws(() => collect(data, { ...config, subset: ['bn9/*'] }, dir), /bn9/);
    assert.equal(fs.existsSync(path.join(dir, BASE_MODEL_FILE)), false);
  });

  it('a failed zoo write after the state was saved (full disk, or a kill between the two) loses nothing: the re-run rewrites the zoo', () => {
    const reference = collect(data, config, tmp());
    reference.model.dispose();
    const dir = tmp();
    const disk = simulateFullDisk(`${path.sep}zoo${path.sep}params.safetensors`);
    try {
      // The zoo's params file fails from snapshot 3 on: the save at 4 writes the state, then fails.
      assert.throws(() => collect(data, config, dir, (stage, step) => { if (stage === 'collect' && step === 3) disk.full = true; }),
        (e: unknown) => e instanceof WriteError && e.code === 'ENOSPC' && e.file === path.join(dir, 'zoo', 'params.safetensors'));
    } finally {
      disk.restore();
    }
    assert.equal(loadZoo(path.join(dir, 'zoo')).params.count, 2, 'the zoo of the save before is intact');
    const resumed = collect(data, config, dir);
    assert.deepEqual(resumed.snapshots.data, reference.snapshots.data);
    assert.deepEqual(loadZoo(path.join(dir, 'zoo')).params.data, reference.snapshots.data);
    resumed.model.dispose();
  });

  it('keeps the tensor count flat over the fine-tuning steps, also across a resume', () => {
    const dir = tmp();
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    assert.throws(() => collect(data, config, dir, (stage, step) => {
      if (stage !== 'collect') return;
      counts.push(tf.memory().numTensors);
      if (step === 3) throw new Error('killed');
    }), /killed/);
    assert.equal(tf.memory().numTensors, before);
    const resumed = collect(data, config, dir, (stage) => { if (stage === 'collect') counts.push(tf.memory().numTensors); });
    assert.deepEqual(counts.length, 3 + 3); // snapshots 1–3, then 3–5 after resuming from the save at 2
    assert.ok(counts.every((c) => c === counts[0]), `${counts}`);
    resumed.model.dispose();
  });

  it('an overflow in the fine-tuning stops the collection naming stage and step; the last saved state stays and resumes', () => {
    const dir = tmp();
    collect(data, { ...config, snapshots: 1 }, dir).model.dispose(); // a trained base model to start from
    fs.rmSync(path.join(dir, 'zoo'), { recursive: true });
    // An image of the 5th fine-tuning batch (the shuffles replayed from the collection's seed) at
    // the float32 limit: its logits overflow (NaN itself would vanish in the ReLUs before the head).
    const batches = [...batchIndices(160, config.finetuneBatchSize, new Rng(config.seed + 1))];
    const images = data.train.images.slice();
    images.fill(3e38, batches[4][0] * 144, (batches[4][0] + 1) * 144);
    const poisoned = { ...data, train: { ...data.train, images } };
    const before = tf.memory().numTensors;
    const stateFile = path.join(dir, 'zoo', COLLECT_STATE_FILE);
    assert.throws(() => collect(poisoned, { ...config, saveEvery: 1 }, dir),
      (e: unknown) => e instanceof NumericalError &&
        e.stage === 'checkpoint collection' && (e.step === 5 || e.step === 6) &&
        e.message.endsWith(`; the last good state (after step 4) is kept in ${stateFile}`));
    assert.equal(tf.memory().numTensors, before);
    const zoo = loadZoo(path.join(dir, 'zoo'));
    assert.deepEqual(zoo.checkpoints.map((c) => c.step), [2, 4]);
    const resumed = collect(data, { ...config, saveEvery: 1 }, dir);
    assert.equal(resumed.snapshots.count, 5, 'the saved state is good to continue from');
    resumed.model.dispose();
  });

  it('takes any model instance: a trained one (0 epochs) is collected as it is, a model the config does not name is refused', () => {
    const own = new Mlp({ inputSize: 144, hidden: [16], numClasses: 10 }, 5);
    const ownConfig: CollectConfig = { ...config, model: { kind: 'own', name: own.kind }, subset: ['fc2/*'], train: { ...config.train, epochs: 0 } };
    const before = own.params.get('fc1/weight')!.dataSync().slice();
    let trained = false;
    const dir = tmp();
    const result = collectCheckpoints(own, data, ownConfig, dir, (stage) => { if (stage === 'train') trained = true; });
    assert.equal(trained, false);
    assert.deepEqual(own.params.get('fc1/weight')!.dataSync(), before, 'the frozen part is the given model');
    assert.equal(result.snapshots.dim, 16 * 10 + 10);
    assert.equal(loadZoo(path.join(dir, 'zoo')).model, 'mlp');
    assert.throws(() => collectCheckpoints(own, data, config, tmp()), /the config names the convnet-s model, but a mlp model was given/);
    own.dispose();
  });
});
