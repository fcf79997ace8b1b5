import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { diffusionLoss, makeSchedule, predictX0, qSample } from '../lib/diffusion';
import { InputError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';
import { maxAbsDiff } from './helpers/backends';

const schedule = makeSchedule();

function randomMatrix(rng: Rng, n: number, d: number): tf.Tensor2D {
  return tf.tensor2d(rng.normalArray(n * d), [n, d]);
}

describe('diffusion/forward', () => {
  it('qSample uses each row’s own timestep: x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε', () => {
    const rng = new Rng(1);
    const t = Int32Array.of(0, 999, 250, 500, 1);
    tf.tidy(() => {
      const x0 = randomMatrix(rng, 5, 3);
      const noise = randomMatrix(rng, 5, 3);
      const xt = qSample(x0, t, noise, schedule).dataSync();
      const [a, e] = [x0.dataSync(), noise.dataSync()];
      const expected = Float32Array.from(xt, (_, i) => {
        const ab = schedule.alphasCumprod[t[Math.floor(i / 3)]];
        return Math.sqrt(ab) * a[i] + Math.sqrt(1 - ab) * e[i];
      });
      assert.ok(maxAbsDiff(xt, expected) < 1e-6, `${maxAbsDiff(xt, expected)}`);
    });
  });

  it('predictX0 inverts qSample given the true ε, at every noise level', () => {
    const rng = new Rng(2);
    const t = Int32Array.from({ length: 40 }, (_, i) => (i * 999) / 39);
    tf.tidy(() => {
      const x0 = randomMatrix(rng, 40, 6).tanh() as tf.Tensor2D;
      const noise = randomMatrix(rng, 40, 6);
      const back = predictX0(qSample(x0, t, noise, schedule), t, noise, schedule);
      // float32: at t = 999, 1/√ᾱ ≈ 157 magnifies rounding of x_t (~1e-7) to ~2e-5.
      assert.ok(maxAbsDiff(back.dataSync(), x0.dataSync()) < 1e-4, `${maxAbsDiff(back.dataSync(), x0.dataSync())}`);
    });
  });

  it('rejects timesteps outside [0, T) and row-count mismatches', () => {
    tf.tidy(() => {
      const x = tf.zeros([2, 3]) as tf.Tensor2D;
      assert.throws(() => qSample(x, Int32Array.of(0, 1000), x, schedule), InputError);
      assert.throws(() => qSample(x, Int32Array.of(0, -1), x, schedule), InputError);
      assert.throws(() => predictX0(x, Int32Array.of(0), x, schedule), InputError);
    });
  });

  it('diffusionLoss: one timestep per sample, ≈0 for the oracle ε, ≈1 for predicting zero, seeded', () => {
    const x0 = tf.tanh(randomMatrix(new Rng(3), 64, 5)) as tf.Tensor2D;
    const x0Data = x0.dataSync();
    const seen: Int32Array[] = [];
    // Knows x_0, so recovers ε from x_t exactly iff the loss noised row i with the t_i it passes.
    const oracle = (xt: tf.Tensor2D, t: Int32Array) => {
      seen.push(t.slice());
      return tf.tidy(() => {
        const a = tf.tensor2d(Float32Array.from(t, (ti) => schedule.alphasCumprod[ti]), [t.length, 1]);
        return xt.sub(a.sqrt().mul(tf.tensor2d(x0Data, x0.shape))).div(tf.scalar(1).sub(a).sqrt()) as tf.Tensor2D;
      });
    };
    const zero = (xt: tf.Tensor2D) => tf.zerosLike(xt);
    const before = tf.memory().numTensors;
    const lossOf = (eps: Parameters<typeof diffusionLoss>[0], seed: number) => {
      const loss = diffusionLoss(eps, x0, new Rng(seed), schedule);
      const value = loss.dataSync()[0];
      loss.dispose();
      return value;
    };
    assert.ok(lossOf(oracle, 0) < 1e-6, `oracle loss ${lossOf(oracle, 0)}`);
    const t = seen[0];
    assert.equal(t.length, 64);
    assert.ok(new Set(t).size > 50, `only ${new Set(t).size} distinct timesteps in a batch of 64`);
    const z = lossOf(zero, 0);
    assert.ok(Math.abs(z - 1) < 0.15, `E‖ε‖²/D should be 1, got ${z}`);
    assert.equal(lossOf(zero, 7), lossOf(zero, 7));
    assert.notEqual(lossOf(zero, 7), lossOf(zero, 8));
    assert.equal(tf.memory().numTensors, before);
    x0.dispose();
  });
});
