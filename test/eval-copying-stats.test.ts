import { strict as assert } from 'node:assert';
import { erf, erfc, mannWhitney, midRanks, normalCdf, zPValue } from '../lib/eval';
import { InputError } from '../lib/util/errors';

const rel = (a: number, b: number, tol: number) => assert.ok(Math.abs(a - b) <= tol * Math.abs(b), `${a} vs ${b}`);

describe('copying audit: normal CDF', () => {
  it('matches scipy.special.ndtr far into the tail', () => {
    // scipy 1.17 ndtr values.
    const known: [number, number][] = [
      [-1.96, 0.024997895148220435], [-3, 0.0013498980316300933], [-5, 2.866515718791933e-7],
      [-10, 7.61985302416047e-24], [-20, 2.7536241186061556e-89], [0, 0.5],
      [0.5, 0.6914624612740131], [1.2, 0.8849303297782918], [2.5, 0.9937903346742238],
    ];
    for (const [z, p] of known) rel(normalCdf(z), p, 1e-13);
  });

  it('matches erf and erfc on both sides of the series/fraction switch', () => {
    const known: [number, number, number][] = [
      [0.1, 0.1124629160182849, 0.8875370839817152], [0.5, 0.5204998778130465, 0.4795001221869535],
      [1, 0.8427007929497148, 0.15729920705028516], [2, 0.9953222650189527, 0.004677734981047266],
      [2.4, 0.999311486103355, 0.0006885138966450789], [2.6, 0.9997639655834707, 0.000236034416529349],
      [3, 0.9999779095030014, 2.2090496998585445e-5], [5, 0.9999999999984626, 1.5374597944280347e-12],
    ];
    for (const [x, e, c] of known) {
      rel(erf(x), e, 1e-14);
      rel(erfc(x), c, 1e-13);
      rel(erf(-x), -e, 1e-14);
      rel(erfc(-x), 2 - c, 1e-14);
    }
    assert.equal(erf(0), 0);
    assert.equal(normalCdf(-Infinity), 0);
    assert.equal(normalCdf(Infinity), 1);
  });

  it('gives one- and two-sided p-values of a z', () => {
    rel(zPValue(-1.96, 'less'), 0.024997895148220435, 1e-12);
    rel(zPValue(1.96, 'greater'), 0.024997895148220435, 1e-12);
    rel(zPValue(-1.96, 'two-sided'), 2 * 0.024997895148220435, 1e-12);
    rel(zPValue(1.96, 'two-sided'), 2 * 0.024997895148220435, 1e-12);
  });
});

describe('copying audit: Mann–Whitney U', () => {
  it('gives tied values their mid-rank', () => {
    const { ranks, tieSum } = midRanks([3, 1, 3, 2, 3]);
    assert.deepEqual([...ranks], [4, 1, 4, 2, 4]);
    assert.equal(tieSum, 3 ** 3 - 3);
  });

  it('matches a hand computation with ties', () => {
    // x = 1 2 2 3, y = 2 3 4. U_x = 0 + ½ + ½ + (1 + ½) = 2.5; ties {2,2,2}, {3,3}: Σ(t³ − t) = 30;
    // Var = 4·3/12 · (8 − 30/42) = 7.2857; z = (2.5 − 6)/√7.2857.
    const r = mannWhitney([1, 2, 2, 3], [2, 3, 4]);
    assert.equal(r.u, 2.5);
    assert.equal(r.mean, 6);
    rel(r.sd ** 2, 8 - 30 / 42, 1e-12);
    rel(r.z, -3.5 / Math.sqrt(8 - 30 / 42), 1e-12);
  });

  it('matches scipy.stats.mannwhitneyu (asymptotic, no continuity correction)', () => {
    // [x, y, U, z from scipy's two-sided p, two-sided p]
    const cases: [number[], number[], number, number, number][] = [
      [[1, 2, 2, 3], [2, 3, 4], 2.5, -1.2966775038611598, 0.19474217283959172],
      [[19, 22, 16, 29, 24], [20, 11, 17, 12], 17, 1.7146428199482244, 0.0864107329737],
      [[1, 1, 2, 2, 2, 3, 5, 5], [2, 3, 3, 4, 5, 6, 6], 12.5, -1.8266925180652485, 0.06774601384068928],
    ];
    for (const [x, y, u, z, p] of cases) {
      const r = mannWhitney(x, y);
      assert.equal(r.u, u);
      rel(r.z, z, 1e-10);
      rel(zPValue(r.z, 'two-sided'), p, 1e-10);
    }
  });

  it('negates z and mirrors U when the samples swap', () => {
    const x = [0.3, 1.2, 1.2, 4, 5.5, 0.1];
    const y = [1.2, 2, 2, 7, 0.3];
    const a = mannWhitney(x, y);
    const b = mannWhitney(y, x);
    assert.equal(a.u + b.u, x.length * y.length);
    rel(b.z, -a.z, 1e-14);
    assert.ok(a.z < 0);
  });

  it('counts how often one sample lies above the other', () => {
    assert.equal(mannWhitney([10, 11, 12], [1, 2]).u, 6);
    assert.equal(mannWhitney([1, 2], [10, 11, 12]).u, 0);
    assert.ok(mannWhitney([1, 2], [10, 11, 12]).z < -1.7);
  });

  it('returns z = 0 when every value is tied, and refuses empty or NaN samples', () => {
    assert.deepEqual(mannWhitney([2, 2], [2, 2, 2]), { u: 3, mean: 3, sd: 0, z: 0 });
    assert.throws(() => mannWhitney([], [1]), InputError);
    assert.throws(() => mannWhitney([1, Number.NaN], [1]), InputError);
  });
});
