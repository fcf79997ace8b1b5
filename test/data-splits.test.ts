import { strict as assert } from 'node:assert';
import { InputError } from '../lib/util/errors';
import { filterClasses, ImageDataset, randomSplit, randomSplitIndices, splitTail, subsetDataset } from '../lib/data';

/** n images of shape [1, 2, 1] whose pixels are (i, -i), label i % classes. */
function toy(n: number, classes = 3): ImageDataset {
  const images = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) images.set([i, -i], 2 * i);
  return { name: 'toy', images, labels: Int32Array.from({ length: n }, (_, i) => i % classes), shape: [1, 2, 1], numClasses: classes };
}

/** Index of each image of a toy subset, read back from its first pixel. */
const ids = (ds: ImageDataset) => Array.from({ length: ds.labels.length }, (_, i) => ds.images[2 * i]);

describe('data: splits', () => {
  it('subsetDataset copies images and labels in the order of the indices', () => {
    const sub = subsetDataset(toy(6), [4, 1, 4], 'sub');
    assert.deepEqual([...sub.images], [4, -4, 1, -1, 4, -4]);
    assert.deepEqual([...sub.labels], [1, 1, 1]);
    assert.equal(sub.name, 'sub');
    assert.throws(() => subsetDataset(toy(6), [6]), InputError);
    assert.throws(() => subsetDataset(toy(6), [1.5]), InputError);
  });

  it('splitTail keeps the first N - k for train and the last k for val', () => {
    const { train, val } = splitTail(toy(10), 3);
    assert.deepEqual(ids(train), [0, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(ids(val), [7, 8, 9]);
    for (const bad of [0, 10, -1, 2.5]) assert.throws(() => splitTail(toy(10), bad), InputError);
  });

  it('randomSplitIndices: same seed → same indices; parts disjoint and covering', () => {
    const a = randomSplitIndices(100, { fractions: [0.7, 0.1, 0.2] }, 42);
    assert.deepEqual(a, randomSplitIndices(100, { fractions: [0.7, 0.1, 0.2] }, 42));
    assert.deepEqual(a.map((p) => p.length), [70, 10, 20]);
    const all = a.flatMap((p) => [...p]).sort((x, y) => x - y);
    assert.deepEqual(all, Array.from({ length: 100 }, (_, i) => i));
  });

  it('randomSplitIndices: a different seed gives different parts', () => {
    const a = randomSplitIndices(100, { fractions: [0.5, 0.5] }, 1);
    const b = randomSplitIndices(100, { fractions: [0.5, 0.5] }, 2);
    assert.notDeepEqual([...a[0]].sort(), [...b[0]].sort());
  });

  it('fractions that do not divide N still add up to N', () => {
    const parts = randomSplitIndices(10, { fractions: [1 / 3, 1 / 3, 1 / 3] }, 0);
    assert.equal(parts.reduce((n, p) => n + p.length, 0), 10);
    assert.ok(parts.every((p) => p.length >= 3));
  });

  it('counts may leave samples out, but never exceed N or be empty', () => {
    const parts = randomSplitIndices(10, { counts: [2, 3] }, 0);
    assert.deepEqual(parts.map((p) => p.length), [2, 3]);
    assert.equal(new Set([...parts[0], ...parts[1]]).size, 5);
    assert.throws(() => randomSplitIndices(10, { counts: [6, 5] }, 0), /add up to 11, more than the 10/);
    assert.throws(() => randomSplitIndices(10, { counts: [0, 5] }, 0), InputError);
    assert.throws(() => randomSplitIndices(10, { counts: [2.5] }, 0), InputError);
    assert.throws(() => randomSplitIndices(10, { fractions: [0.5, 0.4] }, 0), /sum to 1/);
    assert.throws(() => randomSplitIndices(10, { fractions: [1.2, -0.2] }, 0), InputError);
    assert.throws(() => randomSplitIndices(10, { fractions: [0.99, 0.01] }, 0), InputError); // empty second part
  });

  it('randomSplit applies the indices to the dataset', () => {
    const [first, second] = randomSplit(toy(20), { counts: [5, 15] }, 7);
    const [indices] = randomSplitIndices(20, { counts: [5, 15] }, 7);
    assert.deepEqual(ids(first), [...indices]);
    assert.deepEqual([...first.labels], [...indices].map((i) => i % 3));
    assert.equal(second.labels.length, 15);
  });

  it('filterClasses relabels to 0..k-1 in the order given, or keeps labels', () => {
    const ds = toy(9, 3); // labels 0,1,2,0,1,2,...
    const relabelled = filterClasses(ds, [2, 0]);
    assert.deepEqual(ids(relabelled), [0, 2, 3, 5, 6, 8]);
    assert.deepEqual([...relabelled.labels], [1, 0, 1, 0, 1, 0]);
    assert.equal(relabelled.numClasses, 2);
    const kept = filterClasses(ds, [2, 0], 'keep');
    assert.deepEqual([...kept.labels], [0, 2, 0, 2, 0, 2]);
    assert.equal(kept.numClasses, 3);
    assert.throws(() => filterClasses(ds, [3]), InputError);
    assert.throws(() => filterClasses(ds, [1, 1]), InputError);
    assert.throws(() => filterClasses(ds, []), InputError);
  });
});
