import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { forcedBackend } from '../lib/backend';
import { NATIVE_ADDON_PATH } from '../lib/backend/native-addon';
import { Rng } from '../lib/util/rng';
import { maxAbsDiff, onBackend } from './helpers/backends';

function probe(env: Record<string, string>): { name?: string; provider?: string; error?: string } {
  const script = path.join(__dirname, 'helpers', 'print-backend.ts');
  const out = spawnSync(process.execPath, ['--require', 'tsx/cjs', script], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  const line = out.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line);
}

describe('backend selection', () => {
  it('chooses native when its addon is built, else wasm (tfjs-node is not installed here)', () => {
    const info = probe({ PARAMDIFF_BACKEND: '' });
    const native = fs.existsSync(NATIVE_ADDON_PATH);
    assert.equal(info.name, native ? 'native' : 'wasm');
    assert.equal(info.provider, native ? 'paramdiff native addon' : '@tensorflow/tfjs-backend-wasm');
  });

  it('forces cpu and wasm through PARAMDIFF_BACKEND', () => {
    assert.equal(probe({ PARAMDIFF_BACKEND: 'cpu' }).name, 'cpu');
    assert.equal(probe({ PARAMDIFF_BACKEND: 'wasm' }).name, 'wasm');
  });

  it('a forced backend that cannot load is an error that says why', () => {
    const info = probe({ PARAMDIFF_BACKEND: 'tensorflow' });
    assert.match(info.error ?? '', /PARAMDIFF_BACKEND=tensorflow was requested but cannot load/);
    assert.match(info.error ?? '', /tfjs-node/);
  });

  it('rejects an unknown backend name', () => {
    assert.throws(() => forcedBackend({ PARAMDIFF_BACKEND: 'webgpu' }), /not a backend/);
  });
});

describe('wasm training kernels match the cpu backend', () => {
  const rng = new Rng(7);
  const pick = <T>(values: T[]): T => values[rng.int(values.length)];
  const randn = (shape: number[]) => tf.tensor(rng.normalArray(shape.reduce((a, b) => a * b, 1)), shape);

  /** Gradients of Σ w ⊙ f(params) w.r.t. params on the current backend, as plain arrays. */
  function grads(build: () => { params: tf.Tensor[]; f: (...p: tf.Tensor[]) => tf.Tensor }): Float32Array[] {
    return tf.tidy(() => {
      const { params, f } = build();
      const probeWeights = tf.tidy(() => randnLike(f(...params)));
      const g = tf.grads((...p: tf.Tensor[]) => f(...p).mul(probeWeights).sum())(params);
      return g.map((t) => t.dataSync() as Float32Array);
    });
  }
  // Same values on both backends: generated from arrays made before switching.
  let randnLike = (t: tf.Tensor) => tf.onesLike(t);

  async function compare(label: string, build: () => { params: tf.Tensor[]; f: (...p: tf.Tensor[]) => tf.Tensor }) {
    const seed = rng.seed();
    const withSeed = () => {
      const local = new Rng(seed);
      randnLike = (t) => tf.tensor(local.normalArray(t.size), t.shape);
      return grads(build);
    };
    const onCpu = await onBackend('cpu', withSeed);
    const onWasm = withSeed();
    for (let i = 0; i < onCpu.length; i++) {
      const diff = maxAbsDiff(onCpu[i], onWasm[i]);
      assert.ok(diff <= 1e-3, `${label}: gradient ${i} differs by ${diff}`);
    }
  }

  it('conv2d filter and input gradients on random shapes, strides and paddings', async () => {
    for (let trial = 0; trial < 12; trial++) {
      const [n, h, w, cin, cout] = [pick([1, 2, 3]), pick([4, 5, 7, 9]), pick([4, 6, 8]), pick([1, 2, 3]), pick([1, 2, 4])];
      const [fh, fw, stride] = [pick([1, 2, 3]), pick([1, 3]), pick([1, 2])];
      // Numeric padding only with square filters: tfjs 4.22 computes the output width of a
      // numerically padded conv from the filter height (its own forward is wrong otherwise).
      const padding = pick<'same' | 'valid' | 1>(fh === fw ? ['same', 'valid', 1] : ['same', 'valid']);
      const x = rng.normalArray(n * h * w * cin);
      const k = rng.normalArray(fh * fw * cin * cout);
      await compare(`conv2d ${[n, h, w, cin]} k${[fh, fw, cout]} s${stride} ${padding}`, () => ({
        params: [tf.tensor4d(x, [n, h, w, cin]), tf.tensor4d(k, [fh, fw, cin, cout])],
        f: (xt, kt) => tf.conv2d(xt as tf.Tensor4D, kt as tf.Tensor4D, stride, padding),
      }));
    }
  });

  it('conv1d filter gradient (the autoencoder and denoiser path)', async () => {
    for (let trial = 0; trial < 6; trial++) {
      const [n, len, cin, cout, kw, stride] = [pick([1, 4]), pick([9, 27, 30]), pick([1, 2]), pick([2, 8]), 3, pick([1, 3])];
      const x = rng.normalArray(n * len * cin);
      const k = rng.normalArray(kw * cin * cout);
      await compare(`conv1d ${[n, len, cin]} s${stride}`, () => ({
        params: [tf.tensor3d(x, [n, len, cin]), tf.tensor3d(k, [kw, cin, cout])],
        f: (xt, kt) => tf.conv1d(xt as tf.Tensor3D, kt as tf.Tensor3D, stride, stride === 1 ? 'same' : 'valid'),
      }));
    }
  });

  it('gather gradient (UnsortedSegmentSum) with repeated indices', async () => {
    for (let trial = 0; trial < 6; trial++) {
      const [rows, cols, count] = [pick([3, 10, 50]), pick([1, 4, 20]), pick([1, 7, 64])];
      const table = rng.normalArray(rows * cols);
      const ids = Int32Array.from({ length: count }, () => rng.int(rows));
      await compare(`gather ${rows}x${cols} by ${count}`, () => ({
        params: [tf.tensor2d(table, [rows, cols])],
        f: (t) => tf.gather(t, tf.tensor1d(ids, 'int32')),
      }));
    }
  });

  it('a conv layer trains on wasm without leaking tensors', () => {
    const kernel = tf.variable(randn([3, 3, 1, 4]));
    const x = randn([2, 6, 6, 1]);
    const optimizer = tf.train.sgd(0.01);
    const step = () => tf.dispose(optimizer.minimize(
      () => tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, 1, 'same').square().mean() as tf.Scalar, true) ?? []);
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([kernel, x]);
    optimizer.dispose();
  });
});
