import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { kmeans } from '../lib/eval';
import type { VectorSet } from '../lib/params/types';
import { InputError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';
import { clusterCentres, sampleClusters } from './eval-copying-synthetic';

/** Same partition up to renaming the clusters. */
function samePartition(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) for (let j = i + 1; j < a.length; j++) if ((a[i] === a[j]) !== (b[i] === b[j])) return false;
  return true;
}

describe('copying audit: k-means', () => {
  const rng = new Rng(11);
  const centres = clusterCentres(rng, 4, 8, 20);
  const points = sampleClusters(rng, centres, 120, 1);

  it('recovers well-separated clusters and their means', () => {
    const km = kmeans(points, 4, { seed: 0 });
    assert.ok(km.converged);
    assert.ok(samePartition(km.labels, points.labels));
    for (let c = 0; c < 4; c++) {
      const members = km.labels.flatMap((l, i) => (l === c ? [i] : []));
      for (let d = 0; d < 8; d++) {
        const mean = members.reduce((s, i) => s + points.data[i * 8 + d], 0) / members.length;
        assert.ok(Math.abs(km.centroids.data[c * 8 + d] - mean) < 1e-4);
      }
    }
    const inertia = km.labels.reduce((s, c, i) => s + [...Array(8).keys()].reduce((t, d) => t + (points.data[i * 8 + d] - km.centroids.data[c * 8 + d]) ** 2, 0), 0);
    assert.ok(Math.abs(km.inertia - inertia) < 1e-6 * inertia);
    // New points near a true centre land in the cluster of that centre's training points.
    const fresh = sampleClusters(new Rng(12), centres, 30, 1);
    const assigned = km.assign(fresh);
    fresh.labels.forEach((t, i) => assert.equal(assigned[i], km.labels[points.labels.indexOf(t)]));
  });

  it('is deterministic for a seed', () => {
    const [a, b] = [kmeans(points, 6, { seed: 3 }), kmeans(points, 6, { seed: 3 })];
    assert.deepEqual(a.labels, b.labels);
    assert.deepEqual(a.centroids.data, b.centroids.data);
    const seeds = [0, 1, 2, 4, 5].map((seed) => kmeans(points, 6, { seed }).labels.join());
    assert.ok(seeds.some((l) => l !== a.labels.join()), 'other seeds give other clusterings of 4 clusters into 6');
  });

  it('refuses k beyond the points or beyond the distinct points', () => {
    const dup: VectorSet = { count: 5, dim: 2, data: Float32Array.from([0, 0, 0, 0, 1, 1, 1, 1, 0, 0]) };
    assert.equal(kmeans(dup, 2, { seed: 0 }).inertia, 0);
    assert.throws(() => kmeans(dup, 3, { seed: 0 }), /only 2 distinct rows/);
    assert.throws(() => kmeans(dup, 6, { seed: 0 }), InputError);
    assert.throws(() => kmeans(dup, 0, { seed: 0 }), InputError);
  });

  it('stops at maxIter and says so', () => {
    const km = kmeans(sampleClusters(new Rng(13), clusterCentres(new Rng(14), 1, 2, 1), 300, 1), 12, { seed: 0, maxIter: 1 });
    assert.equal(km.iterations, 1);
    assert.equal(km.converged, false);
  });

  it('leaves no tensors behind', () => {
    kmeans(points, 4, { seed: 0 });
    const before = tf.memory().numTensors;
    kmeans(points, 4, { seed: 1 }).assign(points);
    assert.equal(tf.memory().numTensors, before);
  });
});
