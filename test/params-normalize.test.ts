import { strict as assert } from 'node:assert';
import { denormalize, fitNormStats, normalize, type NormStats } from '../lib/params/normalize';
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
    const z = normalize(set, fitNormStats(set, 'position'));
    for (let p = 0; p < 6; p++) {
      const column = Array.from({ length: 50 }, (_, r) => z.data[r * 6 + p]);
      const mean = column.reduce((a, b) => a + b) / 50;
      const variance = column.reduce((a, b) => a + (b - mean) ** 2, 0) / 50;
      assert.ok(Math.abs(mean) < 1e-5 && Math.abs(variance - 1) < 1e-4, `position ${p}: mean ${mean}, var ${variance}`);
    }
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
});

function statsAt(stats: NormStats, position: number): { mean: number; std: number } {
  if (stats.mode === 'position') return { mean: stats.mean[position], std: stats.std[position] };
  let start = 0;
  const layer = stats.sizes.findIndex((size) => (start += size) > position);
  return { mean: stats.mean[layer], std: stats.std[layer] };
}
