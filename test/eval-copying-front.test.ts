import { strict as assert } from 'node:assert';
import { frontAccuracyAt, noveltyFront, paretoFront } from '../lib/eval';
import { InputError } from '../lib/util/errors';

const p = (accuracy: number, novelty: number) => ({ accuracy, novelty });
const close = (a: number | null, b: number) => assert.ok(a !== null && Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

describe('copying audit: accuracy–novelty front', () => {
  // Baselines: (0.85, 0.05) is dominated by (0.9, 0.1), (0.7, 0.3) and (0.8, 0.3) by (0.88, 0.4).
  const baselines = {
    noise: [p(0.9, 0.1), p(0.8, 0.3), p(0.5, 0.6)],
    average: [p(0.85, 0.05)],
    interpolation: [p(0.7, 0.3)],
    'held-out': [p(0.88, 0.4)],
  };
  const generated = [
    p(0.95, 0.05), // more accurate than any baseline: beyond; front(0.05) = 0.9 → gap +0.05
    p(0.895, 0.25), // beyond; front(0.25) = 0.9 − ½·0.02 = 0.89 → +0.005
    p(0.6, 0.5), // beyond the staircase yet under the line (0.88, 0.4)–(0.5, 0.6): front(0.5) = 0.69 → −0.09
    p(0.3, 0.5), // dominated by (0.5, 0.6) → −0.39
    p(0.2, 0.9), // more novel than any baseline: beyond, no front value there
    p(0.88, 0.4), // on the front: weakly dominated, not beyond, gap 0
  ];

  it('draws the upper-right Pareto front of the baselines', () => {
    const { front } = noveltyFront({ generated, baselines });
    assert.deepEqual(front, [
      { label: 'noise', accuracy: 0.9, novelty: 0.1 },
      { label: 'held-out', accuracy: 0.88, novelty: 0.4 },
      { label: 'noise', accuracy: 0.5, novelty: 0.6 },
    ]);
    // Equal novelty: only the more accurate point; exact duplicates once.
    assert.deepEqual(paretoFront([{ label: 'a', ...p(0.5, 1) }, { label: 'b', ...p(0.7, 1) }, { label: 'c', ...p(0.7, 1) }]), [{ label: 'b', ...p(0.7, 1) }]);
  });

  it('counts the generated points beyond the front and their accuracy gap to it', () => {
    const r = noveltyFront({ generated, baselines });
    assert.equal(r.beyondCount, 4);
    assert.equal(r.beyondFraction, 4 / 6);
    [0.05, 0.005, -0.09, -0.39].forEach((g, i) => close(r.gaps[i], g));
    assert.equal(r.gaps[4], null);
    close(r.gaps[5], 0);
    assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
  });

  it('interpolates the front linearly and holds its top accuracy below its least novelty', () => {
    const front = [p(0.9, 0.1), p(0.88, 0.4), p(0.5, 0.6)];
    close(frontAccuracyAt(front, 0), 0.9);
    close(frontAccuracyAt(front, 0.4), 0.88);
    close(frontAccuracyAt(front, 0.55), 0.88 + 0.75 * (0.5 - 0.88));
    assert.equal(frontAccuracyAt(front, 0.61), null);
    assert.equal(frontAccuracyAt([], 0.1), null);
  });

  it('refuses non-finite points and a missing baseline', () => {
    assert.throws(() => noveltyFront({ generated: [p(Number.NaN, 1)], baselines }), InputError);
    assert.throws(() => noveltyFront({ generated, baselines: { noise: [p(0.5, Infinity)] } }), /noise: point 0/);
    assert.throws(() => noveltyFront({ generated, baselines: {} }), InputError);
  });
});
