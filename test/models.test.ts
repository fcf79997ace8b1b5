import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../lib/data/dataset';
import { loadEmbeddedMnistSplits } from '../lib/data/mnist';
import { subsetDataset } from '../lib/data/splits';
import {
  ConvNetS, countParams, createModel, defaultConvNetSConfig, defaultTrainConfig, evaluateModel, trainModel,
  type TrainConfig,
} from '../lib/models';
import { Optimizer } from '../lib/optim';
import { Rng } from '../lib/util/rng';

function syntheticImages(n: number, shape: [number, number, number], classes: number, seed: number): ImageDataset {
  const rng = new Rng(seed);
  const size = shape[0] * shape[1] * shape[2];
  return {
    name: 'synthetic', shape, numClasses: classes,
    images: rng.normalArray(n * size),
    labels: Int32Array.from({ length: n }, () => rng.int(classes)),
  };
}

describe('task models', () => {
  it('ConvNet-S has exactly 24,058 parameters with stable names', () => {
    const model = new ConvNetS(defaultConvNetSConfig, 0);
    assert.equal(countParams(model), 24058);
    assert.deepEqual([...model.params.keys()], [
      'conv1/weight', 'bn1/weight', 'bn1/bias', 'conv2/weight', 'bn2/weight', 'bn2/bias',
      'conv3/weight', 'bn3/weight', 'bn3/bias', 'fc/weight', 'fc/bias']);
    assert.deepEqual(model.params.get('fc/weight')!.shape, [64, 10]);
    model.dispose();
  });

  it('the same seed gives the same initial weights', () => {
    const [a, b, c] = [0, 0, 1].map((seed) => createModel({ kind: 'convnet-s' }, seed));
    const w = (m: typeof a) => m.params.get('conv2/weight')!.dataSync();
    assert.deepEqual(w(a), w(b));
    assert.notDeepEqual(w(a), w(c));
    [a, b, c].forEach((m) => m.dispose());
  });

  it('ResNet-20 and the MLP produce logits of the right shape', () => {
    const resnet = createModel({ kind: 'resnet' }, 0);
    // ResNet-20 with 1x1 projection shortcuts: 0.27 M parameters, 3 stages × 3 blocks.
    assert.ok(countParams(resnet) > 260_000 && countParams(resnet) < 280_000, `${countParams(resnet)}`);
    assert.equal([...resnet.params.keys()].filter((k) => k.endsWith('/conv1/weight')).length, 9);
    const mlp = createModel({ kind: 'mlp' }, 0);
    tf.tidy(() => {
      assert.deepEqual(resnet.forward(tf.zeros([2, 32, 32, 3]), { mode: 'eval' }).shape, [2, 10]);
      assert.deepEqual(mlp.forward(tf.zeros([3, 28, 28, 1]), { mode: 'eval' }).shape, [3, 10]);
    });
    resnet.dispose();
    mlp.dispose();
  });

  it('a short training run beats chance on the embedded MNIST, and BN stats move', function () {
    const splits = loadEmbeddedMnistSplits(0);
    const train = subsetDataset(splits.train, Int32Array.from({ length: 2048 }, (_, i) => i));
    const model = createModel({ kind: 'convnet-s' }, 0);
    const before = model.buffers.get('bn1/running_mean')!.dataSync().slice();
    const config: TrainConfig = { ...defaultTrainConfig, epochs: 1, batchSize: 32, schedule: { kind: 'constant' },
      optimizer: { kind: 'sgd', lr: 0.02, momentum: 0.9, weightDecay: 5e-4 } };
    const result = trainModel(model, train, config);
    const acc = evaluateModel(model, splits.test).accuracy;
    // 64 steps: ~0.6 (seed 0); chance is 0.1.
    assert.ok(acc > 0.4, `test accuracy ${acc} after ${result.steps} steps`);
    assert.notDeepEqual(model.buffers.get('bn1/running_mean')!.dataSync(), before);
    model.dispose();
  });

  it('training only a subset in inference mode leaves everything else unchanged', () => {
    const data = syntheticImages(64, [8, 8, 1], 10, 1);
    const model = createModel({ kind: 'convnet-s' }, 0);
    const snapshot = () => new Map([...model.params, ...model.buffers].map(([k, v]) => [k, v.dataSync().slice()]));
    const before = snapshot();
    const trainable = ['bn3/weight', 'bn3/bias', 'fc/weight', 'fc/bias'];
    trainModel(model, data, { ...defaultTrainConfig, epochs: 1, batchSize: 16, trainable, mode: 'eval',
      optimizer: { kind: 'sgd', lr: 0.01, momentum: 0.9, weightDecay: 0 } });
    for (const [name, values] of snapshot()) {
      const changed = values.some((v, i) => v !== before.get(name)![i]);
      assert.equal(changed, trainable.includes(name), `${name} changed: ${changed}`);
    }
    model.dispose();
  });

  it('an unknown trainable name is an error that names it', () => {
    const model = createModel({ kind: 'mlp' }, 0);
    assert.throws(() => trainModel(model, syntheticImages(4, [28, 28, 1], 10, 0), { ...defaultTrainConfig, trainable: ['bn9/weight'] }),
      /cannot train bn9\/weight/);
    model.dispose();
  });

  it('a training loop leaks no tensors', () => {
    const data = syntheticImages(48, [8, 8, 1], 10, 2);
    const model = createModel({ kind: 'convnet-s' }, 0);
    const config: TrainConfig = { ...defaultTrainConfig, epochs: 1, batchSize: 16 };
    trainModel(model, data, config); // warm-up: kernels and any lazily created state
    const before = tf.memory().numTensors;
    trainModel(model, data, { ...config, epochs: 2 });
    assert.equal(tf.memory().numTensors, before);
    model.dispose();
  });
});

describe('optimizers follow the PyTorch update rules', () => {
  // One parameter p = 1 with loss p²/2 (gradient p): values worked out by hand.
  function run(config: ConstructorParameters<typeof Optimizer>[0], steps: number): number {
    const p = tf.variable(tf.scalar(1));
    const vars = new Map([['p', p]]);
    const opt = new Optimizer(config);
    for (let i = 0; i < steps; i++) {
      const g = p.clone();
      opt.apply(vars, new Map([['p', g]]));
      g.dispose();
    }
    const value = p.dataSync()[0];
    opt.dispose();
    p.dispose();
    return value;
  }

  it('SGD with momentum and weight decay', () => {
    // step 1: g = 1 + 0.1·1 = 1.1, buf = 1.1, p = 1 − 0.1·1.1 = 0.89
    // step 2: g = 0.89·1.1 = 0.979, buf = 0.9·1.1 + 0.979 = 1.969, p = 0.89 − 0.1969 = 0.6931
    assert.ok(Math.abs(run({ kind: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0.1 }, 2) - 0.6931) < 1e-6);
  });

  it('AdamW: first step moves by lr (bias-corrected), after decoupled decay', () => {
    // p·(1 − lr·wd) − lr·m̂/(√v̂ + eps) with m̂ = g, v̂ = g² → 1·(1 − 0.01·0.5) − 0.01 = 0.985
    assert.ok(Math.abs(run({ kind: 'adamw', lr: 0.01, weightDecay: 0.5, betas: [0.9, 0.999], eps: 1e-8 }, 1) - 0.985) < 1e-6);
  });
});

describe('task model training resumes from its saved state', () => {
  it('training interrupted after a save and run again ends with the same weights and buffers', () => {
    const data = syntheticImages(80, [8, 8, 1], 10, 4); // 5 steps per epoch at batch 16
    const config: TrainConfig = { ...defaultTrainConfig, epochs: 3, batchSize: 16, logEvery: 1 };
    const values = (m: ReturnType<typeof createModel>) => [...m.params, ...m.buffers].map(([, v]) => Array.from(v.dataSync()));

    const straight = createModel({ kind: 'convnet-s' }, 0);
    const straightRun = trainModel(straight, data, config);

    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'paramdiff-train-')), 'state.safetensors');
    const interrupted = createModel({ kind: 'convnet-s' }, 0);
    // Killed after step 7 (mid-epoch); the last save was at step 6.
    assert.throws(() => trainModel(interrupted, data, config, (p) => { if (p.step === 7) throw new Error('killed'); }, { file, every: 3 }), /killed/);
    interrupted.dispose();
    const resumed = createModel({ kind: 'convnet-s' }, 0);
    const resumedRun = trainModel(resumed, data, config, undefined, { file, every: 3 });
    assert.deepEqual(values(resumed), values(straight));
    assert.deepEqual(resumedRun.epochLosses, straightRun.epochLosses);
    const other = createModel({ kind: 'convnet-s' }, 0);
    assert.throws(() => trainModel(other, data, { ...config, batchSize: 8 }, undefined, { file, every: 3 }), /batchSize/);
    [straight, resumed, other].forEach((m) => m.dispose());
  });
});
