import { strict as assert } from 'node:assert';
import { farthestPair, fitPca, interpolateLinear, interpolationWeights, projectPca, symmetricEigen } from '../lib/eval';
import { rowOf } from '../lib/params';
import type { VectorSet } from '../lib/params/types';

const set = (rows: number[][]): VectorSet => ({ count: rows.length, dim: rows[0].length, data: Float32Array.from(rows.flat()) });
const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);

describe('PCA', () => {
  it('finds the eigenpairs of a symmetric matrix', () => {
    // [[2,1,0],[1,2,0],[0,0,5]]: eigenvalues 1, 3 (on (1,±1,0)/√2) and 5 (on e3).
    const a = Float64Array.from([2, 1, 0, 1, 2, 0, 0, 0, 5]);
    const { values, vectors } = symmetricEigen(a, 3);
    assert.deepEqual([...values].map((v) => Math.round(v * 1e9) / 1e9).sort(), [1, 3, 5]);
    for (let i = 0; i < 3; i++) {
      const v = [0, 1, 2].map((r) => vectors[r * 3 + i]);
      for (let r = 0; r < 3; r++) close(a[r * 3] * v[0] + a[r * 3 + 1] * v[1] + a[r * 3 + 2] * v[2], values[i] * v[r]);
      close(Math.hypot(...v), 1);
    }
  });

  it('recovers the axes, variances and coordinates of points built on known axes', () => {
    // Points = mean + 3·s·u + 1·s'·w with u = (1,1,0)/√2, w = (1,-1,0)/√2, s, s' ∈ {−1, 1}:
    // variance 9 along u, 1 along w, 0 along e3.
    const u = [Math.SQRT1_2, Math.SQRT1_2, 0];
    const w = [Math.SQRT1_2, -Math.SQRT1_2, 0];
    const mean = [10, -5, 2];
    const coords = [[3, 1], [3, -1], [-3, 1], [-3, -1]];
    const rows = coords.map(([a, b]) => mean.map((m, d) => m + a * u[d] + b * w[d]));
    const pca = fitPca(set(rows), 2);
    [0, 1, 2].forEach((d) => close(pca.mean[d], mean[d], 1e-5));
    close(pca.variance[0], 9, 1e-4);
    close(pca.variance[1], 1, 1e-4);
    close(pca.varianceRatio[0], 0.9, 1e-5);
    close(pca.varianceRatio[1], 0.1, 1e-5);
    // Sign convention: the largest-magnitude entry of each axis is positive (ties: the first).
    [0, 1, 2].forEach((d) => close(pca.components[0][d], u[d], 1e-6));
    [0, 1, 2].forEach((d) => close(pca.components[1][d], w[d], 1e-6));
    projectPca(pca, set(rows)).forEach((p, i) => {
      close(p[0], coords[i][0], 1e-5);
      close(p[1], coords[i][1], 1e-5);
    });
  });

  it('projects new vectors with the fitted mean and axes', () => {
    const pca = fitPca(set([[0, 0], [2, 0], [4, 0], [0, 1], [4, 1], [2, 1]]), 1);
    close(pca.variance[0], 8 / 3, 1e-6);
    assert.deepEqual(projectPca(pca, set([[2, 0.5], [5, 7]])).map((p) => Math.round(p[0] * 1e6) / 1e6), [0, 3]);
    assert.throws(() => projectPca(pca, set([[1, 2, 3]])), /fitted on 2-dim/);
  });
});

describe('interpolation', () => {
  it('runs from a to b in evenly spaced steps, ends exact', () => {
    assert.deepEqual(interpolationWeights(5), [0, 0.25, 0.5, 0.75, 1]);
    const path = interpolateLinear([1, -2], [3, 6], [0, 0.25, 1]);
    assert.deepEqual([path.count, path.dim], [3, 2]);
    assert.deepEqual([...path.data], [1, -2, 1.5, 0, 3, 6]);
    assert.throws(() => interpolationWeights(1), /at least 2/);
  });

  it('picks the two rows farthest apart', () => {
    const s = set([[0, 0], [1, 1], [-3, 0], [0, 2], [2, 2]]);
    assert.deepEqual(farthestPair(s), [2, 4]);
    assert.deepEqual([...rowOf(s, 4)], [2, 2]);
  });
});
