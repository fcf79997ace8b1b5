import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { meanTotalVariation, nearestNeighbours, type Metric } from '../lib/eval';
import type { VectorSet } from '../lib/params/types';
import { InputError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';

const randomSet = (rng: Rng, count: number, dim: number, offset = 0, scale = 1): VectorSet => ({
  count, dim, data: rng.normalArray(count * dim, scale).map((v) => v + offset),
});

/** Probability rows: `probes` softmaxes of `classes` logits each. */
function probabilitySet(rng: Rng, count: number, probes: number, classes: number): VectorSet {
  const data = rng.normalArray(count * probes * classes, 2);
  for (let g = 0; g < count * probes; g++) {
    const logits = data.subarray(g * classes, (g + 1) * classes);
    const z = logits.reduce((s, v) => s + Math.exp(v), 0);
    logits.forEach((v, c) => (logits[c] = Math.exp(v) / z));
  }
  return { count, dim: probes * classes, data };
}

/** Plain double loops over every pair. */
function bruteForce(q: VectorSet, r: VectorSet, metric: Metric, excludeSelf = false) {
  const rows = (s: VectorSet, i: number) => s.data.subarray(i * s.dim, (i + 1) * s.dim);
  const distance: number[] = [];
  const index: number[] = [];
  for (let i = 0; i < q.count; i++) {
    let [best, at] = [Infinity, -1];
    for (let j = 0; j < r.count; j++) {
      if (excludeSelf && i === j) continue;
      const [a, b] = [rows(q, i), rows(r, j)];
      let d = 0;
      if (metric.kind === 'euclidean') d = Math.sqrt(a.reduce((s, v, k) => s + (v - b[k]) ** 2, 0));
      else {
        for (let p = 0; p < a.length / metric.classes; p++) {
          let tv = 0;
          for (let c = 0; c < metric.classes; c++) tv += Math.abs(a[p * metric.classes + c] - b[p * metric.classes + c]) / 2;
          d += tv / (a.length / metric.classes);
        }
      }
      if (d < best) [best, at] = [d, j];
    }
    distance.push(best);
    index.push(at);
  }
  return { distance, index };
}

function assertMatches(got: { distance: number[]; index: number[] }, want: { distance: number[]; index: number[] }, tol: number) {
  assert.deepEqual(got.index, want.index);
  got.distance.forEach((d, i) => assert.ok(Math.abs(d - want.distance[i]) <= tol * want.distance[i], `${d} vs ${want.distance[i]}`));
}

describe('copying audit: nearest-neighbour distances', () => {
  const euclidean: Metric = { kind: 'euclidean' };

  it('finds the Euclidean nearest neighbour brute force finds', () => {
    const rng = new Rng(1);
    const [q, r] = [randomSet(rng, 23, 57, 3), randomSet(rng, 31, 57, 3)];
    assertMatches(nearestNeighbours(q, r), bruteForce(q, r, euclidean), 1e-9);
    assertMatches(nearestNeighbours(r, r, { excludeSelf: true }), bruteForce(r, r, euclidean, true), 1e-9);
  });

  it('keeps tiny distances exact far from the origin, where ‖a‖² + ‖b‖² − 2a·b in float32 cancels', () => {
    // Rows ≈ 1000 + N(0, 1) in 500 dims, queries = rows + 1e-3 noise: d ≈ 0.02 against ‖a‖² ≈ 5e8.
    const rng = new Rng(2);
    const r = randomSet(rng, 40, 500, 1000);
    const q: VectorSet = { count: 40, dim: 500, data: r.data.map((v) => v + 1e-3 * rng.normal()) };
    const got = nearestNeighbours(q, r);
    assertMatches(got, bruteForce(q, r, euclidean), 1e-9);
    assert.deepEqual(got.index, Array.from({ length: 40 }, (_, i) => i));
  });

  it('bounds the mean total variation in [0, 1]: 0 for identical, 1 for disjoint one-hot outputs', () => {
    const p = Float32Array.from([1, 0, 0, 0, 1, 0]); // 2 probe images, 3 classes
    assert.equal(meanTotalVariation(p, p, 3), 0);
    assert.equal(meanTotalVariation(p, Float32Array.from([0, 0, 1, 1, 0, 0]), 3), 1);
    // Image 1: ½(|.5−1| + |.5−0|) = .5; image 2: 0 → mean .25.
    assert.equal(meanTotalVariation(Float32Array.from([0.5, 0.5, 0, 1]), Float32Array.from([1, 0, 0, 1]), 2), 0.25);
    const set = probabilitySet(new Rng(3), 20, 7, 4);
    for (let i = 0; i < 20; i++) {
      for (let j = 0; j < 20; j++) {
        const d = meanTotalVariation(set.data.subarray(i * 28, i * 28 + 28), set.data.subarray(j * 28, j * 28 + 28), 4);
        assert.ok(d >= 0 && d <= 1 && (i !== j || d === 0), `${d}`);
      }
    }
  });

  it('finds the function-space nearest neighbour brute force finds', () => {
    const rng = new Rng(4);
    const metric: Metric = { kind: 'tv', classes: 5 };
    const [q, r] = [probabilitySet(rng, 15, 6, 5), probabilitySet(rng, 25, 6, 5)];
    assertMatches(nearestNeighbours(q, r, { metric }), bruteForce(q, r, metric), 1e-9);
    assertMatches(nearestNeighbours(r, r, { metric, excludeSelf: true }), bruteForce(r, r, metric, true), 1e-9);
  });

  it('refuses mismatched or non-finite input', () => {
    const rng = new Rng(5);
    const [a, b] = [randomSet(rng, 3, 4), randomSet(rng, 5, 4)];
    assert.throws(() => nearestNeighbours(a, randomSet(rng, 3, 5)), InputError);
    assert.throws(() => nearestNeighbours(a, b, { excludeSelf: true }), InputError);
    assert.throws(() => nearestNeighbours(a, { count: 0, dim: 4, data: new Float32Array(0) }), InputError);
    assert.throws(() => nearestNeighbours(a, b, { metric: { kind: 'tv', classes: 3 } }), InputError);
    const bad = randomSet(rng, 3, 4);
    bad.data[5] = Number.NaN;
    assert.throws(() => nearestNeighbours(bad, b), /row 1, position 1/);
  });

  it('leaves no tensors behind', () => {
    const rng = new Rng(6);
    const [q, r] = [randomSet(rng, 10, 30), randomSet(rng, 12, 30)];
    nearestNeighbours(q, r);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) nearestNeighbours(q, r);
    assert.equal(tf.memory().numTensors, before);
  });
});
