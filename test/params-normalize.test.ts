import { strict as assert } from 'node:assert';
import { denormalize, fitNormStats, fitStandardizer, normalize, type NormStats } from '../lib/params/normalize';
import { flatten } from '../lib/params/flatten';
import type { VectorSet } from '../lib/params/types';
import { InputError } from '../lib/util/errors';
import { Rng } from '../lib/util/rng';

/** K vectors whose positions have very different scales and offsets, like real weights. */
function zooLike(rng: Rng, count: number, dim: number): VectorSet {
  const data = new Float32Array(count * dim);
  for (let p = 0; p < dim; p++) {
    const offset = rng.normal() * 10 ** (rng.int(5) - 2);
    const scale = 10 ** (rng.int(6) - 4);
    for (let r = 0; r < count; r++) data[r * dim + p] = offset + scale * rng.normal();
  }
  return { count, dim, data };
}

const manifest = flatten([
  { name: 'bn/weight', shape: [3], data: new Float32Array(3) },
  { name: 'fc/weight', shape: [3, 4], data: new Float32Array(12) },
  { name: 'fc/bias', shape: [4], data: new Float32Array(4) },
]).manifest;

describe('params/normalize', () => {
  for (const mode of ['position', 'layer'] as const) {
    it(`${mode}: denormalize(normalize(x)) recovers x up to float32 rounding`, () => {
      const set = zooLike(new Rng(1), 30, manifest.size);
      const stats = fitNormStats(set, mode, manifest);
      const back = denormalize(normalize(set, JSON.parse(JSON.stringify(stats))), stats);
      set.data.forEach((x, i) => {
        const { mean, std } = statsAt(stats, i % set.dim);
        // Rounding of the normalised value is relative to (x − mean) / std, so scale by |x| + |mean|.
        assert.ok(Math.abs(back.data[i] - x) <= 1e-6 * (Math.abs(x) + Math.abs(mean) + std), `index ${i}: ${back.data[i]} vs ${x}`);
      });
    });
  }

  it('position: each position gets mean 0 and std 1 over the vectors', () => {
    const set = zooLike(new Rng(2), 50, 6);
    assertStandardColumns(normalize(set, fitNormStats(set, 'position')));
  });

  it('position: known values, and a constant position gets std 1 (p-diff) so it maps to 0', () => {
    const set = { count: 2, dim: 2, data: new Float32Array([1, 5, 3, 5]) };
    const stats = fitNormStats(set, 'position');
    assert.deepEqual(stats, { mode: 'position', mean: [2, 5], std: [1, 1] });
    assert.deepEqual(Array.from(normalize(set, stats).data), [-1, 0, 1, 0]);
  });

  it('layer: one mean/std per layer over all its positions and rows', () => {
    const m = flatten([
      { name: 'a', shape: [2], data: new Float32Array(2) },
      { name: 'b', shape: [1], data: new Float32Array(1) },
    ]).manifest;
    const set = { count: 2, dim: 3, data: new Float32Array([0, 2, 7, 4, 6, 7]) };
    const stats = fitNormStats(set, 'layer', m);
    assert.deepEqual(stats, { mode: 'layer', sizes: [2, 1], mean: [3, 7], std: [Math.sqrt(5), 1] });
    assert.throws(() => fitNormStats(set, 'layer'), /needs the parameter manifest/);
  });

  it('rejects non-finite input and stats that do not fit', () => {
    const set = { count: 2, dim: 2, data: new Float32Array([1, 2, NaN, 4]) };
    assert.throws(() => fitNormStats(set, 'position'), (e: Error) => e instanceof InputError && /row 1, position 0/.test(e.message));
    const good = { count: 1, dim: 2, data: new Float32Array([1, 2]) };
    assert.throws(() => normalize({ ...good, data: new Float32Array([Infinity, 0]) }, { mode: 'position', mean: [0, 0], std: [1, 1] }), InputError);
    assert.throws(() => normalize(good, { mode: 'position', mean: [0], std: [1] }), /needs 2 means/);
    assert.throws(() => denormalize(good, { mode: 'position', mean: [0, 0], std: [1, 0] }), /std > 0/);
    assert.throws(() => normalize(good, { mode: 'layer', sizes: [3], mean: [0], std: [1] }), /add up to 3/);
    assert.throws(() => fitNormStats(good, 'global' as 'layer', manifest), /unknown normalisation mode/);
  });

  it('standardizer: known column statistics; a constant column passes through instead of dividing by 0', () => {
    // Columns: [1, 3] (mean 2, std 1), [5, 5] (constant), [-2, 6] (mean 2, std 4).
    const set = { count: 2, dim: 3, data: Float32Array.from([1, 5, -2, 3, 5, 6]) };
    const standardizer = fitStandardizer(set);
    assert.deepEqual([...standardizer.mean], [2, 5, 2]);
    assert.deepEqual([...standardizer.std], [1, 1e-8, 4]);
    const z = standardizer.apply(set);
    assert.deepEqual([z.count, z.dim, [...z.data]], [2, 3, [-1, 0, -1, 1, 0, 1]]);
    assert.deepEqual([...standardizer.invert(z).data], [...set.data]);
    // A new row is mapped with the fitted statistics, not its own.
    assert.deepEqual([...standardizer.apply({ count: 1, dim: 3, data: Float32Array.from([2, 5, 10]) }).data], [0, 0, 2]);
  });

  it('standardizer: every column of a zoo-like set gets mean 0 and std 1, and invert recovers it', () => {
    const set = zooLike(new Rng(3), 40, 5);
    const standardizer = fitStandardizer(set);
    const z = standardizer.apply(set);
    assertStandardColumns(z);
    const back = standardizer.invert(z);
    set.data.forEach((x, i) => assert.ok(Math.abs(back.data[i] - x) <= 1e-6 * (Math.abs(x) + Math.abs(standardizer.mean[i % set.dim]) + standardizer.std[i % set.dim])));
  });
});

/** Each column of `z` has mean 0 and variance 1 over its rows. */
function assertStandardColumns(z: VectorSet): void {
  for (let p = 0; p < z.dim; p++) {
    const column = Array.from({ length: z.count }, (_, r) => z.data[r * z.dim + p]);
    const mean = column.reduce((a, b) => a + b) / z.count;
    const variance = column.reduce((a, b) => a + (b - mean) ** 2, 0) / z.count;
    assert.ok(Math.abs(mean) < 1e-5 && Math.abs(variance - 1) < 1e-4, `position ${p}: mean ${mean}, var ${variance}`);
  }
}

function statsAt(stats: NormStats, position: number): { mean: number; std: number } {
  if (stats.mode === 'position') return { mean: stats.mean[position], std: stats.std[position] };
  let start = 0;
  const layer = stats.sizes.findIndex((size) => (start += size) > position);
  return { mean: stats.mean[layer], std: stats.std[layer] };
}
