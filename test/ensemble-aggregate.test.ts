import { strict as assert } from 'node:assert';
import {
  abendWeights, argmaxRows, combine, concatMembers, ensemblePredictions, firstMembers, memberOutputs, pickMembers, selectMembers, softmaxRows,
  type MemberOutputs,
} from '../lib/ensemble';

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);
const closeAll = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-6) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) close(a[i], b[i], tol);
};

/** Three members, three examples, three classes; values exact in binary. */
function crafted(): MemberOutputs {
  return memberOutputs(3, [
    Float32Array.from([0.5, 0.25, 0.25, /**/ 0.75, 0.25, 0, /**/ 0.25, 0.25, 0.5]),
    Float32Array.from([0.5, 0.25, 0.25, /**/ 0.25, 0.75, 0, /**/ 0.5, 0.25, 0.25]),
    Float32Array.from([0, 1, 0, /*      */ 0.5, 0.5, 0, /*    */ 0, 0.5, 0.5]),
  ]);
}

describe('ensemble outputs layout', () => {
  it('joining two ensembles weighs every member equally: the mean is (N·mean_a + M·mean_b) / (N + M)', () => {
    const all = crafted();
    const a = memberOutputs(3, [all.members[0]]);
    const b = memberOutputs(3, all.members.slice(1));
    const joined = combine(concatMembers(a, b), { rule: 'sbend' });
    closeAll(joined, combine(all, { rule: 'sbend' }), 1e-12);
    const sa = combine(a, { rule: 'sbend' });
    const sb = combine(b, { rule: 'sbend' });
    closeAll(joined, Array.from(sa, (v, j) => (1 * v + 2 * sb[j]) / 3), 1e-12);
    assert.throws(() => concatMembers(a, memberOutputs(2, [Float32Array.from([1, 0])])), /cannot join/);
  });

  it('softmax of logits in rows, stable for large logits', () => {
    closeAll(softmaxRows([0, Math.log(3), 1000, 1000], 2), [0.25, 0.75, 0.5, 0.5]);
    closeAll(softmaxRows([0, 0, 0], 3), [1 / 3, 1 / 3, 1 / 3]);
  });

  it('argmax per row breaks ties towards the lowest class index', () => {
    assert.deepEqual([...argmaxRows([0.2, 0.4, 0.4, /**/ 0.5, 0.5, 0, /**/ 0, 0, 1], 3)], [1, 0, 2]);
  });

  it('rejects members of different sizes and picks members by index', () => {
    assert.throws(() => memberOutputs(2, [new Float32Array(4), new Float32Array(6)]), /member 1 holds 6 values/);
    assert.throws(() => memberOutputs(3, [new Float32Array(4)]), /not a multiple of 3/);
    const o = crafted();
    assert.equal(o.examples, 3);
    assert.deepEqual(pickMembers(o, [2, 0]).members, [o.members[2], o.members[0]]);
    assert.deepEqual(firstMembers(o, 2).members, o.members.slice(0, 2));
    assert.throws(() => firstMembers(o, 4), /cannot take 4 of 3/);
  });
});

describe('aggregation rules on crafted outputs', () => {
  it('sBEND is the mean softmax; its argmax can differ from the vote', () => {
    const o = crafted();
    closeAll(combine(o, { rule: 'sbend' }), [1 / 3, 0.5, 1 / 6, /**/ 0.5, 0.5, 0, /**/ 0.25, 1 / 3, 5 / 12]);
    // Example 0: members vote 0, 0, 1 → vote says 0, the mean softmax says 1.
    // Example 1: mean [0.5, 0.5, 0] is an exact tie → class 0 (lowest index).
    assert.deepEqual([...ensemblePredictions(o, { rule: 'sbend' })], [1, 0, 2]);
  });

  it('an exact tie of three members stays exact (sums are divided once) and goes to class 0', () => {
    // 0.375 + 0.875 + 0.25 = 0.625 + 0.125 + 0.75; weighting each by 1/3 first would round the two apart.
    const o = memberOutputs(2, [Float32Array.from([0.375, 0.625]), Float32Array.from([0.875, 0.125]), Float32Array.from([0.25, 0.75])]);
    assert.deepEqual([...combine(o, { rule: 'sbend' })], [0.5, 0.5]);
    assert.deepEqual([...ensemblePredictions(o, { rule: 'sbend' })], [0]);
    assert.deepEqual([...combine(o, { rule: 'abend', tau: Number.POSITIVE_INFINITY, valAccuracy: [0.1, 0.2, 0.3] })], [0.5, 0.5]);
  });

  it('vote counts each member once; ties go to the lowest class index', () => {
    const o = crafted();
    // Example 1: votes 0, 1, 0 (member 2's [0.5, 0.5] tie votes 0). Example 2: votes 2, 0, 1: a three-way tie → 0.
    closeAll(combine(o, { rule: 'vote' }), [2 / 3, 1 / 3, 0, /**/ 2 / 3, 1 / 3, 0, /**/ 1 / 3, 1 / 3, 1 / 3]);
    assert.deepEqual([...ensemblePredictions(o, { rule: 'vote' })], [0, 0, 0]);
  });

  it('aBEND weights are a softmax of val accuracy over τ', () => {
    const w = abendWeights([0.8, 0.81], 0.01);
    close(w[0], 1 / (1 + Math.E));
    close(w[1], Math.E / (1 + Math.E));
    const acc = [0.9, 0.95, 0.9];
    const o = crafted();
    const weights = abendWeights(acc, 0.05);
    const expected = new Float64Array(9);
    o.members.forEach((p, m) => p.forEach((v, j) => { expected[j] += weights[m] * v; }));
    closeAll(combine(o, { rule: 'abend', tau: 0.05, valAccuracy: acc }), expected, 1e-12);
  });

  it('aBEND at τ → ∞ is sBEND and at τ → 0 is the val-best member', () => {
    const o = crafted();
    const acc = [0.7, 0.9, 0.8];
    for (const tau of [Number.POSITIVE_INFINITY, 1e9]) {
      closeAll(combine(o, { rule: 'abend', tau, valAccuracy: acc }), combine(o, { rule: 'sbend' }), 1e-8);
    }
    for (const tau of [0, 1e-6]) {
      closeAll(combine(o, { rule: 'abend', tau, valAccuracy: acc }), o.members[1], 1e-12);
      assert.deepEqual([...ensemblePredictions(o, { rule: 'abend', tau, valAccuracy: acc })], [0, 1, 0]);
    }
  });

  it('aBEND at τ → 0 splits the weight evenly among members tied at the best val accuracy', () => {
    assert.deepEqual(abendWeights([0.9, 0.8, 0.9], 0), [0.5, 0, 0.5]);
    const tiny = abendWeights([0.9, 0.8, 0.9], 1e-6);
    closeAll(tiny, [0.5, 0, 0.5], 1e-12);
    assert.deepEqual(abendWeights([0.5], 0.01), [1]);
    assert.throws(() => abendWeights([0.5], -1), /≥ 0/);
    assert.throws(() => combine(crafted(), { rule: 'abend', tau: 1, valAccuracy: [1, 2] }), /2 val accuracies for 3 members/);
  });
});

describe('member selection', () => {
  it('top-k by val accuracy, best first, ties in index order', () => {
    const acc = [0.7, 0.9, 0.8, 0.9, 0.6];
    assert.deepEqual(selectMembers(acc, { kind: 'all' }), [0, 1, 2, 3, 4]);
    assert.deepEqual(selectMembers(acc, { kind: 'top-k', k: 3 }), [1, 3, 2]);
    assert.deepEqual(selectMembers(acc, { kind: 'top-k', k: 1 }), [1]);
    assert.throws(() => selectMembers(acc, { kind: 'top-k', k: 6 }), /1 ≤ k ≤ 5/);
  });
});
