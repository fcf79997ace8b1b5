import { strict as assert } from 'node:assert';
import { batchSeed, generateAccepted, MAX_CANDIDATES_FACTOR, type AcceptanceSteps } from '../lib/pdiff/whole/acceptance';

/** Candidate i of the batch drawn from `seed` carries the value seed·100 + i; its validation accuracy is `valOf` of that value. */
function fakeSteps(valOf: (value: number) => number, drawn: number[]): AcceptanceSteps {
  return {
    generate: (count, seed) => {
      drawn.push(seed);
      return { count, dim: 1, data: Float32Array.from({ length: count }, (_, i) => seed * 100 + i) };
    },
    place: (params) => ({ params, buffers: null }),
    measure: ({ params }) => ({ val: [...params.data].map(valOf), test: [...params.data].map((v) => valOf(v) / 2), probes: params }),
  };
}

describe('pdiff/whole/acceptance', () => {
  it("'all' keeps the one batch drawn from the sampling seed", () => {
    const drawn: number[] = [];
    const kept = generateAccepted(fakeSteps(() => 0.1, drawn), 'all', 4, 7, [0.9]);
    assert.deepEqual(drawn, [7]);
    assert.deepEqual([...kept.networks.params.data], [700, 701, 702, 703]);
    assert.deepEqual([kept.candidates, kept.passed, kept.floor], [4, 4, null]);
  });

  it("'zoo-val-floor' keeps, in the order drawn, the candidates at or above the training members' lowest validation accuracy", () => {
    const drawn: number[] = [];
    // Odd values pass the floor 0.8: two per batch of 4.
    const kept = generateAccepted(fakeSteps((v) => (v % 2 ? 0.85 : 0.5), drawn), 'zoo-val-floor', 4, 7, [0.9, 0.8, 0.95]);
    assert.deepEqual(drawn, [batchSeed(7, 0), batchSeed(7, 1)]);
    assert.deepEqual([...kept.networks.params.data], [701, 703, 100701, 100703]);
    assert.deepEqual(kept.measures.val, [0.85, 0.85, 0.85, 0.85]);
    assert.deepEqual(kept.measures.test, [0.425, 0.425, 0.425, 0.425]);
    assert.deepEqual([...kept.measures.probes.data], [701, 703, 100701, 100703]);
    assert.deepEqual([kept.candidates, kept.passed, kept.floor], [8, 4, 0.8]);
    // Every candidate that passes counts, beyond the ones kept.
    const more = generateAccepted(fakeSteps((v) => (v % 4 === 3 ? 0.5 : 0.85), []), 'zoo-val-floor', 4, 7, [0.8]);
    assert.deepEqual([...more.networks.params.data], [700, 701, 702, 100700]);
    assert.deepEqual([more.candidates, more.passed], [8, 6]);
  });

  it('when too few pass within the budget, the best of the others by validation accuracy make up the count', () => {
    const drawn: number[] = [];
    // Only value 701 passes; among the rest, higher values score higher.
    const kept = generateAccepted(fakeSteps((v) => (v === 701 ? 0.9 : v / 1e6), drawn), 'zoo-val-floor', 3, 7, [0.8]);
    assert.equal(drawn.length, MAX_CANDIDATES_FACTOR);
    assert.deepEqual([...kept.networks.params.data], [701, batchSeed(7, 3) * 100 + 2, batchSeed(7, 3) * 100 + 1]);
    assert.deepEqual([kept.candidates, kept.passed], [3 * MAX_CANDIDATES_FACTOR, 1]);
  });
});
