import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import {
  ConditionalLatentDenoiser, guidedEps, LatentDenoiser, type ConditionalDenoiser, type ConditionalDenoiserConfig,
} from '../lib/diffusion';
import { InputError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';
import { maxAbsDiff } from './helpers/backends';

const D = 6;
const DC = 5;
const T = 20;
const channels = [3, 4];
const build = (conditioning: ConditionalDenoiserConfig['conditioning'], seed = 1) =>
  new ConditionalLatentDenoiser(D, T, DC, { channels, conditioning }, seed);

/** Sets every FiLM weight to small seeded values, so the condition changes the output. */
function perturbFilm(net: ConditionalLatentDenoiser, seed: number): void {
  const rng = new Rng(seed);
  tf.tidy(() => {
    for (const [name, v] of net.params) if (name.startsWith('film/')) v.assign(tf.tensor(rng.normalArray(v.size, 0.3), v.shape));
  });
}

const rows = (a: Float32Array | Int32Array | Uint8Array, i: number) => a.subarray(D * i, D * i + D);

describe('diffusion/conditional', () => {
  const rng = new Rng(3);
  const xData = rng.normalArray(4 * D);
  const cData = rng.normalArray(4 * DC);
  const t = Int32Array.of(0, 7, 19, 7);

  it('concat widens the first block to two input channels; film adds a zero-initialised scale and shift per block', () => {
    const concat = build('concat');
    assert.deepEqual(concat.params.get('enc0/conv1/weight')!.shape, [3, 2, 3]);
    assert.deepEqual(concat.params.get('cond/proj/weight')!.shape, [DC, D]);
    assert.deepEqual(concat.params.get('cond/null')!.shape, [DC]);
    assert.ok(![...concat.params.keys()].some((n) => n.startsWith('film/')));
    const film = build('film');
    assert.deepEqual(film.params.get('enc0/conv1/weight')!.shape, [3, 1, 3]);
    // The first InstanceNorm of each block normalises its input: 1, 3 | 4, 3 channels.
    assert.deepEqual(['enc0', 'enc1', 'dec0', 'dec1'].map((b) => film.params.get(`film/${b}/weight`)!.shape), [[DC, 2], [DC, 6], [DC, 8], [DC, 6]]);
    assert.ok(['weight', 'bias'].every((p) => film.params.get(`film/enc1/${p}`)!.dataSync().every((v) => v === 0)));
    assert.ok(!film.params.has('cond/proj/weight'));
    concat.dispose();
    film.dispose();
  });

  it('FiLM at init is the LatentDenoiser of the same seed, whatever the condition; trained FiLM weights make it depend on c', () => {
    const film = build('film', 4);
    const plain = new LatentDenoiser(D, T, { channels }, 4);
    tf.tidy(() => {
      const x = tf.tensor2d(xData, [4, D]);
      const c = tf.tensor2d(cData, [4, DC]);
      const expected = plain.predict(x, t).dataSync();
      assert.deepEqual(film.predictConditional(x, t, c).dataSync(), expected);
      assert.deepEqual(film.predict(x, t).dataSync(), expected);
      perturbFilm(film, 5);
      assert.ok(maxAbsDiff(film.predictConditional(x, t, c).dataSync(), expected) > 1e-2);
    });
    film.dispose();
    plain.dispose();
  });

  for (const conditioning of ['concat', 'film'] as const) {
    it(`${conditioning}: each row depends on its own condition only, and a dropped row is the unconditional prediction`, () => {
      const net = build(conditioning, 6);
      perturbFilm(net, 7);
      tf.tidy(() => {
        const x = tf.tensor2d(xData, [4, D]);
        const c = tf.tensor2d(cData, [4, DC]);
        const out = net.predictConditional(x, t, c).dataSync();
        const moved = cData.slice();
        moved[2 * DC + 1] += 1;
        const changed = net.predictConditional(x, t, tf.tensor2d(moved, [4, DC])).dataSync();
        for (let i = 0; i < 4; i++) {
          const d = maxAbsDiff(rows(changed, i), rows(out, i));
          if (i === 2) assert.ok(d > 1e-4, 'changing c_2 must change row 2');
          else assert.ok(d < 1e-6, `changing c_2 changed row ${i} by ${d}`);
        }
        const unconditional = net.predict(x, t).dataSync();
        const dropped = net.predictConditional(x, t, c, Uint8Array.of(0, 1, 0, 1)).dataSync();
        for (let i = 0; i < 4; i++) {
          const reference = i % 2 ? unconditional : out;
          assert.ok(maxAbsDiff(rows(dropped, i), rows(reference, i)) < 1e-6, `row ${i}`);
        }
        assert.ok(maxAbsDiff(rows(unconditional, 0), rows(out, 0)) > 1e-4, 'the condition must matter');
      });
      net.dispose();
    });
  }

  it('rejects conditions, masks and configs that do not fit, without leaking', () => {
    const net = build('concat');
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x = tf.zeros([2, D]) as tf.Tensor2D;
      const t2 = Int32Array.of(0, 1);
      assert.throws(() => net.predictConditional(x, t2, tf.zeros([2, DC + 1])), /condition must be \[2, 5\] for 2 samples, got \[2,6\]/);
      assert.throws(() => net.predictConditional(x, t2, tf.zeros([3, DC])), /condition must be \[2, 5\]/);
      assert.throws(() => net.predictConditional(x, t2, tf.zeros([2, DC]), Uint8Array.of(1)), /drop mask has 1 entries for 2 samples/);
      assert.throws(() => net.predictConditional(tf.zeros([2, D + 1]), t2, tf.zeros([2, DC])), /\[B, 6\]/);
      assert.throws(() => net.predictConditional(x, Int32Array.of(0), tf.zeros([2, DC])), /2 samples but 1 timesteps/);
      assert.throws(() => net.predictConditional(x, Int32Array.of(0, T), tf.zeros([2, DC])), /timestep 20 is outside/);
    });
    assert.equal(tf.memory().numTensors, before);
    assert.throws(() => new ConditionalLatentDenoiser(D, T, 0, { channels, conditioning: 'film' }), InputError);
    assert.throws(() => new ConditionalLatentDenoiser(D, T, DC, { channels, conditioning: 'add' as 'film' }), /conditioning must be 'concat' or 'film'/);
    net.dispose();
  });
});

describe('diffusion/guidance', () => {
  const rng = new Rng(8);
  const n = 3;
  const xData = rng.normalArray(n * D);
  const cData = rng.normalArray(n * DC);
  const t = Int32Array.of(4, 4, 4);

  /** The denoiser, counting the rows of every call it gets. */
  function counted(net: ConditionalDenoiser) {
    const calls: string[] = [];
    const spy: ConditionalDenoiser = {
      dim: net.dim, timesteps: net.timesteps, conditionDim: net.conditionDim, params: net.params,
      predict: (x, ts) => { calls.push(`u${x.shape[0]}`); return net.predict(x, ts); },
      predictConditional: (x, ts, c, drop) => { calls.push(`c${x.shape[0]}`); return net.predictConditional(x, ts, c, drop); },
    };
    return { spy, calls };
  }

  for (const conditioning of ['concat', 'film'] as const) {
    it(`${conditioning}: s = 1 is the conditional prediction, s = 0 the unconditional one, other s the CFG formula from one 2N-row pass`, () => {
      const net = build(conditioning, 9);
      perturbFilm(net, 10);
      const { spy, calls } = counted(net);
      tf.tidy(() => {
        const x = tf.tensor2d(xData, [n, D]);
        const c = tf.tensor2d(cData, [n, DC]);
        const conditional = net.predictConditional(x, t, c).dataSync();
        const unconditional = net.predict(x, t).dataSync();
        assert.ok(maxAbsDiff(conditional, unconditional) > 1e-3, 'the condition must matter');
        calls.length = 0;
        assert.deepEqual(guidedEps(spy, c, 1)(x, t).dataSync(), conditional);
        assert.deepEqual(guidedEps(spy, c, 0)(x, t).dataSync(), unconditional);
        assert.deepEqual(calls, [`c${n}`, `u${n}`]);
        for (const s of [2.5, -0.5]) {
          calls.length = 0;
          const guided = guidedEps(spy, c, s)(x, t).dataSync();
          assert.deepEqual(calls, [`c${2 * n}`]);
          const expected = unconditional.map((u, i) => u + s * (conditional[i] - u));
          assert.ok(maxAbsDiff(guided, expected) < 1e-5, `s = ${s}: ${maxAbsDiff(guided, expected)}`);
        }
      });
      net.dispose();
    });
  }

  it('a single condition row is used for every sample; conditions of the wrong width or count are refused', () => {
    const net = build('concat', 11);
    tf.tidy(() => {
      const x = tf.tensor2d(xData, [n, D]);
      const one = tf.tensor2d(cData.subarray(0, DC), [1, DC]);
      const tiled = tf.tile(one, [n, 1]) as tf.Tensor2D;
      assert.deepEqual(guidedEps(net, one, 2)(x, t).dataSync(), guidedEps(net, tiled, 2)(x, t).dataSync());
      assert.throws(() => guidedEps(net, tf.zeros([n, DC + 1]), 2), /condition must be \[N, 5\] or \[1, 5\], got \[3,6\]/);
      assert.throws(() => guidedEps(net, one, Number.NaN), /guidance scale must be finite/);
      assert.throws(() => guidedEps(net, tf.zeros([2, DC]), 2)(x, t), /condition has 2 rows for 3 samples/);
    });
    net.dispose();
  });
});
