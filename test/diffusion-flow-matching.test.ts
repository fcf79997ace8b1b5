import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { defaultFlowTrainConfig, FlowMatching, flowMatchingLoss, type FlowTrainConfig } from '../lib/diffusion/flow-matching';
import { integrateFlow } from '../lib/diffusion/flow-sampler';
import { VelocityMlp } from '../lib/diffusion/velocity-mlp';
import type { VectorSet } from '../lib/params/types';
import { InputError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';

/** n points of ½·N((−2, 0), 0.5²I) + ½·N((2, 0), 0.5²I): mean 0, covariance diag(4.25, 0.25). */
function mixture(n: number, seed: number): VectorSet {
  const rng = new Rng(seed);
  const data = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    data[2 * i] = (i % 2 ? 2 : -2) + 0.5 * rng.normal();
    data[2 * i + 1] = 0.5 * rng.normal();
  }
  return { count: n, dim: 2, data };
}

function moments(set: VectorSet) {
  const m = [0, 0];
  const c = [0, 0, 0];
  for (let i = 0; i < set.count; i++) for (let j = 0; j < 2; j++) m[j] += set.data[2 * i + j] / set.count;
  for (let i = 0; i < set.count; i++) {
    const [x, y] = [set.data[2 * i] - m[0], set.data[2 * i + 1] - m[1]];
    c[0] += (x * x) / set.count;
    c[1] += (x * y) / set.count;
    c[2] += (y * y) / set.count;
  }
  return { mean: m, cov: c };
}

const config = (over: Partial<FlowTrainConfig>): FlowTrainConfig =>
  ({ ...defaultFlowTrainConfig, optimizer: { kind: 'adamw', lr: 3e-3, weightDecay: 0, betas: [0.9, 0.999], eps: 1e-8 }, ...over });

describe('diffusion/flow-matching', () => {
  it('Euler and Heun integrate dx/dt = x exactly as their formulas say: (1 + h)^K and (1 + h + h²/2)^K', () => {
    const x0 = tf.tensor2d([[1, -2]]);
    for (const [kind, growth] of [['euler', 1 + 0.1], ['heun', 1 + 0.1 + 0.005]] as const) {
      const x1 = integrateFlow((x) => x.clone(), x0, { kind, steps: 10 });
      const expected = growth ** 10;
      const got = x1.dataSync();
      assert.ok(Math.abs(got[0] - expected) < 1e-5 && Math.abs(got[1] + 2 * expected) < 1e-5, `${kind}: ${got}`);
      x1.dispose();
    }
    assert.throws(() => integrateFlow((x) => x, x0, { kind: 'euler', steps: 0 }), InputError);
    x0.dispose();
  });

  it('the loss is zero for the exact velocity of a one-point data set at every t', () => {
    // Data x_1 = a: the conditional velocity a − x_0 equals (a − x_t) / (1 − t).
    const a = tf.tensor2d([[3, -1]]);
    const t = new Float32Array(1);
    const exact = {
      velocity: (x: tf.Tensor2D, tt: tf.Tensor1D) => {
        t.set(tt.dataSync());
        return a.sub(x).div(1 - t[0]) as tf.Tensor2D;
      },
    };
    const loss = flowMatchingLoss(exact, a, new Rng(0));
    assert.ok(loss.dataSync()[0] < 1e-8);
    tf.dispose([loss, a]);
  });

  it('learns a 2-D Gaussian mixture: the samples\' mean, covariance and two modes match the data', function () {
    this.timeout(60_000);
    const data = mixture(512, 0);
    const field = new VelocityMlp(2, { hidden: [64, 64], timeFeatures: 16, prediction: 'velocity' }, 1);
    const tensors = tf.memory().numTensors;
    const flow = FlowMatching.train(field, data, config({ steps: 1200, batchSize: 128, seed: 2, logEvery: 100 }));
    assert.equal(tf.memory().numTensors, tensors + field.params.size, 'only the EMA averages stay');
    const samples = flow.sample(2000, { kind: 'heun', steps: 40, seed: 3 });
    const { mean, cov } = moments(samples);
    const target = moments(data);
    assert.ok(Math.abs(mean[0] - target.mean[0]) < 0.15 && Math.abs(mean[1] - target.mean[1]) < 0.05, `mean ${mean}`);
    assert.ok(Math.abs(cov[0] / target.cov[0] - 1) < 0.08, `var x ${cov[0]} vs ${target.cov[0]}`);
    assert.ok(Math.abs(cov[2] / target.cov[2] - 1) < 0.2 && Math.abs(cov[1]) < 0.1, `cov ${cov}`);
    // A Gaussian of that covariance puts 37% of its mass at |x| < 1; the mixture 2% (measured, seed 2: 4%).
    let between = 0;
    for (let i = 0; i < samples.count; i++) if (Math.abs(samples.data[2 * i]) < 1) between++;
    assert.ok(between / samples.count < 0.08, `${between} of ${samples.count} samples between the modes`);
    flow.dispose();
  });

  it('a run interrupted after a save and resumed ends with the weights of an uninterrupted one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-'));
    const file = path.join(dir, 'state.safetensors');
    const weights = (checkpoint?: { file: string; every: number }, stopAt?: number) => {
      const field = new VelocityMlp(2, { hidden: [8], timeFeatures: 4, prediction: 'velocity' }, 0);
      try {
        const flow = FlowMatching.train(field, mixture(32, 1), config({ steps: 20, batchSize: 8, logEvery: 5 }), (p) => {
          if (p.step === stopAt) throw new Error('interrupted');
        }, checkpoint);
        flow.ema?.dispose();
        return field.params.get('fc1/weight')!.dataSync().slice();
      } finally {
        field.dispose();
      }
    };
    assert.throws(() => weights({ file, every: 5 }, 10), /interrupted/);
    assert.deepEqual(weights({ file, every: 5 }), weights());
    assert.throws(() => FlowMatching.train(new VelocityMlp(3, { hidden: [4], timeFeatures: 4, prediction: 'velocity' }, 0), mixture(4, 0)), InputError);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
