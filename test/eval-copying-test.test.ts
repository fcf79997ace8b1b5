import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { dataCopyingTest, type DataCopyingInput } from '../lib/eval';
import type { VectorSet } from '../lib/params/types';
import { InputError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';
import { clusterCentres, noisyCopies, sampleClusters } from './eval-copying-synthetic';

/** A zoo of 5 Gaussian clusters in 16 dims (centres N(0, 10²), spread 1): T 200, P_n 100 fresh points. */
function zoo(seed: number) {
  const rng = new Rng(100 + seed);
  const centres = clusterCentres(rng, 5, 16, 10);
  return { rng, centres, train: sampleClusters(rng, centres, 200, 1), heldOut: sampleClusters(rng, centres, 100, 1) };
}

const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
const sd = (a: number[]) => Math.sqrt(mean(a.map((v) => (v - mean(a)) ** 2)));

describe('copying audit: the data-copying test C_T (Meehan et al. 2020)', () => {
  it('flags near-copies of training points (Q1), not fresh samples (Q2), and gives C_T > 0 to over-spread ones (Q3)', () => {
    const measured: string[] = [];
    for (const seed of [0, 1, 2, 3, 4]) {
      const { rng, centres, train, heldOut } = zoo(seed);
      const run = (generated: VectorSet) => dataCopyingTest({ train, heldOut, generated, cells: 5, seed });
      const q1 = run(noisyCopies(rng, train, 100, 0.01)); // σ ≪ spacing of training points (~4)
      const q2 = run(sampleClusters(rng, centres, 100, 1));
      const q3 = run(sampleClusters(rng, centres, 100, 2));
      measured.push([q1, q2, q3].map((r) => r.cT!.toFixed(2)).join(' '));
      assert.ok(q1.cT! < -4 && q1.pValue! < 1e-4 && q1.combined.pValue! < 1e-10, `Q1 C_T ${q1.cT}`);
      assert.equal(q1.keptCells, 5);
      assert.ok(Math.abs(q2.cT!) < 1 && q2.pValue! > 0.2 && q2.combined.pValue! > 0.05, `Q2 C_T ${q2.cT}`);
      assert.ok(q3.cT! > 4, `Q3 C_T ${q3.cT}`);
    }
    // Seed-pinned: the C_T of Q1, Q2, Q3 for seeds 0..4.
    assert.deepEqual(measured, ['-5.40 0.21 5.24', '-5.57 -0.52 5.54', '-5.35 0.04 5.19', '-5.42 -0.18 5.13', '-5.30 -0.55 5.30']);
  });

  it('flags interpolations between training points and a half-copying generator', () => {
    const { rng, centres, train, heldOut } = zoo(0);
    const dim = train.dim;
    const mid = new Float32Array(100 * dim);
    for (let i = 0; i < 100; i++) {
      const a = rng.int(200);
      const same = train.labels.flatMap((l, j) => (l === train.labels[a] && j !== a ? [j] : []));
      const b = same[rng.int(same.length)];
      for (let d = 0; d < dim; d++) mid[i * dim + d] = (train.data[a * dim + d] + train.data[b * dim + d]) / 2;
    }
    assert.ok(dataCopyingTest({ train, heldOut, generated: { count: 100, dim, data: mid }, cells: 5, seed: 0 }).cT! < -3);
    const half = { count: 100, dim, data: Float32Array.from([...noisyCopies(rng, train, 50, 0.01).data, ...sampleClusters(rng, centres, 50, 1).data]) };
    const r = dataCopyingTest({ train, heldOut, generated: half, cells: 5, seed: 0 });
    assert.ok(r.cT! < -2 && r.cT! > -5, `${r.cT}`);
  });

  it('is C_T = Σ P_n(π)·Z_U(π) / Σ P_n(π) over the kept cells, Z_U the Mann–Whitney z of generated vs held-out', () => {
    const { rng, train, heldOut } = zoo(1);
    const r = dataCopyingTest({ train, heldOut, generated: noisyCopies(rng, train, 100, 0.5), cells: 4, seed: 2, neighbours: 'all' });
    const kept = r.cells.filter((c) => c.kept);
    const w = kept.map((c) => c.heldOut / heldOut.count);
    const cT = kept.reduce((s, c, i) => s + w[i] * c.z!, 0) / w.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(r.cT! - cT) < 1e-12);
    assert.ok(Math.abs(r.combined.nullSd! - Math.sqrt(w.reduce((s, v) => s + v * v, 0)) / w.reduce((a, b) => a + b, 0)) < 1e-12);
    assert.deepEqual(r.cells.map((c) => c.train).reduce((a, b) => a + b), 200);
    assert.deepEqual(r.cells.map((c) => c.heldOut).reduce((a, b) => a + b), 100);
    // Copies sit ≈ 0.5·√16 = 2 from their source, fresh points farther: every cell says copying.
    assert.ok(kept.every((c) => c.z! < 0 && c.generatedMedian! < c.heldOutMedian!));
  });

  it('drops cells with fewer than max(τ·m, 5) generated points and says how many', () => {
    const { rng, centres, train, heldOut } = zoo(2);
    // The generator only visits one cluster: the other cells get no generated points.
    const oneCluster = sampleClusters(rng, [centres[0]], 60, 1);
    const r = dataCopyingTest({ train, heldOut, generated: oneCluster, cells: 5, seed: 0 });
    assert.equal(r.keptCells, 1);
    assert.equal(r.droppedCells, 4);
    assert.ok(r.cells.filter((c) => !c.kept).every((c) => c.dropped === 'too few generated points' && c.generated < 5));
    assert.equal(dataCopyingTest({ train, heldOut, generated: oneCluster, cells: 5, seed: 0, minCellFraction: 0.5 }).minGenerated, 30);
    const none = dataCopyingTest({ train, heldOut, generated: heldOut, cells: 5, seed: 0, minCellFraction: 0.5 });
    assert.deepEqual([none.cT, none.pValue, none.keptCells], [null, null, 0]);
  });

  it('has C_T null sd √Σw²/Σw (< 1, so Φ(C_T) is conservative) and a combined z that is ~N(0, 1)', () => {
    const rng = new Rng(7);
    const centres = clusterCentres(rng, 4, 6, 10);
    const train = sampleClusters(rng, centres, 120, 1);
    const [ct, z, nullSd] = [[], [], []] as number[][];
    for (let rep = 0; rep < 150; rep++) {
      const r = dataCopyingTest({ train, heldOut: sampleClusters(rng, centres, 60, 1), generated: sampleClusters(rng, centres, 60, 1), cells: 4, seed: 0 });
      [ct, z, nullSd].forEach((a, i) => a.push([r.cT!, r.combined.z!, r.combined.nullSd!][i]));
    }
    assert.ok(Math.abs(sd(ct) / mean(nullSd) - 1) < 0.2, `sd(C_T) ${sd(ct)} vs ${mean(nullSd)}`);
    assert.ok(sd(ct) < 0.7);
    assert.ok(Math.abs(sd(z) - 1) < 0.2 && Math.abs(mean(z)) < 0.25, `z ${mean(z)} ± ${sd(z)}`);
  });

  it('works in function space with the total-variation distance', () => {
    const { rng, centres, train, heldOut } = zoo(3);
    // Each 16-dim point read as logits of 4 probe images × 4 classes.
    const probs = (set: VectorSet): VectorSet => {
      const data = Float32Array.from(set.data);
      for (let g = 0; g < data.length / 4; g++) {
        const e = [0, 1, 2, 3].map((c) => Math.exp(data[g * 4 + c] / 5));
        e.forEach((v, c) => (data[g * 4 + c] = v / (e[0] + e[1] + e[2] + e[3])));
      }
      return { ...set, data };
    };
    const base = { train: probs(train), heldOut: probs(heldOut), cells: 5, seed: 0, distance: { kind: 'tv', classes: 4 } } as const;
    const copy = dataCopyingTest({ ...base, generated: probs(noisyCopies(rng, train, 100, 0.01)) });
    const fresh = dataCopyingTest({ ...base, generated: probs(sampleClusters(rng, centres, 100, 1)) });
    assert.equal(copy.settings.distance, 'tv');
    assert.ok(copy.cT! < -4, `${copy.cT}`);
    assert.ok(Math.abs(fresh.cT!) < 1.5, `${fresh.cT}`);
  });

  it('returns plain JSON and leaves no tensors behind', () => {
    const { rng, train, heldOut } = zoo(4);
    const input: DataCopyingInput = { train, heldOut, generated: noisyCopies(rng, train, 100, 0.01), cells: 5, seed: 0 };
    dataCopyingTest(input);
    const before = tf.memory().numTensors;
    const r = dataCopyingTest(input);
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
    assert.deepEqual(dataCopyingTest(input), r);
  });

  it('refuses bad input with an InputError', () => {
    const { train, heldOut } = zoo(0);
    const ok = { train, heldOut, generated: heldOut, cells: 5, seed: 0 };
    const rows = (set: VectorSet, n: number): VectorSet => ({ count: n, dim: set.dim, data: set.data.slice(0, n * set.dim) });
    assert.throws(() => dataCopyingTest({ ...ok, generated: { count: 2, dim: 3, data: new Float32Array(6) } }), /dims differ/);
    assert.throws(() => dataCopyingTest({ ...ok, heldOut: rows(heldOut, 1) }), /at least 2 held-out/);
    assert.throws(() => dataCopyingTest({ ...ok, cells: 201 }), /cells must be an integer in \[1, 200\]/);
    assert.throws(() => dataCopyingTest({ ...ok, minCellFraction: 2 }), InputError);
    const nan = { ...heldOut, data: Float32Array.from(heldOut.data) };
    nan.data[17] = Number.NaN;
    assert.throws(() => dataCopyingTest({ ...ok, generated: nan }), /generated: row 1, position 1/);
  });
});
