import { strict as assert } from 'node:assert';
import { memberOutputs } from '../lib/ensemble';
import { defaultBendOptions, scoreBend } from '../lib/bend';
import type { SplitOutputs } from '../lib/ensemble';

/** Two classes, every label 0; a member is given by its probability of class 0 on each example (exact eighths). */
const member = (p0: number[]) => Float32Array.from(p0.flatMap((p) => [p, 1 - p]));
const outputs = (members: { val: number[]; test: number[] }[]): SplitOutputs => ({
  val: memberOutputs(2, members.map((m) => member(m.val))),
  test: memberOutputs(2, members.map((m) => member(m.test))),
});
const labels = { val: new Int32Array(4), test: new Int32Array(4) };

// Val accuracy 0.75, 0.25, 0.5; test accuracy 0.5 each.
const g0 = { val: [0.625, 0.625, 0.625, 0.375], test: [0.625, 0.625, 0.375, 0.375] };
const g1 = { val: [0.625, 0.375, 0.375, 0.375], test: [0.125, 0.25, 0.75, 0.875] };
const g2 = { val: [0.625, 0.625, 0.375, 0.375], test: [0.875, 0.375, 0.625, 0.25] };

const options = {
  ...defaultBendOptions, members: 3, ensembleSizes: [1, 2, 3], calibrationSizes: [3], tauGrid: [0.001, 1], topKGrid: [1, 2],
};
const scores = scoreBend({ generated: outputs([g0, g1, g2]), originals: outputs([g0, g1]), deepEnsemble: outputs([g2, g0]) }, labels, options);

describe('BEND scores on crafted members', () => {
  it('sBEND and vote grow in sampling order; exact ties go to class 0', () => {
    // M = 2: mean p0 [0.375, 0.4375, 0.5625, 0.625]. M = 3: [0.54, 0.42, 0.58, 0.5 (tie → 0)].
    assert.deepEqual(scores.curve.sbend.test, [0.5, 0.5, 0.75]);
    // M = 2: every example is a 1–1 vote tie → class 0. M = 3: votes for 0 on examples 0 and 2.
    assert.deepEqual(scores.curve.vote.test, [0.5, 1, 0.5]);
    assert.deepEqual(scores.singles.generated, { val: [0.75, 0.25, 0.5], test: [0.5, 0.5, 0.5] });
  });

  it('aBEND takes τ by val accuracy, the larger τ on ties', () => {
    // M = 1: every τ gives the same ensemble → τ = 1. M = 3: τ = 1 (weights ∝ e^0.75, e^0.25, e^0.5)
    // has val 0.5, τ = 0.001 (≈ g0 alone) val 0.75.
    assert.equal(scores.curve.abend.tau[0], 1);
    assert.equal(scores.curve.abend.tau[2], 0.001);
    assert.equal(scores.curve.abend.val[2], 0.75);
    assert.equal(scores.curve.abend.test[2], 0.5);
    assert.deepEqual(scores.tauSweep, { members: 3, tau: [1, 0.001], val: [0.5, 0.75], test: [0.5, 0.5] });
    const row = scores.methods.find((m) => m.method === 'aBEND' && m.members === 3)!;
    assert.equal(row.detail, 'τ = 0.001 (val)');
  });

  it('top-k ranks by val and takes the smaller k on ties', () => {
    // k = 1: g0 (val 0.75). k = 2: g0 + g2, val 0.75 too (a tie at 0.5 → class 0), test 0.75.
    assert.deepEqual(scores.topKSweep, { k: [1, 2], val: [0.75, 0.75], test: [0.5, 0.75] });
    const row = scores.methods.find((m) => m.method === 'sBEND top-k')!;
    assert.equal(row.members, 1);
  });

  it('single-model rows and diversity of each population', () => {
    const row = (method: string) => scores.methods.find((m) => m.method === method)!;
    assert.equal(row('original: val-selected single').val.accuracy, 0.75);
    assert.equal(row('generated: mean single').val.accuracy, 0.5);
    assert.equal(row('snapshot ensemble').members, 2);
    // Originals g0, g1 are right exactly where the other is wrong.
    assert.deepEqual(
      { ...scores.diversity.originals },
      { members: 2, pairs: 1, disagreement: 1, qStatistic: -1, wrongIoU: 0, meanTestAccuracy: 0.5 },
    );
    assert.deepEqual(scores.counts, { generated: 3, originals: 2, deepEnsemble: 2 });
  });
});
