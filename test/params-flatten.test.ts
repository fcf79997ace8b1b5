import { strict as assert } from 'node:assert';
import {
  checkCompatible,
  checkManifest,
  flatten,
  flattenMany,
  stackVectors,
  unflatten,
} from '../lib/params/flatten';
import type { NamedArray } from '../lib/params/types';
import { InputError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';

const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** Random arrays with random shapes, including values that a lossy copy would change. */
function randomArrays(rng: Rng): NamedArray[] {
  const layers = 1 + rng.int(5);
  return Array.from({ length: layers }, (_, i) => {
    const shape = Array.from({ length: rng.int(4) }, () => 1 + rng.int(5));
    const data = rng.normalArray(shape.reduce((a, b) => a * b, 1), 10 ** (rng.int(9) - 4));
    data[0] = [-0, 1.401298464324817e-45, -3.4028234663852886e38, data[0]][rng.int(4)];
    return { name: `layer${i}/w`, shape, data };
  });
}

describe('params/flatten', () => {
  it('unflatten(flatten(x)) is bit-exact on random arrays', () => {
    const rng = new Rng(1);
    for (let trial = 0; trial < 50; trial++) {
      const arrays = randomArrays(rng);
      const { vector, manifest } = flatten(arrays);
      assert.equal(vector.length, arrays.reduce((n, a) => n + a.data.length, 0));
      checkManifest(manifest);
      const back = unflatten(vector, manifest);
      assert.deepEqual(back.map((a) => [a.name, a.shape]), arrays.map((a) => [a.name, a.shape]));
      back.forEach((a, i) => assert.deepEqual(bits(a.data), bits(arrays[i].data)));
    }
  });

  it('records names, shapes and offsets in order', () => {
    const { vector, manifest } = flatten([
      { name: 'fc/weight', shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
      { name: 'fc/bias', shape: [2], data: new Float32Array([7, 8]) },
    ]);
    assert.deepEqual(Array.from(vector), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(manifest, {
      entries: [
        { name: 'fc/weight', shape: [2, 3], offset: 0, size: 6 },
        { name: 'fc/bias', shape: [2], offset: 6, size: 2 },
      ],
      size: 8,
    });
    assert.deepEqual(JSON.parse(JSON.stringify(manifest)), manifest);
  });

  it('unflatten copies, so editing the result leaves the vector alone', () => {
    const { vector, manifest } = flatten([{ name: 'a', shape: [2], data: new Float32Array([1, 2]) }]);
    unflatten(vector, manifest)[0].data[0] = 99;
    assert.equal(vector[0], 1);
  });

  it('rejects length mismatches, naming the sizes', () => {
    assert.throws(
      () => flatten([{ name: 'fc/bias', shape: [3], data: new Float32Array(2) }]),
      (e: Error) => e instanceof InputError && /fc\/bias.*2.*\[3\].*3/.test(e.message),
    );
    const { manifest } = flatten([{ name: 'a', shape: [4], data: new Float32Array(4) }]);
    assert.throws(() => unflatten(new Float32Array(5), manifest), (e: Error) => e instanceof InputError && /5.*4/.test(e.message));
    assert.throws(() => flatten([{ name: 'a', shape: [1], data: new Float32Array(1) }, { name: 'a', shape: [1], data: new Float32Array(1) }]), InputError);
  });

  it('stacks vectors row-major and rejects unequal lengths', () => {
    const set = stackVectors([new Float32Array([1, 2]), new Float32Array([3, 4]), new Float32Array([5, 6])]);
    assert.deepEqual(set.count, 3);
    assert.deepEqual(set.dim, 2);
    assert.deepEqual(Array.from(set.data), [1, 2, 3, 4, 5, 6]);
    assert.throws(() => stackVectors([new Float32Array(2), new Float32Array(3)]), /vector 1 has 3 values, vector 0 has 2/);
    assert.throws(() => stackVectors([]), InputError);
  });

  it('flattenMany stacks checkpoints and names the first layer that differs', () => {
    const checkpoint = (bias: number[]) => [
      { name: 'fc/weight', shape: [1, 2], data: new Float32Array([bias[0], bias[0]]) },
      { name: 'fc/bias', shape: [bias.length], data: new Float32Array(bias) },
    ];
    const { set, manifest } = flattenMany([checkpoint([1]), checkpoint([2])]);
    assert.deepEqual([set.count, set.dim, manifest.size], [2, 3, 3]);
    assert.deepEqual(Array.from(set.data), [1, 1, 1, 2, 2, 2]);
    assert.throws(() => flattenMany([checkpoint([1]), checkpoint([1, 2])]), /checkpoint 1.*"fc\/bias" has shape \[2\], expected \[1\]/);
  });

  it('checkCompatible names the first layer whose name or shape differs', () => {
    const { manifest } = flatten([
      { name: 'bn3/weight', shape: [4], data: new Float32Array(4) },
      { name: 'fc/weight', shape: [4, 2], data: new Float32Array(8) },
    ]);
    checkCompatible(manifest, [{ name: 'bn3/weight', shape: [4] }, { name: 'fc/weight', shape: [4, 2] }]);
    assert.throws(
      () => checkCompatible(manifest, [{ name: 'bn3/weight', shape: [4] }, { name: 'fc/weight', shape: [2, 4] }]),
      /"fc\/weight" has shape \[2,4\], expected \[4,2\]/,
    );
    assert.throws(() => checkCompatible(manifest, [{ name: 'bn2/weight', shape: [4] }]), /layer 0 is "bn2\/weight", expected "bn3\/weight"/);
    assert.throws(() => checkCompatible(manifest, [{ name: 'bn3/weight', shape: [4] }]), /missing layer "fc\/weight"/);
  });

  it('checkManifest rejects inconsistent manifests', () => {
    const entry = { name: 'a', shape: [2, 3], offset: 0, size: 6 };
    checkManifest({ entries: [entry], size: 6 });
    assert.throws(() => checkManifest({ entries: [{ ...entry, size: 5 }], size: 5 }), /size 5.*needs 6/);
    assert.throws(() => checkManifest({ entries: [{ ...entry, offset: 1 }], size: 6 }), /starts at 1, expected 0/);
    assert.throws(() => checkManifest({ entries: [entry], size: 7 }), /size is 7.*6/);
  });
});
