// The MLP's cut: trunk + head is the forward, and headMany of M parameter sets equals M separate
// forwards, for the whole network (features = the flattened images) and for a later layer.
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { Mlp, splitFor } from '../lib/models';
import { Rng } from '../lib/util/rng';
import { maxAbsDiff } from './helpers/backends';

const config = { inputSize: 12, hidden: [7, 5], numClasses: 3 };
const images = (n: number) => tf.tensor4d(new Rng(9).normalArray(n * 12), [n, 3, 4, 1]);

/** Logits [N, classes] of the model of `seed`. */
function forwardOf(seed: number, x: tf.Tensor4D): Float32Array {
  const model = new Mlp(config, seed);
  const out = tf.tidy(() => model.forward(x).dataSync() as Float32Array);
  model.dispose();
  return out;
}

describe('MLP split', () => {
  for (const [what, subset, headParams] of [
    ['the whole network', ['fc1/weight', 'fc1/bias', 'fc2/weight', 'fc2/bias', 'fc3/weight', 'fc3/bias'], 6],
    ['from fc2 on (fc1 in the trunk)', ['fc2/weight', 'fc3/bias'], 4],
  ] as const) {
    it(`${what}: headMany of M = 3 parameter sets equals 3 separate forwards (1e-5), and is differentiable`, () => {
      const x = images(5);
      const model = new Mlp(config, 0); // the trunk, and its own values for head parameters outside the sets (fc2/bias, fc3/weight for the later cut)
      const split = splitFor(model, subset);
      assert.ok(split.differentiable);
      assert.equal(split.headParams.length, headParams);
      const seeds = [1, 2, 3];
      const members = seeds.map((seed) => new Mlp(config, seed));
      const features = split.trunk(x);
      const stacked = new Map(split.headParams.map((name) => [name, tf.tidy(() =>
        subset.includes(name as never) ? tf.stack(members.map((m) => m.params.get(name)!)) : model.params.get(name)!.expandDims(0))]));
      const many = tf.tidy(() => split.headMany(features, stacked).dataSync() as Float32Array); // [3, 5, 3]
      members.forEach((member, m) => {
        // A member is the model with the subset's values replaced.
        for (const [name, v] of member.params) if (!subset.includes(name as never)) v.assign(model.params.get(name)!);
        const one = tf.tidy(() => member.forward(x).dataSync() as Float32Array);
        assert.ok(maxAbsDiff(many.subarray(m * 15, (m + 1) * 15), one) < 1e-5, `model ${m}`);
      });
      // The cut's own head on its trunk is the forward.
      assert.ok(maxAbsDiff(tf.tidy(() => split.head(features, { mode: 'eval' }).dataSync()), forwardOf(0, x)) < 1e-5);
      // Gradients flow to every parameter of the sets (the shared [1, ...] ones are constants).
      const own = split.headParams.filter((name) => subset.includes(name as never));
      const grads = tf.tidy(() => tf.grads((...ps: tf.Tensor[]) => {
        const params = new Map(stacked);
        own.forEach((name, i) => params.set(name, ps[i]));
        return split.headMany(features, params).square().sum();
      })(own.map((name) => stacked.get(name)!)).map((g) => g.abs().sum().dataSync()[0]));
      grads.forEach((g, i) => assert.ok(g > 0, `no gradient for ${own[i]}`));
      tf.dispose([x, features, ...stacked.values()]);
      [model, ...members].forEach((m) => m.dispose());
    });
  }
});
