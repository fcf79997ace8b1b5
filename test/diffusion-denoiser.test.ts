import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { LatentDenoiser, defaultDenoiserConfig, officialDenoiserChannels } from '../lib/diffusion';
import { InputError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';
import { maxAbsDiff, onBackend } from './helpers/backends';

describe('diffusion/denoiser', () => {
  it('has the reference LatentDenoiser’s parameter count at both widths, with stable names', () => {
    const small = new LatentDenoiser(20, 1000, defaultDenoiserConfig, 0);
    // sum(p.numel()) of peer_pdiff_small.LatentDenoiser(20, 1000, channels=...) in PyTorch.
    assert.equal(small.size, 362_369);
    const names = [...small.params.keys()];
    assert.equal(names.length, 33);
    assert.deepEqual(names.slice(0, 4), ['enc0/conv1/weight', 'enc0/conv1/bias', 'enc0/conv2/weight', 'enc0/conv2/bias']);
    assert.equal(names[32], 'time_embed/weight');
    assert.deepEqual(small.params.get('dec3/conv2/weight')!.shape, [3, 32, 1]);
    assert.deepEqual(small.params.get('time_embed/weight')!.shape, [1000, 20]);
    small.dispose();
    const official = new LatentDenoiser(20, 1000, { channels: [...officialDenoiserChannels] }, 0);
    assert.equal(official.size, 2_370_273);
    official.dispose();
  });

  it('matches PyTorch’s LatentDenoiser.forward on fixed weights', () => {
    // Channels (2, 3, 3, 4), D = 5, T = 7. Parameter p (in map order) holds 0.5·sin(0.7·j + 1.3·p + 0.1)
    // at flat index j of its tfjs layout; x[b, d] = 0.8·cos(0.9·(5b + d)); t = [0, 6, 3]. The
    // expected output is peer_pdiff_small.LatentDenoiser in float64 (torch 1.13), conv weights
    // transposed from tfjs [k, in, out] to PyTorch [out, in, k].
    const net = new LatentDenoiser(5, 7, { channels: [2, 3, 3, 4] }, 0);
    tf.tidy(() => [...net.params.values()].forEach((v, p) =>
      v.assign(tf.tensor(Float32Array.from({ length: v.size }, (_, j) => 0.5 * Math.sin(0.7 * j + 1.3 * p + 0.1)), v.shape))));
    const expected = [
      -0.226299, 0.151023, 1.666998, -0.926459, -0.857211, 1.235737, -1.011111, -0.888395,
      1.716302, 0.323177, -1.179996, 0.265245, 0.925359, -0.022479, 0.923886,
    ];
    const out = tf.tidy(() => {
      const x = tf.tensor2d(Float32Array.from({ length: 15 }, (_, i) => 0.8 * Math.cos(0.9 * i)), [3, 5]);
      return net.predict(x, Int32Array.of(0, 6, 3)).dataSync();
    });
    assert.ok(maxAbsDiff(out, expected) < 1e-4, `max |diff| ${maxAbsDiff(out, expected)}: ${out}`);
    net.dispose();
  });

  it('embeds one timestep per sample: a batch equals its rows run alone, and t changes only its own row', () => {
    const net = new LatentDenoiser(6, 50, { channels: [4, 8] }, 1);
    const rng = new Rng(2);
    const data = rng.normalArray(4 * 6);
    const t = Int32Array.of(3, 40, 3, 17);
    tf.tidy(() => {
      const x = tf.tensor2d(data, [4, 6]);
      const batch = net.predict(x, t).dataSync();
      for (let i = 0; i < 4; i++) {
        const alone = net.predict(tf.tensor2d(data.subarray(6 * i, 6 * i + 6), [1, 6]), t.subarray(i, i + 1)).dataSync();
        assert.ok(maxAbsDiff(alone, batch.subarray(6 * i, 6 * i + 6)) < 1e-5, `row ${i}`);
      }
      const moved = net.predict(x, Int32Array.of(3, 40, 30, 17)).dataSync();
      for (let i = 0; i < 4; i++) {
        const d = maxAbsDiff(moved.subarray(6 * i, 6 * i + 6), batch.subarray(6 * i, 6 * i + 6));
        if (i === 2) assert.ok(d > 1e-3, 'changing t_2 must change row 2');
        else assert.equal(d, 0, `changing t_2 changed row ${i}`);
      }
    });
    net.dispose();
  });

  it('trains the embedding rows of the timesteps in the batch only (gather gradient on this backend)', () => {
    const net = new LatentDenoiser(4, 10, { channels: [3] }, 3);
    tf.tidy(() => {
      const x = tf.tensor2d(new Rng(4).normalArray(12), [3, 4]);
      const table = net.params.get('time_embed/weight')!;
      const { grads } = tf.variableGrads(() => net.predict(x, Int32Array.of(2, 7, 2)).square().mean() as tf.Scalar, [table]);
      const g = grads[table.name].arraySync() as number[][];
      g.forEach((row, t) => {
        const norm = Math.hypot(...row);
        if (t === 2 || t === 7) assert.ok(norm > 1e-6, `row ${t} has no gradient`);
        else assert.equal(norm, 0, `row ${t} was not used but has gradient ${norm}`);
      });
    });
    net.dispose();
  });

  it('gives the same output and parameter gradients on the cpu backend as on the active one', async () => {
    const rng = new Rng(6);
    const [x, probe] = [rng.normalArray(5 * 12), rng.normalArray(5 * 12)];
    const t = Int32Array.of(0, 19, 7, 7, 3);
    const run = () => {
      const net = new LatentDenoiser(12, 20, { channels: [4, 8, 8] }, 5);
      const vars = [...net.params.values()];
      const arrays = tf.tidy(() => {
        const loss = () => net.predict(tf.tensor2d(x, [5, 12]), t).mul(tf.tensor2d(probe, [5, 12])).sum() as tf.Scalar;
        const { value, grads } = tf.variableGrads(loss, vars);
        return [value.dataSync(), ...vars.map((v) => grads[v.name].dataSync())];
      });
      net.dispose();
      return arrays;
    };
    const cpu = await onBackend('cpu', run);
    run().forEach((a, i) => assert.ok(maxAbsDiff(a, cpu[i]) < 1e-3, `array ${i} differs by ${maxAbsDiff(a, cpu[i])}`));
  });

  it('has gradients that match central finite differences', () => {
    const rng = new Rng(8);
    const net = new LatentDenoiser(6, 10, { channels: [3, 5] }, 9);
    const x = tf.tensor2d(rng.normalArray(4 * 6), [4, 6]);
    const probe = tf.tensor2d(rng.normalArray(4 * 6), [4, 6]);
    const t = Int32Array.of(1, 9, 4, 4);
    const loss = () => tf.tidy(() => net.predict(x, t).mul(probe).sum() as tf.Scalar);
    const vars = [...net.params.entries()];
    const { value, grads } = tf.variableGrads(loss, vars.map(([, v]) => v));
    value.dispose();
    const h = 1e-2;
    for (const [name, v] of vars) {
      const g = grads[v.name].dataSync();
      const i = rng.int(v.size);
      const original = v.dataSync().slice();
      const at = (delta: number) => tf.tidy(() => {
        const moved = original.slice();
        moved[i] += delta;
        v.assign(tf.tensor(moved, v.shape));
        return loss().dataSync()[0];
      });
      const numeric = (at(h) - at(-h)) / (2 * h);
      tf.tidy(() => v.assign(tf.tensor(original, v.shape)));
      assert.ok(Math.abs(numeric - g[i]) < 2e-2 * Math.max(1, Math.abs(g[i])), `${name}[${i}]: analytic ${g[i]}, numeric ${numeric}`);
    }
    tf.dispose([x, probe, ...Object.values(grads)]);
    net.dispose();
  });

  it('leaks no tensors, seeds its init, and rejects bad inputs', () => {
    const before = tf.memory().numTensors;
    const [a, b, c] = [5, 5, 6].map((seed) => new LatentDenoiser(8, 20, { channels: [4, 4] }, seed));
    const w = (n: LatentDenoiser) => [...n.params.values()].map((v) => [...v.dataSync()]);
    assert.deepEqual(w(a), w(b));
    assert.notDeepEqual(w(a), w(c));
    const x = tf.zeros([2, 8]) as tf.Tensor2D;
    const narrow = tf.zeros([2, 7]) as tf.Tensor2D;
    const inside = tf.memory().numTensors;
    a.predict(x, Int32Array.of(0, 19)).dispose();
    assert.equal(tf.memory().numTensors, inside);
    assert.throws(() => a.predict(x, Int32Array.of(0, 20)), InputError);
    assert.throws(() => a.predict(x, Int32Array.of(0)), InputError);
    assert.throws(() => a.predict(narrow, Int32Array.of(0, 1)), InputError);
    assert.throws(() => new LatentDenoiser(8, 20, { channels: [] }), InputError);
    tf.dispose([x, narrow]);
    [a, b, c].forEach((n) => n.dispose());
    assert.equal(tf.memory().numTensors, before);
  });
});
