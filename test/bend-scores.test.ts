import { strict as assert } from 'node:assert';
import { memberOutputs, type EvalOutputs } from '../lib/ensemble';
import { defaultBendOptions, findMethod, scoreBend, type PopulationCosts } from '../lib/bend';

/** Two classes, every label 0; a member is given by its probability of class 0 on each example (exact eighths). */
const member = (p0: number[]) => Float32Array.from(p0.flatMap((p) => [p, 1 - p]));
type Crafted = { val: number[]; test: number[]; ood?: number[] };
/** OOD images on which every member is torn between the two classes, unless said otherwise. */
const outputs = (members: Crafted[]): EvalOutputs => ({
  val: memberOutputs(2, members.map((m) => member(m.val))),
  test: memberOutputs(2, members.map((m) => member(m.test))),
  ood: memberOutputs(2, members.map((m) => member(m.ood ?? [0.5, 0.5]))),
});
const labels = { val: new Int32Array(4), test: new Int32Array(4) };

// Generated: val accuracy 0.75, 0.25, 0.5; test accuracy 0.5 each.
const g0 = { val: [0.625, 0.625, 0.625, 0.375], test: [0.625, 0.625, 0.375, 0.375] };
const g1 = { val: [0.625, 0.375, 0.375, 0.375], test: [0.125, 0.25, 0.75, 0.875] };
const g2 = { val: [0.625, 0.625, 0.375, 0.375], test: [0.875, 0.375, 0.625, 0.25] };
// Zoo: val 0.75 and 0.5; test 0.5 and 0.75 (z1's 0.5 on example 3 is a tie, class 0).
const z0 = { val: [0.875, 0.375, 0.625, 0.625], test: [0.75, 0.375, 0.625, 0.125] };
const z1 = { val: [0.375, 0.625, 0.625, 0.375], test: [0.625, 0.625, 0.25, 0.5] };

const options = {
  ...defaultBendOptions, members: 3, ensembleSizes: [1, 2, 3], calibrationSizes: [2, 3], tauGrid: [0.001, 1], topKGrid: [1, 2],
};
const costs: PopulationCosts = { zoo: 10, generator: 4, sample: 3, noise: [0.5], deepEnsemble: 20 };
const crafted = {
  generated: outputs([g0, g1, g2]),
  zoo: outputs([z0, z1]),
  weightAverage: outputs([z0]),
  noise: [{ sigma: 0.01, outputs: outputs([g1, g2, g0]) }],
  deepEnsemble: outputs([g0, g1]),
};
const scores = scoreBend(crafted, labels, costs, 'seeds', options);
const row = (method: string, members?: number) => findMethod(scores.methods, method, members);

/** −mean log p0 and the accuracy (p0 ≥ ½ is right: ties go to class 0) of given per-example p0. */
const nllOf = (p0: number[]) => -p0.reduce((s, p) => s + Math.log(p), 0) / p0.length;
const accOf = (p0: number[]) => p0.filter((p) => p >= 0.5).length / p0.length;

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
    assert.equal(row('aBEND', 3).detail, 'τ = 0.001 (val)');
  });

  it('top-k ranks by val and takes the smaller k on ties', () => {
    // k = 1: g0 (val 0.75). k = 2: g0 + g2, val 0.75 too (a tie at 0.5 → class 0), test 0.75.
    assert.deepEqual(scores.topKSweep, { k: [1, 2], val: [0.75, 0.75], test: [0.5, 0.75] });
    assert.equal(row('sBEND top-k').members, 1);
  });

  it('the zoo + M row is the ensemble of the N zoo and the first M generated members, each weighted 1/(N + M)', () => {
    for (const m of [2, 3]) {
      const members = [z0, z1, g0, g1, g2].slice(0, 2 + m);
      const p0 = [0, 1, 2, 3].map((i) => members.reduce((s, g) => s + g.test[i], 0) / members.length);
      const r = row('zoo + sBEND', 2 + m);
      assert.equal(r.test.accuracy, accOf(p0));
      assert.ok(Math.abs(r.test.nll - nllOf(p0)) < 1e-6, `${r.test.nll} vs ${nllOf(p0)}`);
      assert.equal(r.detail, `2 zoo + ${m} generated`);
      assert.equal(scores.curve.zooPlusSbend.test[m - 1], accOf(p0));
    }
    // Not the mean of the two ensembles' means (which gives the zoo half the weight).
    const halfHalf = [0, 1, 2, 3].map((i) => (z0.test[i] + z1.test[i]) / 4 + (g0.test[i] + g1.test[i] + g2.test[i]) / 6);
    assert.ok(Math.abs(row('zoo + sBEND', 5).test.nll - nllOf(halfHalf)) > 1e-3);
  });

  it('the paper comparison holds the mean and median single model of the zoo and of the generated members', () => {
    assert.deepEqual(scores.paper, { members: 3, sbend: 0.75, abend: 0.5, original: { mean: 0.625, median: 0.625 }, generated: { mean: 0.5, median: 0.5 } });
    // Each field is its own median: the median member's NLL, not the NLL of the median-accuracy member.
    const nlls = [g0, g1, g2].map((g) => nllOf(g.test)).sort((a, b) => a - b);
    assert.ok(Math.abs(row('generated: median single').test.nll - nlls[1]) < 1e-6);
    assert.ok(Math.abs(row('generated: mean single').test.nll - (nlls[0] + nlls[1] + nlls[2]) / 3) < 1e-6);
  });

  it('every row carries its cost: the zoo, plus what the method adds (generation pro rata M / M_max)', () => {
    const cost = (method: string, members?: number) => row(method, members).cost;
    assert.deepEqual(cost('zoo ensemble'), { total: 10, zoo: 10, extra: 0 });
    assert.deepEqual(cost('weight average'), { total: 10, zoo: 10, extra: 0 });
    assert.deepEqual(cost('noise copies σ=0.01'), { total: 10.5, zoo: 10, extra: 0.5 });
    assert.deepEqual(cost('zoo + noise copies σ=0.01', 5), { total: 10.5, zoo: 10, extra: 0.5 });
    assert.deepEqual(cost('deep ensemble (full networks)'), { total: 20, zoo: 0, extra: 20 });
    assert.deepEqual(cost('zoo + sBEND', 4), { total: 16, zoo: 10, extra: 6 });
    assert.deepEqual(cost('sBEND', 3), { total: 17, zoo: 10, extra: 7 });
    assert.deepEqual(cost('generated: mean single'), { total: 17, zoo: 10, extra: 7 });
    for (const m of scores.methods) assert.ok(Math.abs(m.cost.total - m.cost.zoo - m.cost.extra) < 1e-12, m.method);
  });

  it('OOD AUROC per row: in-distribution confidence against the torn OOD images', () => {
    // z1 (the best zoo member by test) has test MSP 0.625, 0.625, 0.75 and a tie 0.5 with the OOD images' 0.5: 7/8.
    assert.equal(row('original: best single').ood.msp, 0.875);
    assert.equal(row('original: mean single').ood.msp, (1 + 0.875) / 2);
    // The zoo ensemble's mean on test example 1 is exactly ½, tied with the OOD images on both scores.
    assert.equal(row('zoo ensemble').ood.entropy, 0.875);
    assert.equal(row('zoo ensemble').ood.msp, 0.875);
  });

  it('single-model rows, the zoo rows and the diversity of each population', () => {
    assert.equal(row('original: val-selected single').val.accuracy, 0.75);
    assert.equal(row('original: val-selected single').test.accuracy, 0.5);
    assert.equal(row('generated: mean single').val.accuracy, 0.5);
    assert.equal(row('zoo ensemble').members, 2);
    assert.match(row('zoo ensemble').detail, /deep ensemble of the 2 independently trained/);
    assert.equal(row('weight average').test.accuracy, 0.5);
    // The deep ensemble's g0 and g1 are right exactly where the other is wrong; their mean is right on examples 2 and 3.
    assert.deepEqual(
      { ...scores.diversity.deepEnsemble },
      {
        label: 'deep ensemble (full networks)', members: 2, pairs: 1, disagreement: 1, qStatistic: -1, wrongIoU: 0,
        meanTestAccuracy: 0.5, ensembleTestAccuracy: 0.5, accuracyGain: 0,
        meanTestNll: scores.diversity.deepEnsemble.meanTestNll, ensembleTestNll: scores.diversity.deepEnsemble.ensembleTestNll, nllGain: scores.diversity.deepEnsemble.nllGain,
      },
    );
    const zooGain = scores.diversity.originals;
    assert.equal(zooGain.accuracyGain, zooGain.ensembleTestAccuracy - zooGain.meanTestAccuracy);
    assert.equal(scores.diversity.zooPlusGenerated.members, 5);
    assert.equal(scores.diversity.zooPlusGenerated.pairs, 10);
    assert.deepEqual(scores.diversity.noise.map((d) => d.label), ['noise copies σ=0.01']);
    assert.deepEqual(scores.counts, { generated: 3, originals: 2, deepEnsemble: 2 });
  });
});
