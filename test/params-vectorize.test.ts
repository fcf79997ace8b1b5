import { strict as assert } from 'node:assert';
import { flatten } from '../lib/params/flatten';
import type { ParamManifest } from '../lib/params/types';
import {
  devectorize,
  devectorizeSet,
  planVectorize,
  vectorize,
  vectorizeSet,
  type VectorizeConfig,
  type VectorizeMode,
} from '../lib/params/vectorize';
import { InputError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';

const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** A manifest with layers of the given sizes (odd on purpose) and a random vector for it. */
function subset(rng: Rng, sizes: number[]): { vector: Float32Array; manifest: ParamManifest } {
  return flatten(sizes.map((n, i) => ({ name: `l${i}`, shape: [n], data: rng.normalArray(n) })));
}

const configs: Partial<VectorizeConfig>[] = [
  { mode: 'model' },
  { mode: 'model', length: 1000 },
  { mode: 'model', multiple: 625 },
  { mode: 'layer' },
  { mode: 'layer', multiple: 8 },
  { mode: 'chunk', chunkSize: 1 },
  { mode: 'chunk', chunkSize: 7 },
  { mode: 'chunk', chunkSize: 64 },
  { mode: 'chunk', chunkSize: 5000 },
];

describe('params/vectorize', () => {
  for (const config of configs) {
    it(`round trips bit-exactly with ${JSON.stringify(config)}`, () => {
      const rng = new Rng(7);
      for (const sizes of [[1], [3, 5, 7], [64, 10, 640, 64], [13, 0, 2]]) {
        const { vector, manifest } = subset(rng, sizes);
        const { pieces, plan } = vectorize(vector, manifest, config);
        pieces.forEach((p, i) => {
          assert.equal(p.index, i);
          assert.equal(p.data.length, plan.pieceLength);
        });
        const restored = devectorize(pieces, JSON.parse(JSON.stringify(plan))); // the plan survives JSON
        assert.deepEqual(bits(restored), bits(vector));
      }
    });
  }

  it('model mode pads the whole vector to the length, then to the multiple', () => {
    const { vector, manifest } = subset(new Rng(1), [400, 378]);
    const plan = (c: Partial<VectorizeConfig>) => planVectorize(manifest, c);
    assert.equal(plan({ mode: 'model' }).pieceLength, 778);
    assert.equal(plan({ mode: 'model', length: 800 }).pieceLength, 800);
    assert.equal(plan({ mode: 'model', multiple: 625 }).pieceLength, 1250);
    const { pieces } = vectorize(vector, manifest, { mode: 'model', multiple: 625 });
    assert.equal(pieces.length, 1);
    assert.deepEqual(bits(pieces[0].data.subarray(0, 778)), bits(vector));
    assert.ok(pieces[0].data.subarray(778).every((v) => Object.is(v, 0)));
    assert.throws(() => plan({ mode: 'model', length: 100 }), /shorter than the vector/);
  });

  it('layer mode gives one piece per layer, padded to the longest, tagged with the layer index', () => {
    const { vector, manifest } = subset(new Rng(2), [3, 5, 2]);
    const { pieces, plan } = vectorize(vector, manifest, { mode: 'layer' });
    assert.deepEqual(plan.pieceSizes, [3, 5, 2]);
    assert.deepEqual(pieces.map((p) => p.index), [0, 1, 2]);
    assert.deepEqual(Array.from(pieces[2].data), [...vector.subarray(8, 10), 0, 0, 0]);
  });

  it('chunk mode pads to a multiple of the chunk size and tags chunks in order', () => {
    const { vector, manifest } = subset(new Rng(3), [10]);
    const { pieces, plan } = vectorize(vector, manifest, { mode: 'chunk', chunkSize: 4 });
    assert.deepEqual(plan.pieceSizes, [4, 4, 2]);
    assert.deepEqual(Array.from(pieces[1].data), Array.from(vector.subarray(4, 8)));
    assert.deepEqual(Array.from(pieces[2].data), [vector[8], vector[9], 0, 0]);
  });

  it('ignores whatever a decoder put in the padding', () => {
    const { vector, manifest } = subset(new Rng(4), [5]);
    const { pieces, plan } = vectorize(vector, manifest, { mode: 'chunk', chunkSize: 4 });
    pieces[1].data[3] = 123;
    assert.deepEqual(bits(devectorize(pieces, plan)), bits(vector));
  });

  it('vectorizeSet / devectorizeSet round trip a whole set, rows grouped per vector', () => {
    const rng = new Rng(5);
    const { manifest } = subset(rng, [7, 3]);
    const set = { count: 4, dim: 10, data: rng.normalArray(40) };
    for (const mode of ['model', 'layer', 'chunk'] as VectorizeMode[]) {
      const plan = planVectorize(manifest, { mode, chunkSize: 4 });
      const { set: pieces, indices } = vectorizeSet(set, plan);
      assert.equal(pieces.count, 4 * plan.pieceSizes.length);
      assert.deepEqual(Array.from(indices.subarray(0, plan.pieceSizes.length)), plan.pieceSizes.map((_, i) => i));
      assert.deepEqual(bits(devectorizeSet(pieces, plan).data), bits(set.data));
    }
  });

  it('rejects wrong piece counts, lengths, tags, modes and plans', () => {
    const { vector, manifest } = subset(new Rng(6), [10]);
    const { pieces, plan } = vectorize(vector, manifest, { mode: 'chunk', chunkSize: 4 });
    assert.throws(() => devectorize(pieces.slice(0, 2), plan), /expected 3 pieces, got 2/);
    assert.throws(() => devectorize([pieces[0], pieces[1], { index: 2, data: new Float32Array(5) }], plan), /piece 2 has 5 values, expected 4/);
    assert.throws(() => devectorize([pieces[1], pieces[0], pieces[2]], plan), /piece 0 is tagged with index 1/);
    assert.throws(() => devectorize(pieces, { ...plan, size: 11 }), /invalid vectorize plan/);
    assert.throws(() => vectorize(new Float32Array(9), manifest), /9 values, the plan expects 10/);
    assert.throws(() => planVectorize(manifest, { mode: 'rows' as VectorizeMode }), InputError);
    assert.throws(() => planVectorize(manifest, { mode: 'chunk', chunkSize: 0 }), /chunkSize must be an integer/);
    assert.throws(() => devectorizeSet({ count: 5, dim: 4, data: new Float32Array(20) }, plan), /not a multiple of 3/);
  });
});
