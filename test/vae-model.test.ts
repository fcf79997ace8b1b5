import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { defaultVaeConfig, klDivergence, vaeActivations, WeightVae, type VaeActivation, type VaeConfig } from '../lib/vae';
import { InputError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';
import { maxAbsDiff, onBackend } from './helpers/backends';

const small: VaeConfig = { ...defaultVaeConfig, latentDim: 3, hidden: [8, 6] };
const rows = (count: number, dim: number, seed: number) => tf.tensor2d(new Rng(seed).normalArray(count * dim), [count, dim]);
const values = (t: tf.Tensor) => Array.from(t.dataSync());
const close = (a: number[], b: number[], tol: number, what: string) =>
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= tol * (1 + Math.abs(b[i])), `${what}[${i}]: ${v} vs ${b[i]}`));

/** y = act(x·W + b) in float64, for one row. */
function denseRow(x: number[], w: Float32Array, b: Float32Array, act: (v: number) => number): number[] {
  const out = b.length;
  return Array.from({ length: out }, (_, j) => act(x.reduce((s, xi, i) => s + xi * w[i * out + j], b[j])));
}

const activations: Record<VaeActivation, (v: number) => number> = {
  silu: (v) => v / (1 + Math.exp(-v)),
  leakyRelu: (v) => (v > 0 ? v : 0.01 * v),
  tanh: Math.tanh,
};

describe('weight VAE model', () => {
  it('has the documented parameters and shapes, seeded: same seed same weights, another seed other weights', () => {
    const vae = new WeightVae(small, 65, 1);
    const shapes = Object.fromEntries([...vae.params].map(([n, v]) => [n, v.shape]));
    assert.deepEqual(shapes, {
      'enc.0/weight': [65, 8], 'enc.0/bias': [8], 'enc.1/weight': [8, 6], 'enc.1/bias': [6],
      'enc.moments/weight': [6, 6], 'enc.moments/bias': [6],
      'dec.0/weight': [3, 6], 'dec.0/bias': [6], 'dec.1/weight': [6, 8], 'dec.1/bias': [8],
      'dec.out/weight': [8, 65], 'dec.out/bias': [65],
    });
    assert.equal(vae.paramCount, 65 * 8 + 8 + 8 * 6 + 6 + 6 * 6 + 6 + 3 * 6 + 6 + 6 * 8 + 8 + 8 * 65 + 65);
    // PyTorch's Linear init: U(±1/√fanIn).
    const w = values(vae.params.get('enc.0/weight')!);
    assert.ok(w.every((v) => Math.abs(v) <= 1 / Math.sqrt(65)) && Math.max(...w.map(Math.abs)) > 0.9 / Math.sqrt(65));
    const again = new WeightVae(small, 65, 1);
    const other = new WeightVae(small, 65, 2);
    assert.deepEqual(values(again.params.get('dec.out/weight')!), values(vae.params.get('dec.out/weight')!));
    assert.notDeepEqual(values(other.params.get('dec.out/weight')!), values(vae.params.get('dec.out/weight')!));
    [vae, again, other].forEach((v) => v.dispose());
  });

  it('encode, encodeSample and decode give [B, Dz] and [B, D]; encode is the posterior mean; samples are seeded', () => {
    const vae = new WeightVae(small, 65, 0);
    const x = rows(5, 65, 1);
    const before = tf.memory().numTensors;
    const { mean, logvar } = vae.moments(x);
    const z = vae.encode(x);
    const [s1, s1again, s2] = [vae.encodeSample(x, 7), vae.encodeSample(x, 7), vae.encodeSample(x, 8)];
    const y = vae.decode(z);
    assert.deepEqual([mean.shape, logvar.shape, z.shape, s1.shape, y.shape], [[5, 3], [5, 3], [5, 3], [5, 3], [5, 65]]);
    assert.deepEqual(values(z), values(mean));
    assert.deepEqual(values(s1), values(s1again));
    assert.notDeepEqual(values(s1), values(s2));
    // z = mean + exp(logvar / 2)·ε with ε ~ N(0, I) from the seed.
    const eps = tf.tidy(() => values(tf.randomNormal([5, 3], 0, 1, 'float32', 7)));
    const [m, lv] = [values(mean), values(logvar)];
    close(values(s1), m.map((mu, i) => mu + Math.exp(lv[i] / 2) * eps[i]), 1e-5, 'sample');
    tf.dispose([mean, logvar, z, s1, s1again, s2, y]);
    assert.equal(tf.memory().numTensors, before);
    x.dispose();
    vae.dispose();
  });

  for (const activation of vaeActivations) {
    it(`computes the documented MLPs with activation ${activation}`, () => {
      const vae = new WeightVae({ ...small, activation, latentDim: 2, hidden: [4] }, 3, 3);
      const p = (name: string) => vae.params.get(name)!.dataSync() as Float32Array;
      const act = activations[activation];
      const x = [0.5, -1.5, 2];
      const h = denseRow(x, p('enc.0/weight'), p('enc.0/bias'), act);
      const out = denseRow(h, p('enc.moments/weight'), p('enc.moments/bias'), (v) => v);
      const z = [0.3, -2];
      const d = denseRow(denseRow(z, p('dec.0/weight'), p('dec.0/bias'), act), p('dec.out/weight'), p('dec.out/bias'), (v) => v);
      tf.tidy(() => {
        const { mean, logvar } = vae.moments(tf.tensor2d([x]));
        close(values(mean), out.slice(0, 2), 1e-5, 'mean');
        close(values(logvar), out.slice(2), 1e-5, 'logvar');
        close(values(vae.decode(tf.tensor2d([z]))), d, 1e-5, 'decode');
      });
      vae.dispose();
    });
  }

  it('KL equals the closed form ½Σ(μ² + σ² − 1 − log σ²) on crafted moments; zero at the prior', () => {
    const mean = tf.tensor2d([[0, 0], [1, -2], [0.5, 0]]);
    const logvar = tf.tensor2d([[0, 0], [0, Math.log(4)], [-1, 2]]);
    const expected = [0, 0.5 * (1 + 4 + (4 - 1 - Math.log(4))), 0.5 * (0.25 + Math.exp(-1) - 1 + 1 + Math.exp(2) - 1 - 2)];
    close(values(klDivergence(mean, logvar)), expected, 1e-6, 'KL');
    tf.dispose([mean, logvar]);
  });

  it('loss: total = recon + beta·KL/D, recon the MSE of the sampled reconstruction, KL of the moments', () => {
    const beta = 0.3;
    const vae = new WeightVae({ ...small, beta }, 10, 0);
    const x = rows(4, 10, 2);
    const seeds = { input: 1, latent: 5 };
    const { total, recon, kl, decoded } = vae.loss(x, seeds);
    const { mean, logvar } = vae.moments(x);
    const expectedDecoded = tf.tidy(() => vae.decode(vae.encodeSample(x, seeds.latent)));
    assert.deepEqual(decoded.dataSync(), expectedDecoded.dataSync(), 'decoded: the reconstruction recon compares');
    const expectedRecon = tf.tidy(() => expectedDecoded.sub(x).square().mean().dataSync()[0]);
    const expectedKl = tf.tidy(() => klDivergence(mean, logvar).mean().dataSync()[0]);
    close([recon.dataSync()[0], kl.dataSync()[0]], [expectedRecon, expectedKl], 1e-5, 'terms');
    close([total.dataSync()[0]], [expectedRecon + (beta * expectedKl) / 10], 1e-5, 'total');
    assert.ok(expectedKl > 0.01);
    tf.dispose([total, recon, kl, decoded, expectedDecoded, mean, logvar, x]);
    vae.dispose();
  });

  it('input noise mixes the input only: with inputNoise the recon term changes, the target stays the clean x', () => {
    const x = rows(4, 10, 3);
    const reconWith = (inputNoise: number) => {
      const vae = new WeightVae({ ...small, inputNoise }, 10, 0);
      const r = tf.tidy(() => vae.loss(x, { input: 1, latent: 2 }).recon.dataSync()[0]);
      const manual = tf.tidy(() => {
        const noisy = x.mul(1 - inputNoise).add(tf.randomNormal(x.shape, 0, 1, 'float32', 1).mul(inputNoise)) as tf.Tensor2D;
        return vae.decode(vae.encodeSample(noisy, 2)).sub(x).square().mean().dataSync()[0];
      });
      vae.dispose();
      return { r, manual };
    };
    const [off, on] = [reconWith(0), reconWith(0.5)];
    close([off.r, on.r], [off.manual, on.manual], 1e-5, 'recon');
    assert.ok(Math.abs(off.r - on.r) > 1e-4, `${off.r} vs ${on.r}`);
    x.dispose();
  });

  it('loss and gradients agree with the cpu backend (noise included)', async () => {
    const run = () => {
      const vae = new WeightVae({ ...small, inputNoise: 0.1, beta: 0.5 }, 12, 4);
      const x = tf.tensor2d(new Rng(5).normalArray(6 * 12), [6, 12]);
      const vars = [...vae.params.values()];
      const { value, grads } = tf.variableGrads(() => vae.loss(x, { input: 3, latent: 4 }).total, vars);
      const arrays = [value, ...vars.map((v) => grads[v.name])].map((t) => t.dataSync().slice());
      tf.dispose([value, x, ...Object.values(grads)]);
      vae.dispose();
      return arrays;
    };
    const cpu = await onBackend('cpu', run);
    run().forEach((a, i) => assert.ok(maxAbsDiff(a, cpu[i]) < 1e-4, `array ${i} differs by ${maxAbsDiff(a, cpu[i])}`));
  });

  it('rejects bad configs, a wrong input width and a wrong latent width, naming the problem', () => {
    const rejects = (fn: () => unknown, pattern: RegExp) =>
      assert.throws(fn, (e: Error) => e instanceof InputError && pattern.test(e.message), `expected ${pattern}`);
    rejects(() => new WeightVae({ ...small, latentDim: 0 }, 10, 0), /latentDim must be a positive integer, got 0/);
    rejects(() => new WeightVae({ ...small, hidden: [4, 2.5] }, 10, 0), /hidden must be a list of positive integers/);
    rejects(() => new WeightVae({ ...small, activation: 'relu' as VaeActivation }, 10, 0), /activation must be one of silu, leakyRelu, tanh, got "relu"/);
    rejects(() => new WeightVae({ ...small, beta: -1 }, 10, 0), /beta must be a finite number ≥ 0, got -1/);
    rejects(() => new WeightVae({ ...small, inputNoise: 2 }, 10, 0), /inputNoise must be in \[0, 1\], got 2/);
    rejects(() => new WeightVae(small, 0, 0), /input dim must be a positive integer, got 0/);
    const vae = new WeightVae(small, 10, 0);
    const before = tf.memory().numTensors;
    const [wide, z] = [tf.zeros([2, 11]) as tf.Tensor2D, tf.zeros([2, 4]) as tf.Tensor2D];
    rejects(() => vae.encode(wide), /encoder input must be \[batch, 10\], got \[2, 11\]/);
    rejects(() => vae.decode(z), /decoder input must be \[batch, 3\], got \[2, 4\]/);
    rejects(() => vae.loss(wide, { input: 0, latent: 0 }), /encoder input must be \[batch, 10\]/);
    tf.dispose([wide, z]);
    assert.equal(tf.memory().numTensors, before);
    vae.dispose();
  });
});
