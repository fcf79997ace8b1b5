import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { loadEmbeddedMnistSplits } from '../lib/data/mnist';
import {
  applyBufferUpdates, crossEntropy, defaultTrainConfig, evaluateModel, fromLayersModel, imagesTensor, splitFor,
  trainModel, trainStep, type BufferUpdate, type TrainConfig,
} from '../lib/models';
import { Optimizer } from '../lib/optim';
import { assignParams, readParams } from '../lib/params/tensors';
import { selectParamNames } from '../lib/params/select';
import { InputError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';
import { maxAbsDiff } from './helpers/backends';

const seeded = (seed: number) => tf.initializers.glorotUniform({ seed });

/** conv (3x3, 4 filters) → bn → relu → flatten → fc (3 classes) on [8, 8, 1] inputs. */
function convBnModel(): tf.Sequential {
  const model = tf.sequential({ name: 'convbn' });
  model.add(tf.layers.conv2d({ name: 'conv', inputShape: [8, 8, 1], filters: 4, kernelSize: 3, kernelInitializer: seeded(1) }));
  model.add(tf.layers.batchNormalization({ name: 'bn' }));
  model.add(tf.layers.reLU({ name: 'relu' }));
  model.add(tf.layers.flatten({ name: 'flatten' }));
  model.add(tf.layers.dense({ name: 'fc', units: 3, kernelInitializer: seeded(2) }));
  return model;
}

/** Non-trivial BN state so eval (moving stats) and train (batch stats) outputs differ. */
function setBnState(model: tf.LayersModel, mean: number[], variance: number[]): void {
  const bn = model.getLayer('bn');
  const [gamma, beta] = bn.getWeights();
  bn.setWeights([gamma, beta, tf.tensor1d(mean), tf.tensor1d(variance)]);
}

function randomImages(n: number, shape: [number, number, number], seed: number): tf.Tensor4D {
  const rng = new Rng(seed);
  return tf.tensor4d(rng.normalArray(n * shape[0] * shape[1] * shape[2]), [n, ...shape]);
}

/** flatten → dense_1 (relu) → dense_2 on [28, 28, 1] inputs. */
function mlpModel(hidden = 64, seed = 3): tf.Sequential {
  return tf.sequential({
    name: 'mlp',
    layers: [
      tf.layers.flatten({ name: 'flatten', inputShape: [28, 28, 1] }),
      tf.layers.dense({ name: 'dense_1', units: hidden, activation: 'relu', kernelInitializer: seeded(seed) }),
      tf.layers.dense({ name: 'dense_2', units: 10, kernelInitializer: seeded(seed + 1) }),
    ],
  });
}

function values(t: tf.Tensor): Float32Array {
  return t.dataSync() as Float32Array;
}

/** Runs `fn` and returns its tensor's values, disposing everything. */
function read(fn: () => tf.Tensor): Float32Array {
  const t = tf.tidy(fn);
  const out = Float32Array.from(values(t));
  t.dispose();
  return out;
}

describe('fromLayersModel: a tfjs LayersModel as a TaskModel', () => {
  it('matches predict in eval mode and apply({training: true}) in train mode, and updates BN by the tfjs momentum rule once', () => {
    const model = convBnModel();
    setBnState(model, [0.3, -0.2, 0.1, 0.5], [2, 0.5, 1.5, 3]);
    const adapter = fromLayersModel(model);
    const x = randomImages(6, [8, 8, 1], 0);
    const bnMean = () => Float32Array.from(model.getLayer('bn').getWeights()[2].dataSync());
    const bnVar = () => Float32Array.from(model.getLayer('bn').getWeights()[3].dataSync());

    // Eval: inference mode, the moving statistics.
    const evalOut = read(() => adapter.forward(x, { mode: 'eval' }));
    const predicted = read(() => model.predict(x) as tf.Tensor);
    assert.ok(maxAbsDiff(evalOut, predicted) < 1e-5, `eval vs predict ${maxAbsDiff(evalOut, predicted)}`);

    // Train without bufferUpdates: batch statistics, and (as with the library's BN) no buffer change.
    const [mean0, var0] = [bnMean(), bnVar()];
    const trainOut = read(() => adapter.forward(x, { mode: 'train' }));
    assert.deepEqual(bnMean(), mean0);
    assert.deepEqual(bnVar(), var0);
    assert.ok(maxAbsDiff(trainOut, evalOut) > 1e-2, 'train and eval outputs should differ here');
    const applied = read(() => model.apply(x, { training: true }) as tf.Tensor); // tfjs updates the stats itself here
    assert.ok(maxAbsDiff(trainOut, applied) < 1e-5, `train vs apply(training) ${maxAbsDiff(trainOut, applied)}`);
    assert.notDeepEqual(bnMean(), mean0, 'tfjs BatchNormalization updates its moving stats inside apply({training: true})');
    setBnState(model, [...mean0], [...var0]);

    // The hand computation: per-channel batch mean and biased variance of the conv output.
    const convOut = read(() => model.getLayer('conv').apply(x) as tf.Tensor);
    const channels = 4;
    const count = convOut.length / channels;
    const batchMean = Array.from({ length: channels }, (_, c) => {
      let s = 0;
      for (let i = c; i < convOut.length; i += channels) s += convOut[i];
      return s / count;
    });
    const batchVar = batchMean.map((m, c) => {
      let s = 0;
      for (let i = c; i < convOut.length; i += channels) s += (convOut[i] - m) ** 2;
      return s / count;
    });
    const expectedMean = batchMean.map((b, c) => mean0[c] * 0.99 + b * 0.01);
    const expectedVar = batchVar.map((b, c) => var0[c] * 0.99 + b * 0.01);

    // Train with bufferUpdates: pushed, not applied, until applyBufferUpdates.
    const updates: BufferUpdate[] = [];
    const trainOut2 = read(() => adapter.forward(x, { mode: 'train', bufferUpdates: updates }));
    assert.ok(maxAbsDiff(trainOut2, trainOut) < 1e-6);
    assert.deepEqual(updates.map((u) => u.name), ['bn/moving_mean', 'bn/moving_variance']);
    assert.deepEqual(bnMean(), mean0);
    applyBufferUpdates(adapter, updates);
    assert.equal(updates.length, 0);
    assert.ok(maxAbsDiff(bnMean(), expectedMean) < 1e-5, `moving mean ${bnMean()} vs ${expectedMean}`);
    assert.ok(maxAbsDiff(bnVar(), expectedVar) < 1e-5, `moving variance ${bnVar()} vs ${expectedVar}`);
    assert.ok(maxAbsDiff(bnMean(), mean0) > 1e-4, 'the moving mean should have moved');
    // The layers model computes with the new statistics.
    const after = read(() => model.predict(x) as tf.Tensor);
    assert.ok(maxAbsDiff(after, predicted) > 1e-4);
    assert.ok(maxAbsDiff(after, read(() => adapter.forward(x, { mode: 'eval' }))) < 1e-5);

    // One trainStep in train mode: the stats (from the pre-step weights) are applied exactly once.
    setBnState(model, [...mean0], [...var0]);
    const optimizer = new Optimizer({ kind: 'sgd', lr: 0.1, momentum: 0, weightDecay: 0 });
    const labels = tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32');
    const idx = Int32Array.from([0, 1, 2, 3, 4, 5]);
    const loss = trainStep({ model: adapter, forward: adapter.forward.bind(adapter), vars: adapter.params, optimizer, mode: 'train' },
      x, labels, idx, 3);
    loss.dispose();
    assert.ok(maxAbsDiff(bnMean(), expectedMean) < 1e-5, `after trainStep: ${bnMean()} vs ${expectedMean}`);
    assert.ok(maxAbsDiff(bnVar(), expectedVar) < 1e-5, `after trainStep: ${bnVar()} vs ${expectedVar}`);

    optimizer.dispose();
    tf.dispose([x, labels]);
    adapter.dispose();
    model.dispose();
  });

  it('names parameters and buffers from layers and weights, with the layers model\'s own variables', () => {
    const model = convBnModel();
    const adapter = fromLayersModel(model);
    assert.equal(adapter.kind, 'layers:convbn');
    assert.deepEqual([...adapter.params].map(([name, v]) => [name, v.shape]), [
      ['conv/kernel', [3, 3, 1, 4]], ['conv/bias', [4]], ['bn/gamma', [4]], ['bn/beta', [4]],
      ['fc/kernel', [144, 3]], ['fc/bias', [3]],
    ]);
    assert.deepEqual([...adapter.buffers].map(([name, v]) => [name, v.shape]), [
      ['bn/moving_mean', [4]], ['bn/moving_variance', [4]],
    ]);
    assert.equal(adapter.params.get('conv/kernel'), model.getLayer('conv').weights[0].read());
    assert.equal(adapter.buffers.get('bn/moving_variance'), model.getLayer('bn').weights[3].read());

    // Assigning through the adapter changes what the layers model predicts.
    const x = randomImages(2, [8, 8, 1], 1);
    const before = read(() => model.predict(x) as tf.Tensor);
    const [bias] = readParams(adapter.params, ['fc/bias']);
    assignParams(adapter.params, [{ ...bias, data: Float32Array.from([1, 2, 3]) }]);
    const after = read(() => model.predict(x) as tf.Tensor);
    for (let i = 0; i < after.length; i++) assert.ok(Math.abs(after[i] - before[i] - ((i % 3) + 1)) < 1e-4, `logit ${i}`);

    // A second model with the same layer names: tfjs makes its variable names unique (`conv/kernel_1`),
    // the adapter's names stay the same.
    const twin = convBnModel();
    assert.notEqual((twin.getLayer('conv').weights[0].read() as tf.Variable).name, 'conv/kernel');
    assert.deepEqual([...fromLayersModel(twin).params.keys()], [...adapter.params.keys()]);

    // A nested model contributes <outer>/<inner>/<weight>; a frozen layer's weights are buffers.
    const inner = tf.sequential({ name: 'inner', layers: [tf.layers.dense({ name: 'd', units: 5, inputShape: [16] })] });
    const outer = tf.sequential({ name: 'outer', layers: [tf.layers.flatten({ name: 'f', inputShape: [4, 4, 1] }), inner,
      tf.layers.dense({ name: 'frozen', units: 2, trainable: false })] });
    const nested = fromLayersModel(outer);
    assert.deepEqual([...nested.params.keys()], ['inner/d/kernel', 'inner/d/bias']);
    assert.deepEqual([...nested.buffers.keys()], ['frozen/kernel', 'frozen/bias']);

    tf.dispose(x);
    adapter.dispose();
    [model, twin, outer].forEach((m) => m.dispose());
  });

  it('trains with trainModel on the embedded MNIST, and predict agrees', function () {
    this.timeout(60_000);
    const splits = loadEmbeddedMnistSplits(0);
    const model = mlpModel();
    const adapter = fromLayersModel(model);
    const x = imagesTensor(splits.val);
    const labels = tf.tensor1d(splits.val.labels, 'int32');
    const valLoss = () => read(() => crossEntropy(adapter.forward(x, { mode: 'eval' }), labels, 10))[0];
    const lossBefore = valLoss();
    const config: TrainConfig = {
      ...defaultTrainConfig, epochs: 3, batchSize: 64, schedule: { kind: 'constant' }, logEvery: 1000,
      optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 0 },
    };
    const result = trainModel(adapter, splits.train, config);
    assert.ok(result.steps >= 300, `${result.steps} steps`);
    const lossAfter = valLoss();
    assert.ok(lossAfter < lossBefore * 0.5, `val loss ${lossBefore} → ${lossAfter}`);
    const acc = evaluateModel(adapter, splits.val).accuracy;
    assert.ok(acc > 0.85, `val accuracy ${acc}`);
    // The layers model itself carries the trained weights.
    const ours = read(() => adapter.forward(x, { mode: 'eval' }));
    const theirs = read(() => model.predict(x) as tf.Tensor);
    assert.ok(maxAbsDiff(ours, theirs) < 1e-4, `adapter vs predict ${maxAbsDiff(ours, theirs)}`);
    const predAcc = read(() => (model.predict(x) as tf.Tensor).argMax(1).equal(labels).mean());
    assert.ok(Math.abs(predAcc[0] - acc) < 1e-6, `predict accuracy ${predAcc[0]} vs ${acc}`);
    tf.dispose([x, labels]);
    model.dispose();
  });

  it('splits a chain at the subset: headMany with the model\'s own params equals the full forward', () => {
    const model = mlpModel(16, 7);
    const adapter = fromLayersModel(model);
    const x = randomImages(5, [28, 28, 1], 2);
    const full = read(() => adapter.forward(x, { mode: 'eval' }));

    const subset = selectParamNames([...adapter.params.keys()], ['dense_2/*']);
    assert.deepEqual(subset, ['dense_2/kernel', 'dense_2/bias']);
    const split = splitFor(adapter, subset);
    assert.deepEqual(split.headParams, ['dense_2/kernel', 'dense_2/bias']);
    const features = split.trunk(x);
    assert.deepEqual(features.shape, [5, 16], 'the cached features are dense_1\'s output, not the images');
    assert.ok(maxAbsDiff(read(() => split.head(features, { mode: 'eval' })), full) < 1e-5);
    const own = new Map(split.headParams.map((name) => [name, adapter.params.get(name)!.expandDims(0)]));
    const many = read(() => split.headMany(features, own));
    assert.ok(maxAbsDiff(many, full) < 1e-5);

    // Three models: row m equals the full forward with model m's head, and the originals come back.
    const kernels = tf.tidy(() => tf.stack([0, 1, 2].map((m) => adapter.params.get('dense_2/kernel')!.mul(1 + m))));
    const stacked = new Map<string, tf.Tensor>([['dense_2/kernel', kernels], ['dense_2/bias', own.get('dense_2/bias')!]]);
    const kernelBefore = Float32Array.from(values(adapter.params.get('dense_2/kernel')!));
    const three = tf.tidy(() => split.headMany(features, stacked));
    assert.deepEqual(three.shape, [3, 5, 10]);
    assert.deepEqual(values(adapter.params.get('dense_2/kernel')!), kernelBefore);
    for (const m of [0, 1, 2]) {
      const original = adapter.params.get('dense_2/kernel')!.clone();
      tf.tidy(() => adapter.params.get('dense_2/kernel')!.assign(kernels.slice(m, 1).squeeze([0])));
      const expected = read(() => adapter.forward(x, { mode: 'eval' }));
      adapter.params.get('dense_2/kernel')!.assign(original);
      original.dispose();
      assert.ok(maxAbsDiff(read(() => three.slice(m, 1).squeeze([0])), expected) < 1e-4, `model ${m}`);
    }
    tf.dispose([three, kernels, features, ...own.values()]);

    // A subset starting in dense_1 cuts after the flatten; the first layer's parameters give no cut.
    assert.deepEqual(adapter.split(['dense_1/bias'])!.headParams, ['dense_1/kernel', 'dense_1/bias', 'dense_2/kernel', 'dense_2/bias']);

    // A functional linear chain splits too; BN in a head pushes its updates in train mode.
    const input = tf.input({ shape: [8, 8, 1] });
    let h = tf.layers.conv2d({ name: 'conv', filters: 2, kernelSize: 3, kernelInitializer: seeded(5) }).apply(input) as tf.SymbolicTensor;
    h = tf.layers.batchNormalization({ name: 'bn' }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.flatten({ name: 'flatten' }).apply(h) as tf.SymbolicTensor;
    const functional = tf.model({ name: 'functional', inputs: input, outputs: tf.layers.dense({ name: 'fc', units: 3 }).apply(h) as tf.SymbolicTensor });
    const fAdapter = fromLayersModel(functional);
    const fSplit = fAdapter.split(['bn/gamma'])!;
    assert.ok(fSplit, 'a functional chain splits');
    const images = randomImages(4, [8, 8, 1], 3);
    const convFeatures = fSplit.trunk(images);
    assert.deepEqual(convFeatures.shape, [4, 6, 6, 2]);
    const updates: BufferUpdate[] = [];
    const headTrain = read(() => fSplit.head(convFeatures, { mode: 'train', bufferUpdates: updates }));
    assert.ok(maxAbsDiff(headTrain, read(() => fAdapter.forward(images, { mode: 'train' }))) < 1e-5);
    assert.deepEqual(updates.map((u) => u.name), ['bn/moving_mean', 'bn/moving_variance']);
    tf.dispose(updates.map((u) => u.value));
    tf.dispose([images, convFeatures]);

    // Two branches concatenated: not a chain, so the whole-network fallback.
    const branchInput = tf.input({ shape: [4, 4, 1] });
    const flat = tf.layers.flatten({ name: 'flat' }).apply(branchInput) as tf.SymbolicTensor;
    const a = tf.layers.dense({ name: 'a', units: 3 }).apply(flat) as tf.SymbolicTensor;
    const b = tf.layers.dense({ name: 'b', units: 3 }).apply(flat) as tf.SymbolicTensor;
    const joined = tf.layers.concatenate({ name: 'cat' }).apply([a, b]) as tf.SymbolicTensor;
    const branched = tf.model({ name: 'branched', inputs: branchInput, outputs: tf.layers.dense({ name: 'out', units: 2 }).apply(joined) as tf.SymbolicTensor });
    const bAdapter = fromLayersModel(branched);
    assert.equal(bAdapter.split(['out/kernel']), undefined);
    const small = randomImages(3, [4, 4, 1], 4);
    const fallback = splitFor(bAdapter, ['out/kernel', 'out/bias']);
    const fFeatures = fallback.trunk(small);
    assert.deepEqual(fFeatures.shape, [3, 4, 4, 1], 'the fallback caches the images');
    const ownOut = new Map(['out/kernel', 'out/bias'].map((n) => [n, bAdapter.params.get(n)!.expandDims(0)]));
    assert.ok(maxAbsDiff(read(() => fallback.headMany(fFeatures, ownOut)), read(() => bAdapter.forward(small, { mode: 'eval' }))) < 1e-5);
    tf.dispose([small, fFeatures, x, ...ownOut.values()]);
    [model, functional, branched].forEach((m) => m.dispose());
  });

  it('keeps the tensor count flat over forwards, steps and splits', () => {
    const model = convBnModel();
    const adapter = fromLayersModel(model);
    const x = randomImages(6, [8, 8, 1], 5);
    const labels = tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32');
    const idx = Int32Array.from([0, 1, 2, 3, 4, 5]);
    const optimizer = new Optimizer({ kind: 'sgd', lr: 0.01, momentum: 0.9, weightDecay: 5e-4 });
    const target = { model: adapter, forward: adapter.forward.bind(adapter), vars: adapter.params, optimizer, mode: 'train' as const };
    const subset = ['fc/kernel', 'fc/bias'];
    const round = () => {
      tf.dispose(adapter.forward(x, { mode: 'eval' }));
      const updates: BufferUpdate[] = [];
      tf.dispose(adapter.forward(x, { mode: 'train', bufferUpdates: updates }));
      applyBufferUpdates(adapter, updates);
      tf.dispose(adapter.forward(x, { mode: 'train' }));
      trainStep(target, x, labels, idx, 3).dispose();
      const split = adapter.split(subset)!;
      const features = split.trunk(x);
      const params = new Map(subset.map((n) => [n, tf.stack([adapter.params.get(n)!, adapter.params.get(n)!])]));
      tf.dispose([split.head(features, { mode: 'eval' }), split.headMany(features, params), features, ...params.values()]);
    };
    round(); // warm-up: optimizer slots, kernels
    const before = tf.memory().numTensors;
    const lossBefore = read(() => crossEntropy(adapter.forward(x, { mode: 'eval' }), labels, 3))[0];
    for (let i = 0; i < 5; i++) round();
    assert.equal(tf.memory().numTensors, before);
    const lossAfter = read(() => crossEntropy(adapter.forward(x, { mode: 'eval' }), labels, 3))[0];
    assert.ok(lossAfter < lossBefore, `loss ${lossBefore} → ${lossAfter} after trainStep`);
    optimizer.dispose();
    tf.dispose([x, labels]);
    adapter.dispose(); // not owned: the layers model stays usable
    tf.tidy(() => model.predict(tf.zeros([1, 8, 8, 1])));
    model.dispose();
  });

  it('rejects bad models and inputs with clear InputErrors', () => {
    const isInput = (pattern: RegExp) => (e: unknown) => e instanceof InputError && pattern.test(e.message);

    const noWeights = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [4, 4, 1] })] });
    assert.throws(() => fromLayersModel(noWeights), isInput(/has no trainable weights/));
    const frozen = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [4, 4, 1] }), tf.layers.dense({ units: 2, trainable: false })] });
    assert.throws(() => fromLayersModel(frozen), isInput(/has no trainable weights/));

    const model = mlpModel(8);
    const adapter = fromLayersModel(model);
    assert.throws(() => tf.tidy(() => adapter.forward(tf.zeros([2, 28, 28], 'float32') as tf.Tensor as tf.Tensor4D, { mode: 'eval' })),
      isInput(/the layers model expects input \[null, 28, 28, 1\], got \[2, 28, 28\]/));
    assert.throws(() => tf.tidy(() => adapter.forward(tf.zeros([2, 14, 14, 1]), { mode: 'eval' })),
      isInput(/expects input \[null, 28, 28, 1\], got \[2, 14, 14, 1\]/));
    assert.throws(() => tf.tidy(() => adapter.split(['dense_2/bias'])!.trunk(tf.zeros([2, 28, 28, 3]))), isInput(/got \[2, 28, 28, 3\]/));

    const flatInput = tf.sequential({ layers: [tf.layers.dense({ inputShape: [784], units: 10 })] });
    assert.throws(() => fromLayersModel(flatInput), isInput(/expects input \[null, 784\]; a task model takes \[N, H, W, C\] images/));

    const input = tf.input({ shape: [28, 28, 1] });
    const seq = tf.layers.reshape({ targetShape: [28, 28] }).apply(input) as tf.SymbolicTensor;
    const bi = tf.layers.bidirectional({ name: 'bi', layer: tf.layers.lstm({ units: 4 }) as tf.RNN }).apply(seq) as tf.SymbolicTensor;
    const rnn = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 10 }).apply(bi) as tf.SymbolicTensor });
    assert.throws(() => fromLayersModel(rnn), isInput(/cannot name the weights of layer bi \(Bidirectional\)/));

    const softmax = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [4, 4, 1] }), tf.layers.dense({ units: 3, activation: 'softmax' })] });
    assert.throws(() => fromLayersModel(softmax), isInput(/ends in a softmax/));
    const probs = fromLayersModel(softmax, { output: 'probabilities' });
    const x = randomImages(2, [4, 4, 1], 6);
    const p = read(() => tf.softmax(probs.forward(x, { mode: 'eval' })));
    assert.ok(maxAbsDiff(p, read(() => softmax.predict(x) as tf.Tensor)) < 1e-5);
    x.dispose();

    // ownsModel: dispose() disposes the layers model's variables.
    const owned = mlpModel(4);
    const kernel = owned.getLayer('dense_1').weights[0].read();
    fromLayersModel(owned, { ownsModel: true }).dispose();
    assert.ok(kernel.isDisposed);
    [noWeights, frozen, model, flatInput, rnn, softmax].forEach((m) => m.dispose());
  });
});
