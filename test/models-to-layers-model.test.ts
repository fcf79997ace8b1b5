import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { ConvNetS } from '../lib/models/convnet-s';
import { fromLayersModel } from '../lib/models/layers-model';
import { Mlp } from '../lib/models/mlp';
import { ResNet, defaultResNetConfig } from '../lib/models/resnet';
import type { TaskModel } from '../lib/models/task-model';
import { toLayersModel } from '../lib/models/to-layers-model';
import { InputError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';
import { maxAbsDiff } from './helpers/backends';

function randomImages(n: number, shape: [number, number, number], seed: number): tf.Tensor4D {
  const rng = new Rng(seed);
  return tf.tensor4d(rng.normalArray(n * shape[0] * shape[1] * shape[2]), [n, ...shape]);
}

/** BN statistics away from (0, 1), so a wrong eps, order or missing buffer shows in the logits. */
function randomBuffers(model: TaskModel, seed: number): void {
  const rng = new Rng(seed);
  for (const [name, v] of model.buffers) {
    const values = Float32Array.from({ length: v.size }, () => (name.endsWith('running_var') ? 0.2 + rng.uniform() : 0.5 * rng.normal()));
    tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
  }
}

/** Logits of the task model (eval) and of its LayersModel (predict) on the same images. */
function bothLogits(model: TaskModel, shape: [number, number, number]): { ours: Float32Array; layers: Float32Array } {
  const x = randomImages(5, shape, 3);
  const layersModel = toLayersModel(model, shape);
  const read = (fn: () => tf.Tensor) => {
    const t = tf.tidy(fn);
    const values = Float32Array.from(t.dataSync());
    t.dispose();
    return values;
  };
  const logits = { ours: read(() => model.forward(x, { mode: 'eval' })), layers: read(() => layersModel.predict(x) as tf.Tensor) };
  layersModel.dispose();
  x.dispose();
  return logits;
}

describe('models/toLayersModel: a task model as a tf.LayersModel of the same architecture', () => {
  it('an MLP: predict gives its logits, and the weights are its values under the layer names', () => {
    const model = new Mlp({ inputSize: 6 * 6 * 2, hidden: [7, 5], numClasses: 3 }, 1);
    const before = tf.memory().numTensors;
    const { ours, layers } = bothLogits(model, [6, 6, 2]);
    assert.equal(tf.memory().numTensors, before, 'the layers model and every intermediate tensor are freed');
    assert.equal(ours.length, 5 * 3);
    assert.ok(maxAbsDiff(ours, layers) < 1e-5, `max |Δ| ${maxAbsDiff(ours, layers)}`);

    const layersModel = toLayersModel(model, [6, 6, 2]);
    const adapter = fromLayersModel(layersModel, { ownsModel: true });
    assert.deepEqual([...adapter.params.keys()], ['fc1/kernel', 'fc1/bias', 'fc2/kernel', 'fc2/bias', 'fc3/kernel', 'fc3/bias']);
    const fc2 = Float32Array.from(adapter.params.get('fc2/kernel')!.dataSync());
    assert.deepEqual(fc2, Float32Array.from(model.params.get('fc2/weight')!.dataSync()));
    // Independent afterwards: changing the task model leaves the layers model as built.
    model.params.get('fc2/weight')!.assign(tf.zerosLike(model.params.get('fc2/weight')!));
    assert.deepEqual(Float32Array.from(adapter.params.get('fc2/kernel')!.dataSync()), fc2);
    adapter.dispose();
    model.dispose();
  });

  it('a ConvNet-S with BN statistics: predict gives its inference-mode logits, BN moving statistics are buffers', () => {
    const model = new ConvNetS({ inChannels: 2, numClasses: 4, channels: [3, 4, 5] }, 2);
    randomBuffers(model, 4);
    const { ours, layers } = bothLogits(model, [12, 12, 2]);
    assert.ok(maxAbsDiff(ours, layers) < 1e-4, `max |Δ| ${maxAbsDiff(ours, layers)}`);

    const adapter = fromLayersModel(toLayersModel(model, [12, 12, 2]), { ownsModel: true });
    assert.deepEqual([...adapter.buffers.keys()], ['bn1/moving_mean', 'bn1/moving_variance', 'bn2/moving_mean', 'bn2/moving_variance', 'bn3/moving_mean', 'bn3/moving_variance']);
    assert.deepEqual(Float32Array.from(adapter.buffers.get('bn2/moving_variance')!.dataSync()), Float32Array.from(model.buffers.get('bn2/running_var')!.dataSync()));
    adapter.dispose();
    model.dispose();
  });

  it('refuses images of another size or channel count, and architectures it does not know, by name', () => {
    const mlp = new Mlp({ inputSize: 784, hidden: [4], numClasses: 10 }, 0);
    const conv = new ConvNetS({ inChannels: 1, numClasses: 10, channels: [2, 2, 2] }, 0);
    const resnet = new ResNet({ ...defaultResNetConfig }, 0);
    const before = tf.memory().numTensors;
    assert.throws(() => toLayersModel(mlp, [28, 28, 3]), (e: Error) => e instanceof InputError && /\[28, 28, 3\] give 2352 inputs, the mlp takes 784/.test(e.message));
    assert.throws(() => toLayersModel(conv, [28, 28, 3]), (e: Error) => e instanceof InputError && /3 channels, the convnet-s takes 1/.test(e.message));
    assert.throws(() => toLayersModel(resnet, [32, 32, 3]), (e: Error) => e instanceof InputError && /not resnet/.test(e.message));
    assert.equal(tf.memory().numTensors, before);
    [mlp, conv, resnet].forEach((m) => m.dispose());
  });
});
