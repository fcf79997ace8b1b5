import { strict as assert } from 'node:assert';
import { loadOodData, noiseCopies, preset, renormalizedSample } from '../lib/bend';
import type { ImageDataset } from '../lib/data/dataset';
import { FASHION_MNIST_MEAN, FASHION_MNIST_STD } from '../lib/data/fashion-mnist';
import { MNIST_MEAN, MNIST_STD } from '../lib/data/mnist';

describe('BEND presets, OOD images and noise-added copies', () => {
  it('every p-diff preset name is a BEND preset, with the options of its scale', () => {
    const seeds = preset('quick-seeds', 2);
    assert.equal(seeds.pdiff.zoo, 'seeds');
    assert.equal(seeds.pdiff.seed, 2);
    assert.equal(seeds.members, 100);
    assert.deepEqual(seeds.calibrationSizes, [10, 50, 100]);
    const smoke = preset('smoke-epochs');
    assert.equal(smoke.pdiff.zoo, 'trajectory');
    assert.equal(smoke.pdiff.preset, 'smoke-epochs');
    assert.equal(smoke.members, 20);
    assert.deepEqual(smoke, { ...preset('smoke'), pdiff: smoke.pdiff });
    assert.equal(preset('smoke-seeds').members, 20);
    assert.equal(preset('quick-recipes').pdiff.zoo, 'recipes');
    assert.throws(() => preset('quick-bagged'), /unknown preset/);
  });

  it('OOD images keep their pixels: re-normalised from their statistics to the run\'s', () => {
    // Raw pixels 0, 0.5, 1 of three 1×1 images, stored normalised with mean 0.2, std 0.4.
    const ds: ImageDataset = { name: 'a', images: Float32Array.from([0, 0.5, 1], (p) => (p - 0.2) / 0.4), labels: Int32Array.from([0, 1, 2]), shape: [1, 1, 1], numClasses: 3 };
    const out = renormalizedSample(ds, 3, 7, { mean: 0.2, std: 0.4 }, { mean: 0.5, std: 0.25 });
    assert.deepEqual([...out.images].map((v) => Number(v.toFixed(5))).sort((a, b) => a - b), [-2, 0, 2]);
    assert.equal(out.labels.length, 3);
    const two = renormalizedSample(ds, 2, 7, { mean: 0.2, std: 0.4 }, { mean: 0.5, std: 0.25 });
    assert.equal(two.images.length, 2);
    assert.deepEqual(two.labels, renormalizedSample(ds, 2, 7, { mean: 0.2, std: 0.4 }, { mean: 0.5, std: 0.25 }).labels);
    assert.throws(() => renormalizedSample(ds, 4, 7, { mean: 0, std: 1 }, { mean: 0, std: 1 }), /ood\.images must be in 1…3/);
  });

  it('a Fashion-MNIST run is shown MNIST digits with Fashion-MNIST statistics (background at −mean/std)', () => {
    const config = preset('standard');
    const ood = loadOodData({ ...config, ood: { images: 300 } });
    assert.equal(ood.labels.length, 300);
    assert.deepEqual(ood.shape, [28, 28, 1]);
    assert.match(ood.name, /mnist-embedded\/test/);
    const min = ood.images.reduce((a, b) => Math.min(a, b));
    assert.ok(Math.abs(min - -FASHION_MNIST_MEAN / FASHION_MNIST_STD) < 1e-4, `${min}`);
    const max = ood.images.reduce((a, b) => Math.max(a, b));
    assert.ok(Math.abs(max - (1 - FASHION_MNIST_MEAN) / FASHION_MNIST_STD) < 1e-4, `${max}`);
    assert.notEqual(MNIST_MEAN / MNIST_STD, FASHION_MNIST_MEAN / FASHION_MNIST_STD);
  });

  it('noise-added copies cycle through the zoo members; σ = 0 gives exact copies', () => {
    const zoo = { count: 2, dim: 3, data: Float32Array.from([1, 2, 3, 10, 20, 30]) };
    assert.deepEqual([...noiseCopies(zoo, 5, 0, 1).data], [1, 2, 3, 10, 20, 30, 1, 2, 3, 10, 20, 30, 1, 2, 3]);
    const noisy = noiseCopies(zoo, 5, 0.01, 1);
    assert.equal(noisy.count, 5);
    noisy.data.forEach((v, i) => assert.ok(Math.abs(v - zoo.data[i % 6]) < 0.1 && v !== zoo.data[i % 6], `${i}: ${v}`));
    assert.deepEqual(noisy.data, noiseCopies(zoo, 5, 0.01, 1).data);
    assert.notDeepEqual(noisy.data, noiseCopies(zoo, 5, 0.01, 2).data);
  });
});
