import { strict as assert } from 'node:assert';
import { disagreement, pairCounts, pairwiseDiversity, wrongIoU, yuleQ } from '../lib/ensemble';
import { iou, wrongSet } from '../lib/eval';

const labels = [0, 0, 0, 0];

describe('diversity of crafted predictions', () => {
  it('counts a pair: both right, one right, both wrong, and differing predictions', () => {
    assert.deepEqual(pairCounts([0, 0, 1, 1], [0, 1, 0, 1], labels), { n11: 1, n10: 1, n01: 1, n00: 1, differ: 2 });
    // Both wrong on example 3 but with different classes: that still counts as a disagreement.
    assert.deepEqual(pairCounts([0, 0, 1, 1], [0, 0, 0, 2], labels), { n11: 2, n10: 0, n01: 1, n00: 1, differ: 2 });
  });

  it('identical members: disagreement 0, Q = 1, wrong-set IoU 1', () => {
    const c = pairCounts([0, 1, 0, 2], [0, 1, 0, 2], labels);
    assert.equal(disagreement(c), 0);
    assert.equal(yuleQ(c), 1);
    assert.equal(wrongIoU(c), 1);
    // Identical and never wrong: Q is 0/0, taken as 1 (same oracle outputs).
    assert.equal(yuleQ(pairCounts([0, 0], [0, 0], [0, 0])), 1);
  });

  it('Q on known tables: independent 0, complementary −1, nested mistakes 1', () => {
    assert.equal(yuleQ(pairCounts([0, 0, 1, 1], [0, 1, 0, 1], labels)), 0);
    assert.equal(yuleQ(pairCounts([0, 0, 1, 1], [1, 1, 0, 0], labels)), -1);
    assert.equal(yuleQ(pairCounts([0, 0, 1, 1], [0, 0, 0, 2], labels)), 1);
    // (n11·n00 − n01·n10) / (n11·n00 + n01·n10) = (3·2 − 1·1) / (3·2 + 1·1) = 5/7.
    const a = [0, 0, 0, 0, 1, 1, 1];
    const b = [0, 0, 0, 1, 0, 1, 1];
    assert.ok(Math.abs(yuleQ(pairCounts(a, b, [0, 0, 0, 0, 0, 0, 0])) - 5 / 7) < 1e-15);
    // One member always wrong, the other not: 0/0 without the same outputs → 0.
    assert.equal(yuleQ(pairCounts([1, 1, 1, 1], [0, 1, 0, 1], labels)), 0);
  });

  it('wrong-set IoU agrees with lib/eval/novelty', () => {
    const a = [0, 0, 1, 1];
    const b = [0, 1, 0, 1];
    assert.equal(wrongIoU(pairCounts(a, b, labels)), 1 / 3);
    assert.equal(wrongIoU(pairCounts(a, b, labels)), iou(wrongSet(a, labels), wrongSet(b, labels)));
  });

  it('averages over all pairs', () => {
    const a = [0, 0, 1, 1];
    const b = [0, 1, 0, 1];
    const c = [1, 1, 0, 0];
    const d = pairwiseDiversity([a, b, c], labels);
    assert.equal(d.members, 3);
    assert.equal(d.pairs, 3);
    // Pairs (a,b), (a,c), (b,c): disagreement 2/4, 4/4, 2/4; Q 0, −1, 0; IoU 1/3, 0, 1/3.
    assert.ok(Math.abs(d.disagreement - 2 / 3) < 1e-15);
    assert.ok(Math.abs(d.qStatistic - -1 / 3) < 1e-15);
    assert.ok(Math.abs(d.wrongIoU - 2 / 9) < 1e-15);
    assert.throws(() => pairwiseDiversity([a], labels), /at least two members/);
  });
});
