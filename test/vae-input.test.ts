import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { VaeInput, type VaeInputPlan } from '../lib/vae';
import { linear, ParamBuilder } from '../lib/models/layers';
import { flatten, flattenMany } from '../lib/params/flatten';
import { readParams } from '../lib/params/tensors';
import type { NamedArray, ParamManifest, VectorSet } from '../lib/params/types';
import { InputError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';

/** The bits of a float array, so -0, subnormals and the exact value of every float are compared. */
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/** `count` vectors of `manifest`'s size with awkward floats (-0, a subnormal, huge and tiny values) mixed in. */
function awkwardSet(manifest: ParamManifest, count: number, seed: number): VectorSet {
  const data = new Rng(seed).normalArray(count * manifest.size);
  const specials = [-0, 1e-40, 3.4e38, -1.17549435e-38, 1 / 3];
  specials.forEach((v, i) => { data[(i * 7) % data.length] = v; });
  return { count, dim: manifest.size, data };
}

/** A manifest of layers of different sizes: 6, 2, 10, 1. */
const layered = flatten([
  { name: 'a/weight', shape: [3, 2], data: new Float32Array(6) },
  { name: 'a/bias', shape: [2], data: new Float32Array(2) },
  { name: 'b/weight', shape: [2, 5], data: new Float32Array(10) },
  { name: 'b/scale', shape: [], data: new Float32Array(1) },
]).manifest;

describe('VAE input rows', () => {
  it('row mode: a head 64→5 gives 5 rows [W[:, k], b_k] whose dot products with features are the head\'s logits', () => {
    const builder = new ParamBuilder(new Rng(3));
    builder.linear('fc', 64, 5);
    const { set, manifest } = flattenMany([readParams(builder.params, ['fc/weight', 'fc/bias'])]);
    const input = VaeInput.fromManifest(manifest);
    assert.deepEqual([input.rowsPerVector, input.rowDim], [5, 65]);
    const rows = input.toRows(set);
    assert.deepEqual([rows.count, rows.dim], [5, 65]);
    const features = tf.tensor2d(new Rng(4).normalArray(3 * 64), [3, 64]);
    const logits = tf.tidy(() => linear(builder.params, 'fc', features).arraySync());
    const f = features.arraySync();
    for (let n = 0; n < 3; n++) {
      for (let k = 0; k < 5; k++) {
        const row = rows.data.subarray(k * 65, (k + 1) * 65);
        const dot = f[n].reduce((s, v, i) => s + v * row[i], row[64]);
        assert.ok(Math.abs(dot - logits[n][k]) < 1e-5, `sample ${n}, class ${k}: ${dot} vs ${logits[n][k]}`);
      }
    }
    // Exact positions: row k holds weight[i, k] = vector[i·5 + k] and the bias after the 320 weights.
    assert.equal(rows.data[2 * 65 + 7], set.data[7 * 5 + 2]);
    assert.equal(rows.data[3 * 65 + 64], set.data[320 + 3]);
    features.dispose();
    tf.dispose([...builder.params.values()]);
  });

  it('row mode round-trips bit-exactly, many heads, with and without a one-hot class tag', () => {
    const { manifest } = flatten([
      { name: 'fc/weight', shape: [4, 3], data: new Float32Array(12) },
      { name: 'fc/bias', shape: [3], data: new Float32Array(3) },
    ]);
    const set = awkwardSet(manifest, 6, 1);
    for (const tag of ['none', 'onehot'] as const) {
      const input = VaeInput.fromManifest(manifest, { mode: 'row', tag });
      const rows = input.toRows(set);
      assert.deepEqual([rows.count, rows.dim], [18, tag === 'none' ? 5 : 8]);
      if (tag === 'onehot') assert.deepEqual(Array.from(rows.data.subarray(7 * 8 + 5, 8 * 8)), [0, 1, 0], 'row 7 is class 1 of head 2');
      assert.deepEqual(bits(input.fromRows(rows).data), bits(set.data));
    }
  });

  it('vectorize modes cut like lib/params (row r·P + i = piece i of vector r), tag pieces, and round-trip bit-exactly', () => {
    const set = awkwardSet(layered, 4, 2);
    const cases = [
      { config: { mode: 'model' as const, vectorize: { multiple: 8 } }, pieces: 1, length: 24 },
      { config: { mode: 'layer' as const }, pieces: 4, length: 10 },
      { config: { mode: 'chunk' as const, vectorize: { chunkSize: 4 } }, pieces: 5, length: 4 },
    ];
    for (const { config, pieces, length } of cases) {
      for (const tag of ['none', 'onehot'] as const) {
        const input = VaeInput.fromManifest(layered, { ...config, tag });
        const rowDim = length + (tag === 'onehot' ? pieces : 0);
        assert.deepEqual([input.rowsPerVector, input.rowDim], [pieces, rowDim], `${config.mode} ${tag}`);
        const rows = input.toRows(set);
        assert.deepEqual([rows.count, rows.dim], [4 * pieces, rowDim]);
        assert.deepEqual(bits(input.fromRows(rows).data), bits(set.data), `${config.mode} ${tag}`);
      }
    }
    // Layer mode: vector 1's third layer (b/weight, 10 values at offset 8) is row 1·4 + 2, then its tag.
    const rows = VaeInput.fromManifest(layered, { mode: 'layer', tag: 'onehot' }).toRows(set);
    const row = rows.data.subarray(6 * 14, 7 * 14);
    assert.deepEqual(bits(row.slice(0, 10)), bits(set.data.slice(19 + 8, 19 + 18)));
    assert.deepEqual(Array.from(row.slice(10)), [0, 0, 1, 0]);
    // Its fourth layer (one value) is padded with zeros up to the piece length.
    assert.deepEqual(Array.from(rows.data.subarray(7 * 14 + 1, 7 * 14 + 10)), new Array(9).fill(0));
  });

  it('decoded rows go back into vectors ignoring padding and tags', () => {
    const set = awkwardSet(layered, 2, 3);
    const input = VaeInput.fromManifest(layered, { mode: 'layer', tag: 'onehot' });
    const rows = input.toRows(set);
    const noisy = { ...rows, data: rows.data.slice() };
    for (let r = 0; r < noisy.count; r++) {
      noisy.data.fill(0.5, r * 14 + 10, (r + 1) * 14); // a decoder's imperfect tag
      if (r % 4 === 3) noisy.data.fill(9, r * 14 + 1, r * 14 + 10); // and padding
    }
    assert.deepEqual(bits(input.fromRows(noisy).data), bits(set.data));
  });

  it('a plan survives JSON and rejects a tampered one', () => {
    const input = VaeInput.fromManifest(layered, { mode: 'chunk', vectorize: { chunkSize: 4 }, tag: 'onehot' });
    const plan = JSON.parse(JSON.stringify(input.plan)) as VaeInputPlan;
    const set = awkwardSet(layered, 3, 4);
    assert.deepEqual(bits(new VaeInput(plan).fromRows(input.toRows(set)).data), bits(set.data));
    assert.throws(() => new VaeInput({ ...plan, rowDim: 4 }), /invalid VAE input plan: rowDim 4 does not fit pieceLength 4, 5 rows and tag onehot/);
    assert.throws(() => new VaeInput({ ...plan, mode: 'row' }), /row mode needs a linear layout/);
  });

  it('rejects what it cannot cut, naming the problem', () => {
    const rejects = (fn: () => unknown, pattern: RegExp) =>
      assert.throws(fn, (e: Error) => e instanceof InputError && pattern.test(e.message), `expected ${pattern}`);
    rejects(() => VaeInput.fromManifest(layered), /row mode needs exactly one linear layer's <name>\/weight and <name>\/bias, got \[a\/weight, a\/bias, b\/weight, b\/scale\]/);
    const mismatched: NamedArray[] = [
      { name: 'fc/weight', shape: [4, 3], data: new Float32Array(12) },
      { name: 'fc/bias', shape: [4], data: new Float32Array(4) },
    ];
    rejects(() => VaeInput.fromManifest(flatten(mismatched).manifest), /needs weight \[in, out\] and bias \[out\], got fc\/weight \[4,3\] and fc\/bias \[4\]/);
    rejects(() => VaeInput.fromManifest(layered, { mode: 'chunk', vectorize: { chunkSize: 0 } }), /chunkSize must be an integer ≥ 1/);
    const input = VaeInput.fromManifest(layered, { mode: 'layer' });
    rejects(() => input.toRows({ count: 1, dim: 18, data: new Float32Array(18) }), /vectors have 18 values each, the plan expects 19/);
    rejects(() => input.fromRows({ count: 6, dim: 10, data: new Float32Array(60) }), /6 rows is not a multiple of 4 rows per vector/);
  });
});
