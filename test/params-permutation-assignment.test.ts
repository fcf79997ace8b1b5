import { strict as assert } from 'node:assert';
import { assignmentCost, linearAssignment } from '../lib/params/assignment';
import { InputError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';

/** Every permutation of 0..n-1 (Heap's algorithm). */
function allPermutations(n: number): Int32Array[] {
  const out: Int32Array[] = [];
  const a = Int32Array.from({ length: n }, (_, i) => i);
  const c = new Int32Array(n);
  out.push(a.slice());
  let i = 1;
  while (i < n) {
    if (c[i] < i) {
      const k = i % 2 === 0 ? 0 : c[i];
      [a[k], a[i]] = [a[i], a[k]];
      out.push(a.slice());
      c[i]++;
      i = 1;
    } else {
      c[i++] = 0;
    }
  }
  return out;
}

function bruteForce(cost: Float64Array, n: number, sense: 'min' | 'max'): number {
  const values = allPermutations(n).map((p) => assignmentCost(cost, p));
  return sense === 'min' ? Math.min(...values) : Math.max(...values);
}

function isPermutation(p: Int32Array): boolean {
  return [...p].sort((a, b) => a - b).every((v, i) => v === i);
}

describe('params/assignment', () => {
  it('enumerates n! permutations in the brute-force helper', () => {
    assert.equal(allPermutations(5).length, 120);
    assert.equal(new Set(allPermutations(4).map((p) => p.join())).size, 24);
  });

  it('matches brute force on random matrices, n = 1..7, both senses', () => {
    const rng = new Rng(7);
    for (let n = 1; n <= 7; n++) {
      for (let trial = 0; trial < 6; trial++) {
        const cost = Float64Array.from({ length: n * n }, () => rng.normal() * 10);
        for (const sense of ['min', 'max'] as const) {
          const p = linearAssignment(cost, n, sense);
          assert.ok(isPermutation(p));
          assert.ok(Math.abs(assignmentCost(cost, p) - bruteForce(cost, n, sense)) < 1e-9, `n=${n} ${sense}`);
        }
      }
    }
  });

  it('finds an optimum among many ties (small integer costs)', () => {
    const rng = new Rng(3);
    for (let n = 2; n <= 7; n++) {
      for (let trial = 0; trial < 5; trial++) {
        const cost = Float64Array.from({ length: n * n }, () => rng.int(3));
        for (const sense of ['min', 'max'] as const) {
          const p = linearAssignment(cost, n, sense);
          assert.ok(isPermutation(p));
          assert.equal(assignmentCost(cost, p), bruteForce(cost, n, sense));
        }
      }
    }
  });

  it('solves known cases', () => {
    // Textbook 3x3: rows → columns 1, 0, 2 for 1 + 2 + 2 = 5.
    assert.deepEqual([...linearAssignment(Float64Array.from([4, 1, 3, 2, 0, 5, 3, 2, 2]), 3)], [1, 0, 2]);
    // A permutation matrix: maximisation recovers it, minimisation avoids it.
    const target = [2, 0, 3, 1];
    const cost = new Float64Array(16);
    target.forEach((j, i) => (cost[i * 4 + j] = 1));
    assert.deepEqual([...linearAssignment(cost, 4, 'max')], target);
    assert.equal(assignmentCost(cost, linearAssignment(cost, 4, 'min')), 0);
    // All costs equal: any permutation is optimal; a valid one comes back.
    assert.ok(isPermutation(linearAssignment(new Float64Array(36).fill(2.5), 6)));
    assert.equal(linearAssignment(new Float64Array(0), 0).length, 0);
    assert.deepEqual([...linearAssignment(Float32Array.from([-3]), 1)], [0]);
  });

  it('is invariant to adding a constant to a row or a column', () => {
    const rng = new Rng(11);
    const n = 12;
    const cost = Float64Array.from({ length: n * n }, () => rng.uniform());
    const shifted = cost.map((c, k) => c + (Math.floor(k / n) === 3 ? 100 : 0) + (k % n === 5 ? -40 : 0));
    assert.deepEqual([...linearAssignment(shifted, n)], [...linearAssignment(cost, n)]);
  });

  it('solves n = 128 in milliseconds and beats the identity and a random search', () => {
    const rng = new Rng(5);
    const n = 128;
    const cost = Float64Array.from({ length: n * n }, () => rng.normal());
    const start = performance.now();
    const p = linearAssignment(cost, n, 'max');
    const ms = performance.now() - start;
    assert.ok(isPermutation(p));
    assert.ok(ms < 500, `took ${ms.toFixed(1)} ms`);
    const best = assignmentCost(cost, p);
    for (let t = 0; t < 200; t++) assert.ok(assignmentCost(cost, rng.permutation(n)) <= best);
    // Local optimality: no swap of two rows' columns improves the sum.
    for (let i = 0; i < n; i++) {
      for (let k = i + 1; k < n; k++) {
        const gain = cost[i * n + p[k]] + cost[k * n + p[i]] - cost[i * n + p[i]] - cost[k * n + p[k]];
        assert.ok(gain <= 1e-9);
      }
    }
  });

  it('rejects wrong sizes and non-finite costs', () => {
    assert.throws(() => linearAssignment(new Float64Array(5), 2), InputError);
    assert.throws(() => linearAssignment(new Float64Array(4), -2), InputError);
    assert.throws(() => linearAssignment(Float64Array.from([0, NaN, 1, 2]), 2), /not finite/);
  });
});
