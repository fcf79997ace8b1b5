// The native backend (OpenBLAS addon) against the cpu backend: forward values and gradients of
// every kernel it replaces, on random shapes. Skipped, with the reason printed, when the addon
// is not built.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadNativeAddon } from '../lib/backend/native-addon';
import { Rng } from '../lib/util/rng';
import { onBackend } from './helpers/backends';
import { compareWithCpu, skipWithoutNative, type Build } from './helpers/native-parity';

/** [x shape, filter h, w, out channels, stride, dilation, padding]. */
type ConvCase = [number[], number, number, number, number, number, 'same' | 'valid'];

describe('native backend', function () {
  before(function () {
    skipWithoutNative(this, 'native backend tests');
  });

  const rng = new Rng(11);
  const pick = <T>(values: T[]): T => values[rng.int(values.length)];
  const normal = (shape: number[]) => rng.normalArray(shape.reduce((a, b) => a * b, 1));

  const compare = (label: string, build: Build, withGrads = true) => compareWithCpu(label, build, rng.seed(), withGrads);
  /** conv2d and its gradients against the cpu backend's, case by case (gradients where the cpu backend has them: no dilation). */
  const compareConvCases = async (cases: readonly ConvCase[]) => {
    for (const [shape, fh, fw, cout, stride, dilation, pad] of cases) {
      const [x, k] = [normal(shape), normal([fh, fw, shape[3], cout])];
      await compare(`conv2d [${shape}] k${fh}x${fw}→${cout} s${stride} d${dilation} ${pad}`, () => ({
        params: [tf.tensor4d(x, shape as [number, number, number, number]), tf.tensor4d(k, [fh, fw, shape[3], cout])],
        f: (xt, kt) => tf.conv2d(xt as tf.Tensor4D, kt as tf.Tensor4D, stride, pad, 'NHWC', dilation),
      }), dilation === 1);
    }
  };

  it('is chosen by default, says which BLAS and threads, and can be forced', () => {
    const probe = (backend: string) => {
      const out = spawnSync(process.execPath, ['--require', 'tsx/cjs', path.join(__dirname, 'helpers', 'print-backend.ts')], {
        env: { ...process.env, PARAMDIFF_BACKEND: backend },
        encoding: 'utf8',
      });
      return JSON.parse(out.stdout.trim().split('\n').pop() ?? '{}') as { name?: string; detail?: string };
    };
    for (const info of [probe(''), probe('native')]) {
      assert.equal(info.name, 'native');
      assert.match(info.detail ?? '', /^OpenBLAS \S+ for \S+, \d+ threads?$/);
    }
  });

  it('matMul with both transpose flags and batch broadcast', async () => {
    // tfjs's matMul gradient does not reduce over broadcast batch axes: gradients for equal batches only.
    const batchPairs: [number[], number[]][] = [[[], []], [[3], [3]], [[2, 3], [2, 3]], [[3], []], [[], [2]], [[1], [4]], [[2, 3], [3]]];
    for (let trial = 0; trial < 16; trial++) {
      const [m, k, n] = [pick([1, 3, 8]), pick([1, 5, 16]), pick([1, 4, 7])];
      const [transposeA, transposeB] = [rng.int(2) === 1, rng.int(2) === 1];
      const [batchA, batchB] = pick(batchPairs);
      const shapeA = [...batchA, ...(transposeA ? [k, m] : [m, k])];
      const shapeB = [...batchB, ...(transposeB ? [n, k] : [k, n])];
      const [a, b] = [normal(shapeA), normal(shapeB)];
      await compare(`matMul [${shapeA}]${transposeA ? 'ᵀ' : ''} · [${shapeB}]${transposeB ? 'ᵀ' : ''}`, () => ({
        params: [tf.tensor(a, shapeA), tf.tensor(b, shapeB)],
        f: (at, bt) => tf.matMul(at, bt, transposeA, transposeB),
      }), batchA.join() === batchB.join());
    }
  });

  it('matMul broadcasts batch axes of size 1 on both sides', async () => {
    // cpu only repeats a whole batch; tiling first gives it the same product to compare with.
    const [a, b] = [normal([2, 1, 3, 4]), normal([1, 3, 4, 5])];
    await compare('matMul [2,1,3,4] · [1,3,4,5]', () => ({
      params: [tf.tensor(a, [2, 1, 3, 4]), tf.tensor(b, [1, 3, 4, 5])],
      f: (at, bt) => (tf.getBackend() === 'cpu' ? tf.matMul(at.tile([1, 3, 1, 1]), bt.tile([2, 1, 1, 1])) : tf.matMul(at, bt)),
    }), false);
  });

  it('conv2d with strides, dilations and every padding kind, gradients included', async () => {
    for (let trial = 0; trial < 16; trial++) {
      const [n, h, w, cin, cout] = [pick([1, 2, 3]), pick([4, 5, 7, 9]), pick([4, 6, 8]), pick([1, 2, 3]), pick([1, 2, 4])];
      const [fh, fw] = [pick([1, 2, 3]), pick([1, 3])];
      // tfjs has no gradient for dilated convolutions, nor for strided and dilated at once.
      const dilated = trial % 4 === 3;
      const stride = dilated ? 1 : pick([1, 2, 3]);
      const dilation = dilated ? pick([2, 3]) : 1;
      // Numeric padding only with square filters: tfjs 4.22 computes the output width of a
      // numerically padded conv from the filter height.
      const explicit: tf.backend_util.ExplicitPadding = [[0, 0], [rng.int(2), rng.int(3)], [rng.int(3), rng.int(2)], [0, 0]];
      const pad = pick<'same' | 'valid' | number | tf.backend_util.ExplicitPadding>(fh === fw ? ['same', 'valid', 1, explicit] : ['same', 'valid', explicit]);
      const [x, k] = [normal([n, h, w, cin]), normal([fh, fw, cin, cout])];
      await compare(`conv2d [${n},${h},${w},${cin}] k${fh}x${fw}→${cout} s${stride} d${dilation} ${JSON.stringify(pad)}`, () => ({
        params: [tf.tensor4d(x, [n, h, w, cin]), tf.tensor4d(k, [fh, fw, cin, cout])],
        f: (xt, kt) => tf.conv2d(xt as tf.Tensor4D, kt as tf.Tensor4D, stride, pad, 'NHWC', dilation),
      }), !dilated);
    }
  });

  it('conv2d through im2col + sgemm (more than 16 output channels): patch lines cut by padding, strides and dilations', async () => {
    // [x shape, filter h, w, out channels, stride, dilation, padding]: the direct kernels take at most 16 output channels.
    const cases: ConvCase[] = [
      [[2, 7, 6, 3], 3, 3, 20, 1, 1, 'same'], [[2, 8, 9, 5], 3, 2, 17, 2, 1, 'same'], [[1, 9, 8, 4], 3, 3, 18, 1, 2, 'same'],
      [[2, 6, 7, 2], 2, 3, 24, 1, 1, 'valid'], [[1, 5, 5, 16], 3, 3, 32, 1, 1, 'same'],
    ];
    await compareConvCases(cases);
  });

  it('conv2d with output channels in 16s (the implicit kernels on AVX-512): tiles overlapping at line ends, lines split over tasks, per-tap input gradients, filter gradients by image groups', async () => {
    // [x shape, filter h, w, out channels, stride, dilation, padding]: 17 and 16 columns end in
    // an overlapping tile; a batch of 1 or 2 splits each image's lines into tasks; inC < outC at
    // stride 1 takes the input gradient with col2im's per-tap sums, inC ≥ outC as one chain; a
    // batch of 9 puts two images in one of the filter gradient's 8 groups.
    const cases: ConvCase[] = [
      [[1, 9, 17, 3], 3, 3, 16, 1, 1, 'same'], [[2, 6, 16, 8], 3, 3, 64, 1, 1, 'same'], [[2, 7, 9, 20], 3, 3, 32, 2, 1, 'same'],
      [[1, 9, 8, 16], 3, 3, 48, 1, 2, 'same'], [[2, 5, 5, 40], 3, 3, 16, 1, 1, 'valid'], [[3, 6, 6, 16], 3, 2, 32, 1, 1, 'valid'],
      [[9, 4, 5, 18], 3, 3, 32, 1, 1, 'same'],
    ];
    await compareConvCases(cases);
  });

  it('conv1d (through conv2d) with strides, dilations and paddings', async () => {
    for (let trial = 0; trial < 8; trial++) {
      const [n, len, cin, cout, kw] = [pick([1, 4]), pick([9, 27, 30]), pick([1, 2]), pick([2, 8]), pick([1, 3, 5])];
      const dilation = trial % 4 === 3 ? 2 : 1;
      const stride = dilation === 1 ? pick([1, 2, 3]) : 1;
      const pad = pick<'same' | 'valid'>(['same', 'valid']);
      const [x, k] = [normal([n, len, cin]), normal([kw, cin, cout])];
      await compare(`conv1d [${n},${len},${cin}] k${kw}→${cout} s${stride} d${dilation} ${pad}`, () => ({
        params: [tf.tensor3d(x, [n, len, cin]), tf.tensor3d(k, [kw, cin, cout])],
        f: (xt, kt) => tf.conv1d(xt as tf.Tensor3D, kt as tf.Tensor3D, stride, pad, 'NWC', dilation),
      }), dilation === 1);
    }
  });

  it('conv2dTranspose (the input gradient kernel) and its gradients', async () => {
    for (let trial = 0; trial < 6; trial++) {
      const [n, h, w, cin, cout, f, stride] = [pick([1, 2]), pick([3, 4]), pick([3, 5]), pick([1, 3]), pick([2, 4]), pick([2, 3]), pick([1, 2, 3])];
      const pad = pick<'same' | 'valid'>(['same', 'valid']);
      const outShape: [number, number, number, number] = pad === 'same'
        ? [n, h * stride, w * stride, cout] : [n, (h - 1) * stride + f, (w - 1) * stride + f, cout];
      const [x, k] = [normal([n, h, w, cin]), normal([f, f, cout, cin])];
      await compare(`conv2dTranspose [${n},${h},${w},${cin}] k${f}→${cout} s${stride} ${pad}`, () => ({
        params: [tf.tensor4d(x, [n, h, w, cin]), tf.tensor4d(k, [f, f, cout, cin])],
        f: (xt, kt) => tf.conv2dTranspose(xt as tf.Tensor4D, kt as tf.Tensor4D, outShape, stride, pad),
      }));
    }
  });

  it('conv2d with few channels (the direct kernels): every channel block width, strides, dilations, paddings, gradients', async () => {
    // Patches of ≤ 16 values and ≤ 16 output channels run direct (native/src/direct-conv.h):
    // output channels in blocks of 16, 8, 4 and 1–3, so every count from 1 to 16 takes another mix.
    const filters: [number, number, number][] = [[3, 3, 1], [1, 3, 2], [1, 5, 3], [2, 2, 4], [1, 1, 3]]; // fh, fw, cin
    for (let trial = 0; trial < 16; trial++) {
      const [fh, fw, cin] = filters[trial % filters.length];
      const cout = trial + 1;
      const [n, h, w] = [pick([1, 2, 3]), fh === 1 ? 1 : pick([4, 7]), pick([5, 9, 12])];
      const dilated = trial % 5 === 4;
      const stride = dilated ? 1 : pick([1, 2, 3]);
      const dilation = dilated ? 2 : 1;
      const pad = pick<'same' | 'valid'>(['same', 'valid']);
      const [x, k] = [normal([n, h, w, cin]), normal([fh, fw, cin, cout])];
      await compare(`conv2d [${n},${h},${w},${cin}] k${fh}x${fw}→${cout} s${stride} d${dilation} ${pad}`, () => ({
        params: [tf.tensor4d(x, [n, h, w, cin]), tf.tensor4d(k, [fh, fw, cin, cout])],
        f: (xt, kt) => tf.conv2d(xt as tf.Tensor4D, kt as tf.Tensor4D, stride, pad, 'NHWC', dilation),
      }), !dilated);
    }
    const [x, k] = [normal([3, 28, 28, 1]), normal([3, 3, 1, 16])];
    await compare('ConvNet-S conv1 [3,28,28,1] k3x3→16 same', () => ({
      params: [tf.tensor4d(x, [3, 28, 28, 1]), tf.tensor4d(k, [3, 3, 1, 16])],
      f: (xt, kt) => tf.conv2d(xt as tf.Tensor4D, kt as tf.Tensor4D, 1, 'same'),
    }));
  });

  it('conv2d with 16 output channels and small patches: the direct kernels\' sums, bit for bit', () => {
    // The direct kernels (and their AVX-512 versions, native/src/direct-conv-avx512.h) add each
    // output's products in tap order, and each filter gradient value over (n, oy, ox) within
    // a fixed number of parts of the batch, the parts then in order: redone here in float32.
    const addon = loadNativeAddon();
    const f = Math.fround;
    // [batch, inH, inW, inC, fH, fW, stride, dilation, padTop, padLeft]; 12 ConvNet-S conv1
    // images make 5 parts; 30 columns are tiles of 10, 17 end in an overlapping tile.
    const cases = [[12, 28, 28, 1, 3, 3, 1, 1, 1, 1], [2, 9, 30, 1, 3, 3, 1, 1, 1, 1], [3, 7, 17, 2, 2, 2, 2, 1, 0, 1],
      [2, 8, 9, 1, 3, 3, 1, 2, 2, 0], [1, 5, 6, 16, 1, 1, 1, 1, 0, 0], [2, 6, 6, 1, 1, 5, 1, 1, 0, 2]];
    for (const [batch, inH, inW, inC, fH, fW, stride, dilation, padTop, padLeft] of cases) {
      const outC = 16, patch = fH * fW * inC;
      const outH = Math.floor((inH + 2 * padTop - (fH - 1) * dilation - 1) / stride) + 1;
      const outW = Math.floor((inW + 2 * padLeft - (fW - 1) * dilation - 1) / stride) + 1;
      const g = Int32Array.from([batch, inH, inW, inC, fH, fW, outC, outH, outW, stride, stride, dilation, dilation, padTop, padLeft]);
      const x = Float32Array.from(normal([batch, inH, inW, inC]));
      const filter = Float32Array.from(normal([fH, fW, inC, outC]));
      const dy = Float32Array.from(normal([batch, outH, outW, outC]));
      // x at (n, oy, ox) through tap (fy, fx, c), or undefined in the padding.
      const read = (n: number, oy: number, ox: number, fy: number, fx: number, c: number) => {
        const iy = oy * stride - padTop + fy * dilation, ix = ox * stride - padLeft + fx * dilation;
        return iy < 0 || iy >= inH || ix < 0 || ix >= inW ? undefined : x[((n * inH + iy) * inW + ix) * inC + c];
      };
      const y = new Float32Array(batch * outH * outW * outC), yRef = new Float32Array(y.length);
      for (let n = 0, at = 0; n < batch; n++) {
        for (let oy = 0; oy < outH; oy++) {
          for (let ox = 0; ox < outW; ox++, at += outC) {
            for (let co = 0; co < outC; co++) {
              let acc = 0;
              for (let fy = 0; fy < fH; fy++) {
                for (let fx = 0; fx < fW; fx++) {
                  for (let c = 0; c < inC; c++) {
                    const v = read(n, oy, ox, fy, fx, c);
                    if (v !== undefined) acc = f(acc + f(v * filter[((fy * fW + fx) * inC + c) * outC + co]));
                  }
                }
              }
              yRef[at + co] = acc;
            }
          }
        }
      }
      const parts = Math.max(1, Math.min(batch, Math.floor((batch * outH * outW * patch * outC) / 2 ** 18), 8));
      const dfilter = new Float32Array(patch * outC), dfilterRef = new Float32Array(patch * outC);
      for (let j = 0; j < parts; j++) {
        for (let fy = 0, k = 0; fy < fH; fy++) {
          for (let fx = 0; fx < fW; fx++) {
            for (let c = 0; c < inC; c++, k++) {
              for (let co = 0; co < outC; co++) {
                let acc = 0;
                for (let n = Math.floor((j * batch) / parts); n < Math.floor(((j + 1) * batch) / parts); n++) {
                  for (let oy = 0; oy < outH; oy++) {
                    for (let ox = 0; ox < outW; ox++) {
                      const v = read(n, oy, ox, fy, fx, c);
                      if (v !== undefined) acc = f(acc + f(v * dy[((n * outH + oy) * outW + ox) * outC + co]));
                    }
                  }
                }
                dfilterRef[k * outC + co] = j === 0 ? acc : f(dfilterRef[k * outC + co] + acc);
              }
            }
          }
        }
      }
      addon.conv2d(x, filter, y, g);
      addon.conv2dBackpropFilter(x, dy, dfilter, g);
      const differ = (a: Float32Array, b: Float32Array) => a.reduce((count, v, i) => count + (Object.is(v, b[i]) ? 0 : 1), 0);
      assert.equal(differ(y, yRef), 0, `conv2d [${g}]: outputs differ`);
      assert.equal(differ(dfilter, dfilterRef), 0, `conv2d [${g}]: filter gradients differ`);
    }
  });

  it('fused matMul and conv2d: bias and relu natively, other activations through wasm', async () => {
    for (const activation of ['linear', 'relu', 'elu'] as const) {
      const [a, b, bias] = [normal([6, 5]), normal([5, 3]), normal([3])];
      await compare(`fused matMul ${activation}`, () => ({
        params: [tf.tensor2d(a, [6, 5]), tf.tensor2d(b, [5, 3]), tf.tensor1d(bias)],
        f: (at, bt, ct) => tf.fused.matMul({ a: at as tf.Tensor2D, b: bt as tf.Tensor2D, bias: ct, activation }),
      }));
      const [x, k] = [normal([2, 5, 5, 2]), normal([3, 3, 2, 3])];
      await compare(`fused conv2d ${activation}`, () => ({
        params: [tf.tensor4d(x, [2, 5, 5, 2]), tf.tensor4d(k, [3, 3, 2, 3]), tf.tensor1d(bias)],
        f: (xt, kt, ct) => tf.fused.conv2d({ x: xt as tf.Tensor4D, filter: kt as tf.Tensor4D, strides: 1, pad: 'same', bias: ct, activation }),
      }));
    }
  });

  it('stays correct when its output grows the wasm heap', async () => {
    await onBackend('native', () => {
      const heapBytes = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength;
      const before = heapBytes();
      // An output larger than the whole heap: makeOutput must grow it, detaching older views.
      const positions = 64 * 64;
      const channels = Math.ceil(before / (4 * positions)) + 16;
      const filter = Float32Array.from({ length: channels }, (_, c) => c + 1);
      const y = tf.tidy(() => tf.conv2d(tf.ones([1, 64, 64, 1]) as tf.Tensor4D, tf.tensor4d(filter, [1, 1, 1, channels]), 1, 'valid'));
      assert.ok(heapBytes() > before, 'the heap did not grow: the test lost its point');
      const values = y.dataSync(); // [1, 64, 64, channels]: y[p, c] = 1 · filter[c]
      y.dispose();
      let wrong = 0;
      for (let i = 0; i < values.length; i++) if (values[i] !== (i % channels) + 1) wrong++;
      assert.equal(wrong, 0, `${wrong} of ${values.length} outputs are wrong`);
    });
  });

  it('a conv layer trains on native without leaking tensors', async () => {
    await onBackend('native', () => {
      const kernel = tf.variable(tf.tensor4d(normal([3, 3, 1, 4]), [3, 3, 1, 4]));
      const x = tf.tensor4d(normal([2, 6, 6, 1]), [2, 6, 6, 1]);
      const optimizer = tf.train.sgd(0.01);
      const loss = () => tf.conv2d(x, kernel as tf.Tensor4D, 1, 'same').square().mean() as tf.Scalar;
      const step = () => tf.dispose(optimizer.minimize(loss, true) ?? []);
      const first = tf.tidy(() => loss().dataSync()[0]);
      step();
      const count = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) step();
      assert.equal(tf.memory().numTensors, count);
      assert.ok(tf.tidy(() => loss().dataSync()[0]) < first, 'the loss did not decrease');
      tf.dispose([kernel, x]);
      optimizer.dispose();
    });
  });

  it('the addon refuses buffers that do not match the shapes it is given', () => {
    const addon = loadNativeAddon();
    const geometry = Int32Array.from([1, 3, 3, 1, 2, 2, 1, 2, 2, 1, 1, 1, 1, 0, 0]);
    assert.throws(() => addon.conv2d(new Float32Array(9), new Float32Array(4), new Float32Array(3), geometry), /y has 3 elements, expected 4/);
    assert.throws(() => addon.batchMatMul(new Float32Array(4), new Float32Array(4), new Float32Array(4), Int32Array.of(1), Int32Array.of(0),
      Int32Array.from([1, 1, 2, 2, 2]), false, false), /batch index out of range/);
  });
});
