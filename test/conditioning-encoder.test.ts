import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import {
  checkDatasetEncoderConfig, conditionTensor, conditionVector, defaultDatasetEncoderConfig, makeDatasetEncoder, multiheadAttention,
  sampleCondition, SetTransformer, stackConditions, type Condition, type DatasetEncoder, type DatasetEncoderConfig,
} from '../lib/conditioning';
import { ParamBuilder } from '../lib/models/layers';
import { InputError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';

const F = 6;
const tiny = (encoder: DatasetEncoderConfig['encoder'], layerNorm: 'on' | 'off' = 'on'): DatasetEncoderConfig => ({
  encoder, embedSize: 8, setTransformer: { heads: 2, inducingPoints: 4, isabBlocks: 2, layerNorm }, mlp: { layers: 2 },
});

/** A random condition [T, C, S, F] as a plain array. */
function randomCondition(T: number, C: number, S: number, seed: number): Condition {
  return { tasks: T, classes: C, shots: S, features: F, data: new Rng(seed).normalArray(T * C * S * F) };
}

/** The condition with, in every task, class c's shots reordered by shotPerm(c) and the classes by classPerm. */
function permuted(c: Condition, classPerm: number[], shotPerm: (cls: number) => number[]): Condition {
  const data = new Float32Array(c.data.length);
  const at = (t: number, k: number, s: number) => ((t * c.classes + k) * c.shots + s) * F;
  for (let t = 0; t < c.tasks; t++) {
    for (let k = 0; k < c.classes; k++) {
      const src = classPerm[k];
      const shots = shotPerm(src);
      for (let s = 0; s < c.shots; s++) data.set(c.data.subarray(at(t, src, shots[s]), at(t, src, shots[s]) + F), at(t, k, s));
    }
  }
  return { ...c, data };
}

function embedArrays(encoder: DatasetEncoder, c: Condition) {
  const x = conditionTensor(c, F);
  const { classes, dataset } = encoder.embed(x);
  const out = { classes: classes.arraySync(), dataset: dataset.arraySync(), shapes: [classes.shape, dataset.shape] };
  tf.dispose([x, classes, dataset]);
  return out;
}

function assertClose(actual: number[][], expected: number[][], tol: number, what: string) {
  actual.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - expected[i][j]) <= tol, `${what}[${i}][${j}]: ${v} vs ${expected[i][j]}`)));
}

describe('conditioning/encoders', () => {
  for (const kind of ['set-transformer', 'mlp'] as const) {
    describe(kind, () => {
      it('embeds [T, C, S, F] into classes [T, C, H] and dataset [T, H], invariant to shot and class order', () => {
        const encoder = makeDatasetEncoder(F, tiny(kind), 3);
        assert.equal(encoder.kind, kind);
        const before = tf.memory().numTensors;
        const c = randomCondition(2, 3, 4, 1);
        const base = embedArrays(encoder, c);
        assert.deepEqual(base.shapes, [[2, 3, 8], [2, 8]]);
        // Tasks are embedded independently: different data, different embeddings.
        assert.ok(base.dataset[0].some((v, j) => Math.abs(v - base.dataset[1][j]) > 1e-3));

        const shotPerms = [[2, 0, 3, 1], [3, 2, 1, 0], [1, 3, 0, 2]];
        const shuffledShots = embedArrays(encoder, permuted(c, [0, 1, 2], (k) => shotPerms[k]));
        shuffledShots.classes.forEach((task, t) => assertClose(task, base.classes[t], 1e-5, `classes, task ${t}`));
        assertClose(shuffledShots.dataset, base.dataset, 1e-5, 'dataset');

        const classPerm = [2, 0, 1];
        const shuffledClasses = embedArrays(encoder, permuted(c, classPerm, (k) => shotPerms[k]));
        assertClose(shuffledClasses.dataset, base.dataset, 1e-5, 'dataset');
        shuffledClasses.classes.forEach((task, t) =>
          assertClose(task, classPerm.map((src) => base.classes[t][src]), 1e-5, `permuted classes, task ${t}`));
        assert.equal(tf.memory().numTensors, before);
        encoder.dispose();
      });

      it('the gradient reaches every parameter', () => {
        for (const layerNorm of ['on', 'off'] as const) {
          const encoder = makeDatasetEncoder(F, tiny(kind, layerNorm), 0);
          const x = conditionTensor(randomCondition(2, 3, 4, 2), F);
          // Random read-out weights: a plain sum of LayerNorm outputs would have no gradient.
          const rng = new Rng(9);
          const wc = tf.tensor3d(rng.normalArray(2 * 3 * 16), [2, 3, 16]);
          const { grads } = tf.variableGrads(() => tf.tidy(() => conditionVector(encoder.forward(x)).mul(wc).sum() as tf.Scalar), [...encoder.params.values()]);
          for (const [name, v] of encoder.params) {
            const g = grads[v.name];
            assert.ok(g, `no gradient for ${name}`);
            assert.ok(g.abs().max().dataSync()[0] > 1e-7, `zero gradient for ${name} (layerNorm ${layerNorm})`);
          }
          tf.dispose([x, wc, ...Object.values(grads)]);
          encoder.dispose();
        }
      });

      it('rejects a condition of the wrong rank or feature size, with no shots, or with NaN', () => {
        const encoder = makeDatasetEncoder(F, tiny(kind), 0);
        const check = (x: tf.Tensor, pattern: RegExp) => {
          assert.throws(() => encoder.embed(x as tf.Tensor4D), (e: Error) => e instanceof InputError && pattern.test(e.message));
          x.dispose();
        };
        check(tf.zeros([3, 4, F]), /must be \[T tasks, C classes, S shots, F features\], got rank 3/);
        check(tf.zeros([1, 3, 4, 5]), /condition has 5 features per sample, the encoder expects 6/);
        check(tf.zeros([1, 3, 0, F]), /classes with no samples/);
        const bad = new Float32Array(3 * 4 * F);
        bad[7] = NaN;
        check(tf.tensor4d(bad, [1, 3, 4, F]), /NaN or Infinity/);
        encoder.dispose();
      });
    });
  }

  it('conditionVector is concat(class_k, dataset) per row', () => {
    const classes = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]);
    const dataset = tf.tensor2d([10, 20, 30, 40], [2, 2]);
    const v = conditionVector({ classes, dataset });
    assert.deepEqual(v.arraySync(), [[[1, 2, 10, 20], [3, 4, 10, 20]], [[5, 6, 30, 40], [7, 8, 30, 40]]]);
    tf.dispose([classes, dataset, v]);
  });

  it('multi-head attention matches a direct computation', () => {
    const rng = new Rng(4);
    const [B, N, M, H, heads] = [2, 3, 4, 4, 2];
    const q = rng.normalArray(B * N * H);
    const k = rng.normalArray(B * M * H);
    const v = rng.normalArray(B * M * H);
    const out = tf.tidy(() => multiheadAttention(tf.tensor3d(q, [B, N, H]), tf.tensor3d(k, [B, M, H]), tf.tensor3d(v, [B, M, H]), heads).dataSync());
    const d = H / heads;
    for (let b = 0; b < B; b++) for (let h = 0; h < heads; h++) for (let i = 0; i < N; i++) {
      const scores = Array.from({ length: M }, (_, j) => {
        let s = 0;
        for (let e = 0; e < d; e++) s += q[(b * N + i) * H + h * d + e] * k[(b * M + j) * H + h * d + e];
        return s / Math.sqrt(d);
      });
      const z = scores.reduce((acc, s) => acc + Math.exp(s), 0);
      for (let e = 0; e < d; e++) {
        const expected = scores.reduce((acc, s, j) => acc + (Math.exp(s) / z) * v[(b * M + j) * H + h * d + e], 0);
        assert.ok(Math.abs(out[(b * N + i) * H + h * d + e] - expected) < 1e-5, `b${b} h${h} i${i} e${e}`);
      }
    }
  });

  it('a Set Transformer with k seeds and SABs gives [B, k, H], invariant to element order', () => {
    const b = new ParamBuilder(new Rng(0));
    const st = new SetTransformer(b, 'st', F, { hidden: 8, heads: 2, inducingPoints: 3, isabBlocks: 1, seeds: 3, sabBlocks: 1, layerNorm: 'on' });
    const data = new Rng(5).normalArray(2 * 5 * F);
    const x = tf.tensor3d(data, [2, 5, F]);
    const reversed = tf.reverse(x, 1);
    const [y, yr] = [st.forward(x), st.forward(reversed)];
    assert.deepEqual(y.shape, [2, 3, 8]);
    assert.ok(tf.tidy(() => y.sub(yr).abs().max().dataSync()[0]) < 1e-5);
    const wrong = tf.zeros([2, 5, 4]) as tf.Tensor3D;
    assert.throws(() => st.forward(wrong), /must be \[B, N ≥ 1, 6\]/);
    tf.dispose([x, reversed, y, yr, wrong, ...b.params.values()]);
  });

  it('rejects configs that cannot work', () => {
    const bad = (over: Partial<DatasetEncoderConfig['setTransformer']>) => ({ ...tiny('set-transformer'), setTransformer: { ...tiny('set-transformer').setTransformer, ...over } });
    assert.throws(() => checkDatasetEncoderConfig(bad({ heads: 3 })), /heads \(3\) must divide hidden \(8\)/);
    assert.throws(() => checkDatasetEncoderConfig(bad({ inducingPoints: 0 })), /inducingPoints must be a positive integer/);
    assert.throws(() => checkDatasetEncoderConfig({ ...tiny('mlp'), encoder: 'gru' as 'mlp' }), /encoder must be 'set-transformer' or 'mlp'/);
    const b = new ParamBuilder(new Rng(0));
    assert.throws(() => new SetTransformer(b, 'st', F, { hidden: 8, heads: 2, inducingPoints: 3, isabBlocks: 1, seeds: 1, sabBlocks: 1, layerNorm: 'on' }),
      /single element/);
    checkDatasetEncoderConfig(defaultDatasetEncoderConfig);
  });
});

describe('conditioning/condition', () => {
  const rows = (n: number, offset: number) => Array.from({ length: n }, (_, i) => Float32Array.from({ length: F }, (_, j) => offset + i + j / 10));

  it('sampleCondition draws S distinct rows per class (repeats only for a small class), seeded', () => {
    const byClass = [rows(10, 0), rows(2, 100), rows(7, 200)];
    const c = sampleCondition(byClass, 4, new Rng(1));
    assert.deepEqual([c.tasks, c.classes, c.shots, c.features], [1, 3, 4, F]);
    const picked = (k: number) => Array.from({ length: 4 }, (_, s) => c.data[(k * 4 + s) * F] - 100 * k);
    for (const k of [0, 2]) {
      assert.equal(new Set(picked(k)).size, 4, `class ${k}: ${picked(k)}`);
      assert.ok(picked(k).every((r) => Number.isInteger(r) && r >= 0 && r < byClass[k].length));
    }
    assert.deepEqual([...new Set(picked(1))].sort(), [0, 1], 'both rows of the small class appear');
    assert.deepEqual(sampleCondition(byClass, 4, new Rng(1)).data, c.data);
    assert.notDeepEqual(sampleCondition(byClass, 4, new Rng(2)).data, c.data);
  });

  it('sampleCondition names an empty class, a ragged row and a non-finite value', () => {
    assert.throws(() => sampleCondition([rows(3, 0), []], 2, new Rng(0)), /class 1 has no samples/);
    const ragged = [rows(3, 0), [...rows(2, 10), new Float32Array(F - 1)]];
    assert.throws(() => sampleCondition(ragged, 2, new Rng(0)), /class 1, row 2 has 5 features, class 0 row 0 has 6/);
    const nan = rows(2, 0);
    nan[1][3] = Infinity;
    assert.throws(() => sampleCondition([nan], 2, new Rng(0)), /class 0, row 1, feature 3 holds Infinity/);
  });

  it('stackConditions concatenates tasks and checks their shapes; conditionTensor checks the data', () => {
    const a = randomCondition(1, 3, 2, 0);
    const b = randomCondition(2, 3, 2, 1);
    const s = stackConditions([a, b]);
    assert.equal(s.tasks, 3);
    assert.deepEqual(s.data.subarray(a.data.length), b.data);
    assert.throws(() => stackConditions([a, randomCondition(1, 2, 2, 0)]), /condition 1 is \[·, 2, 2, 6\], condition 0 is \[·, 3, 2, 6\]/);
    assert.throws(() => conditionTensor({ ...a, data: a.data.subarray(1) }, F), /holds 35/);
    const nan = { ...a, data: a.data.slice() };
    nan.data[F + 2] = NaN;
    assert.throws(() => conditionTensor(nan, F), /row 1, position 2 holds NaN/);
  });
});
