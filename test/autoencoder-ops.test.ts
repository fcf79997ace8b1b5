import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { convDown, convSame, convUp } from '../lib/nn/conv1d';
import { instanceNorm, leakyRelu } from '../lib/nn/pointwise';
import { standardize } from '../lib/nn/standardize';
import { InputError } from '../lib/util/errors';
import { maxAbsDiff } from './helpers/backends';

const TOL = 1e-4;

function randn(shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', seed);
}

/** Gradients of Σ y·r (r fixed random) w.r.t. the inputs, for comparing two implementations. */
function grads(fn: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], seed: number): Float32Array[] {
  return tf.tidy(() => {
    const r = randn(fn(...inputs).shape, seed);
    const g = tf.grads((...xs: tf.Tensor[]) => fn(...xs).mul(r).sum())(inputs);
    return g.map((t) => t.dataSync() as Float32Array);
  });
}

function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, what: string, tol = TOL): void {
  const d = maxAbsDiff(a, b);
  assert.ok(d <= tol, `${what}: max abs error ${d} > ${tol}`);
}

describe('autoencoder ops', () => {
  it('stride = kernel Conv1d as one matMul equals tf.conv1d (valid), values and gradients', () => {
    for (const [batch, length, cin, cout, k] of [[3, 27, 2, 5, 3], [2, 50, 4, 4, 5], [2, 29, 3, 2, 3]]) {
      tf.tidy(() => {
        const x = randn([batch, length, cin], 1) as tf.Tensor3D;
        const w = randn([k, cin, cout], 2) as tf.Tensor3D;
        const b = randn([cout], 3) as tf.Tensor1D;
        const mine = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => convDown(xx as tf.Tensor3D, ww as tf.Tensor3D, bb as tf.Tensor1D, k);
        const ref = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.conv1d(xx as tf.Tensor3D, ww as tf.Tensor3D, k, 'valid').add(bb);
        const y = mine(x, w, b);
        assert.deepEqual(y.shape, [batch, Math.floor(length / k), cout]); // 29 → 9: the tail is dropped, as in PyTorch
        assertClose(y.dataSync(), ref(x, w, b).dataSync(), `convDown ${length}/${k}`);
        grads(mine, [x, w, b], 4).forEach((g, i) => assertClose(g, grads(ref, [x, w, b], 4)[i], `convDown grad ${i}`));
      });
    }
  });

  it('stride = kernel ConvTranspose1d as one matMul equals tf.conv2dTranspose, values and gradients', () => {
    for (const [batch, length, cin, cout, k] of [[3, 10, 2, 64, 3], [2, 7, 5, 3, 5]]) {
      tf.tidy(() => {
        const x = randn([batch, length, cin], 5) as tf.Tensor3D;
        const w = randn([cin, k, cout], 6) as tf.Tensor3D; // [Cin, k, Cout]
        const b = randn([cout], 7) as tf.Tensor1D;
        const mine = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => convUp(xx as tf.Tensor3D, ww as tf.Tensor3D, bb as tf.Tensor1D, k);
        const ref = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => {
          const filter = ww.transpose([1, 2, 0]).expandDims(0) as tf.Tensor4D; // [1, k, Cout, Cin]
          const y = tf.conv2dTranspose(xx.expandDims(1) as tf.Tensor4D, filter, [batch, 1, length * k, cout], [1, k], 'valid');
          return y.squeeze([1]).add(bb);
        };
        const y = mine(x, w, b);
        assert.deepEqual(y.shape, [batch, length * k, cout]);
        assertClose(y.dataSync(), ref(x, w, b).dataSync(), `convUp k${k}`);
        grads(mine, [x, w, b], 8).forEach((g, i) => assertClose(g, grads(ref, [x, w, b], 8)[i], `convUp grad ${i}`));
      });
    }
  });

  it('kernel ≠ stride falls back to a strided conv / transposed conv with PyTorch lengths', () => {
    tf.tidy(() => {
      // A 1-channel impulse response shows each op's placement: ConvTranspose1d(k3, s2) of [1, 2].
      const up = convUp(tf.tensor3d([1, 2], [1, 2, 1]), tf.tensor3d([1, 10, 100], [1, 3, 1]), tf.zeros([1]), 2);
      assert.deepEqual(Array.from(up.dataSync()), [1, 10, 102, 20, 200]); // (L − 1)·s + k = 5
      const down = convDown(tf.tensor3d([1, 2, 3, 4, 5, 6, 7], [1, 7, 1]), tf.tensor3d([1, 10, 100], [3, 1, 1]), tf.zeros([1]), 2);
      assert.deepEqual(Array.from(down.dataSync()), [321, 543, 765]); // floor((7 − 3) / 2) + 1 = 3
    });
  });

  it('same conv equals tf.conv1d "same" for odd kernels and grows by one for even ones (PyTorch padding k // 2)', () => {
    tf.tidy(() => {
      for (const k of [3, 5]) {
        const x = randn([2, 12, 3], 9) as tf.Tensor3D;
        const w = randn([k, 3, 4], 10) as tf.Tensor3D;
        const b = randn([4], 11) as tf.Tensor1D;
        const mine = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => convSame(xx as tf.Tensor3D, ww as tf.Tensor3D, bb as tf.Tensor1D);
        const ref = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.conv1d(xx as tf.Tensor3D, ww as tf.Tensor3D, 1, 'same').add(bb);
        assertClose(mine(x, w, b).dataSync(), ref(x, w, b).dataSync(), `convSame k${k}`);
        grads(mine, [x, w, b], 12).forEach((g, i) => assertClose(g, grads(ref, [x, w, b], 12)[i], `convSame k${k} grad ${i}`));
      }
      // k = 2, padding 1 on both sides: out[l] = x[l − 1]·w0 + x[l]·w1, length 4 → 5.
      const even = convSame(tf.tensor3d([1, 2, 3, 4], [1, 4, 1]), tf.tensor3d([1, 10], [2, 1, 1]), tf.zeros([1]));
      assert.deepEqual(Array.from(even.dataSync()), [10, 21, 32, 43, 4]);
    });
  });

  it('InstanceNorm1d normalises each (sample, channel) over the length (biased var, eps 1e-5), with the taped gradient', () => {
    tf.tidy(() => {
      const x = randn([3, 17, 4], 17).mul(tf.tensor1d([1, 3, 0.1, 10])).add(tf.tensor1d([0, 5, -2, 1])) as tf.Tensor3D;
      const y = instanceNorm(x);
      const xs = x.arraySync() as number[][][];
      const ys = y.arraySync() as number[][][];
      for (let b = 0; b < 3; b++) {
        for (let c = 0; c < 4; c++) {
          const col = xs[b].map((row) => row[c]);
          const mean = col.reduce((s, v) => s + v, 0) / col.length;
          const variance = col.reduce((s, v) => s + (v - mean) ** 2, 0) / col.length;
          col.forEach((v, l) => assert.ok(Math.abs(ys[b][l][c] - (v - mean) / Math.sqrt(variance + 1e-5)) < 1e-5, `b${b} c${c} l${l}`));
        }
      }
      const taped = (t: tf.Tensor) => {
        const { mean, variance } = tf.moments(t, 1, true);
        return t.sub(mean).div(variance.add(1e-5).sqrt());
      };
      assertClose(grads((t) => instanceNorm(t as tf.Tensor3D), [x], 18)[0], grads(taped, [x], 18)[0], 'instanceNorm grad');
    });
  });

  it('LeakyReLU as x·step(x, slope) equals tf.leakyRelu, gradient included', () => {
    tf.tidy(() => {
      const x = tf.concat([randn([2, 9, 3], 19), tf.zeros([2, 1, 3])], 1) as tf.Tensor3D;
      // Float32 products; tf.leakyRelu on cpu rounds slope·x differently in the last bit.
      assertClose(leakyRelu(x, 0.01).dataSync(), tf.leakyRelu(x, 0.01).dataSync(), 'leaky', 1e-7);
      assertClose(grads((t) => leakyRelu(t as tf.Tensor3D, 0.2), [x], 20)[0], grads((t) => tf.leakyRelu(t, 0.2), [x], 20)[0], 'leaky grad', 1e-6);
    });
  });

  it('shift, LeakyReLU and InstanceNorm as one op (one kernel each way on native) are the ops apart, bit for bit, gradients included', () => {
    tf.tidy(() => {
      // Exact zeros, NaN-free; on native [3, 17, 4] is summed by columns, [120, 20, 33] by whole slabs, in more than one task.
      for (const shape of [[3, 17, 4], [120, 20, 33]]) {
        const x = tf.concat([randn(shape, 21), tf.zeros([shape[0], 1, shape[2]])], 1) as tf.Tensor3D;
        const shift = randn([shape[0], shape[1] + 1, 1], 23) as tf.Tensor3D; // x has a row of zeros more
        for (const [slope, shifted] of [[0.01, false], [0.01, true], [1, true]] as const) {
          const apart = (t: tf.Tensor, s: tf.Tensor) => {
            const v = shifted ? t.add(s) : t;
            return instanceNorm((slope === 1 ? v : leakyRelu(v, slope)) as tf.Tensor3D);
          };
          const fused = (t: tf.Tensor, s: tf.Tensor) => instanceNorm(t as tf.Tensor3D, { slope, shift: shifted ? s as tf.Tensor3D : undefined });
          const what = `[${shape}] slope ${slope}${shifted ? ', shifted' : ''}`;
          assert.equal(maxAbsDiff(fused(x, shift).dataSync(), apart(x, shift).dataSync()), 0, `value ${what}`);
          const inputs = shifted ? [x, shift] : [x];
          const [g1, g2] = [grads((...t) => fused(t[0], t[1]), inputs, 22), grads((...t) => apart(t[0], t[1]), inputs, 22)];
          assert.equal(maxAbsDiff(g1[0], g2[0]), 0, `gradient of x ${what}`);
          if (shifted) assert.equal(maxAbsDiff(g1[1], g2[1]), 0, `gradient of the shift ${what}`);
        }
      }
      const y = instanceNorm(tf.tensor3d([NaN, -1, 2, 0], [1, 4, 1]), { slope: 0.01 }).dataSync();
      assert.ok(y.every((v) => Number.isNaN(v)), 'a NaN spreads over its column, as with the ops apart');
    });
  });

  it('standardize refuses a slope that is not a finite number and a shift of another shape', () => {
    tf.tidy(() => {
      const x = tf.ones([1, 2, 3]) as tf.Tensor3D;
      for (const slope of [NaN, Infinity]) assert.throws(() => standardize(x, 1e-5, { slope }), InputError);
      assert.throws(() => standardize(x, 1e-5, { shift: tf.ones([1, 2, 3]) as tf.Tensor3D }), /shift must be \[1, 2, 1\]/);
    });
  });
});
