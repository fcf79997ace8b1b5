/**
 * BEND's measurements from members' class probabilities (no tensors): the accuracy-vs-M curve,
 * aBEND's τ and the top-k variant chosen on val, the results table with NLL and ECE, the
 * single-model baselines and diversity. Every choice uses val; test is only reported. Note that
 * val also ranks and weights the members, so val favours small τ and small k a little; the
 * sweeps in the results show test at every τ and k.
 */
import { combine, type Aggregation } from '../ensemble/aggregate';
import { calibration, type Calibration } from '../ensemble/calibration';
import { pairwiseDiversity } from '../ensemble/diversity';
import { argmaxRows, firstMembers, pickMembers, type SplitOutputs } from '../ensemble/outputs';
import { selectMembers } from '../ensemble/select';
import { argmaxFirst, mean } from '../eval/stats';
import type { BendConfig } from './config';
import type { BendCurve, BendResults, MemberAccuracies, MemberDiversity, MethodScore, SplitScores } from './results';

/** The same members' outputs on val and on test. */
export interface SplitLabels {
  val: Int32Array;
  test: Int32Array;
}

/** The three populations BEND compares: generated members, the K original snapshots, the deep ensemble. */
export interface BendOutputs {
  generated: SplitOutputs;
  originals: SplitOutputs;
  deepEnsemble: SplitOutputs;
}

type BendOptions = Omit<BendConfig, 'pdiff'>;

const first = (o: SplitOutputs, m: number): SplitOutputs => ({ val: firstMembers(o.val, m), test: firstMembers(o.test, m) });
const pick = (o: SplitOutputs, idx: number[]): SplitOutputs => ({ val: pickMembers(o.val, idx), test: pickMembers(o.test, idx) });

/** Accuracy, NLL and ECE of an aggregation of `outputs` on both splits. */
export function scoreEnsemble(outputs: SplitOutputs, labels: SplitLabels, aggregation: Aggregation, bins: number): SplitScores {
  const on = (part: 'val' | 'test') => calibration(combine(outputs[part], aggregation), labels[part], outputs[part].classes, bins);
  return { val: on('val'), test: on('test') };
}

/** Each member alone, on both splits. */
function perMember(outputs: SplitOutputs, labels: SplitLabels, bins: number): { val: Calibration[]; test: Calibration[] } {
  const on = (part: 'val' | 'test') => outputs[part].members.map((p) => calibration(p, labels[part], outputs[part].classes, bins));
  return { val: on('val'), test: on('test') };
}

const accuracies = (scores: { val: Calibration[]; test: Calibration[] }): MemberAccuracies =>
  ({ val: scores.val.map((s) => s.accuracy), test: scores.test.map((s) => s.accuracy) });

function meanCalibration(scores: Calibration[]): Calibration {
  return { accuracy: mean(scores.map((s) => s.accuracy)), nll: mean(scores.map((s) => s.nll)), ece: mean(scores.map((s) => s.ece)) };
}

/** Rows for single models of a population: the best by test (an oracle), the best by val, the mean. */
function singleRows(name: string, scores: { val: Calibration[]; test: Calibration[] }): MethodScore[] {
  const byTest = argmaxFirst(scores.test.map((s) => s.accuracy));
  const byVal = argmaxFirst(scores.val.map((s) => s.accuracy));
  const count = scores.test.length;
  return [
    { method: `${name}: best single`, members: 1, detail: `by test (oracle) of ${count}`, val: scores.val[byTest], test: scores.test[byTest] },
    { method: `${name}: val-selected single`, members: 1, detail: `by val of ${count}`, val: scores.val[byVal], test: scores.test[byVal] },
    { method: `${name}: mean single`, members: 1, detail: `mean over ${count}`, val: meanCalibration(scores.val), test: meanCalibration(scores.test) },
  ];
}

/** aBEND at every τ of the grid (largest first); the chosen τ has the best val accuracy, the larger τ on ties. */
export function chooseTau(outputs: SplitOutputs, labels: SplitLabels, valAccuracy: readonly number[], grid: readonly number[], bins: number) {
  if (grid.length === 0) throw new Error('aBEND needs a τ grid');
  const tau = [...grid].sort((a, b) => b - a);
  const scores = tau.map((t) => scoreEnsemble(outputs, labels, { rule: 'abend', tau: t, valAccuracy }, bins));
  const best = argmaxFirst(scores.map((s) => s.val.accuracy));
  return { tau: tau[best], scores: scores[best], sweep: { tau, val: scores.map((s) => s.val.accuracy), test: scores.map((s) => s.test.accuracy) } };
}

/** sBEND over the top-k members by val at every k of the grid; the chosen k has the best val accuracy, the smaller k on ties. */
export function chooseTopK(outputs: SplitOutputs, labels: SplitLabels, valAccuracy: readonly number[], grid: readonly number[], bins: number) {
  const k = [...grid].filter((v) => v <= valAccuracy.length).sort((a, b) => a - b);
  if (k.length === 0) throw new Error(`no k of the top-k grid [${grid.join(', ')}] fits ${valAccuracy.length} members`);
  const scores = k.map((v) => scoreEnsemble(pick(outputs, selectMembers(valAccuracy, { kind: 'top-k', k: v })), labels, { rule: 'sbend' }, bins));
  const best = argmaxFirst(scores.map((s) => s.val.accuracy));
  return { k: k[best], scores: scores[best], sweep: { k, val: scores.map((s) => s.val.accuracy), test: scores.map((s) => s.test.accuracy) } };
}

/** sBEND, aBEND (τ on val per size) and vote on the first M members, for each M of `sizes`. */
export function bendCurve(outputs: SplitOutputs, labels: SplitLabels, valAccuracy: readonly number[], options: BendOptions): BendCurve {
  const curve: BendCurve = { sizes: options.ensembleSizes, sbend: { val: [], test: [] }, abend: { val: [], test: [], tau: [] }, vote: { val: [], test: [] } };
  for (const m of options.ensembleSizes) {
    const members = first(outputs, m);
    const s = scoreEnsemble(members, labels, { rule: 'sbend' }, options.eceBins);
    const v = scoreEnsemble(members, labels, { rule: 'vote' }, options.eceBins);
    const a = chooseTau(members, labels, valAccuracy.slice(0, m), options.tauGrid, options.eceBins);
    curve.sbend.val.push(s.val.accuracy);
    curve.sbend.test.push(s.test.accuracy);
    curve.vote.val.push(v.val.accuracy);
    curve.vote.test.push(v.test.accuracy);
    curve.abend.val.push(a.scores.val.accuracy);
    curve.abend.test.push(a.scores.test.accuracy);
    curve.abend.tau.push(a.tau);
  }
  return curve;
}

function diversityOf(outputs: SplitOutputs, labels: SplitLabels, testAccuracy: number[]): MemberDiversity {
  const predictions = outputs.test.members.map((p) => argmaxRows(p, outputs.test.classes));
  return { ...pairwiseDiversity(predictions, labels.test), meanTestAccuracy: mean(testAccuracy) };
}

const fmtTau = (tau: number) => `τ = ${tau} (val)`;

/** Everything BEND reports that follows from the members' outputs. */
export function scoreBend(outputs: BendOutputs, labels: SplitLabels, options: BendOptions):
  Pick<BendResults, 'counts' | 'methods' | 'curve' | 'tauSweep' | 'topKSweep' | 'diversity' | 'singles'> {
  const { generated, originals, deepEnsemble } = outputs;
  const bins = options.eceBins;
  const gen = perMember(generated, labels, bins);
  const orig = perMember(originals, labels, bins);
  const deep = perMember(deepEnsemble, labels, bins);
  const genVal = gen.val.map((s) => s.accuracy);
  const mMax = generated.test.members.length;

  const methods: MethodScore[] = [...singleRows('original', orig), ...singleRows('generated', gen), ...singleRows('deep-ensemble model', deep)];
  methods.push(
    { method: 'snapshot ensemble', members: originals.test.members.length, detail: 'sBEND over the K originals', ...scoreEnsemble(originals, labels, { rule: 'sbend' }, bins) },
    { method: 'deep ensemble', members: deepEnsemble.test.members.length, detail: 'sBEND over independently trained models', ...scoreEnsemble(deepEnsemble, labels, { rule: 'sbend' }, bins) },
  );
  for (const m of options.calibrationSizes) {
    const members = first(generated, m);
    const a = chooseTau(members, labels, genVal.slice(0, m), options.tauGrid, bins);
    methods.push(
      { method: 'sBEND', members: m, detail: '', ...scoreEnsemble(members, labels, { rule: 'sbend' }, bins) },
      { method: 'aBEND', members: m, detail: fmtTau(a.tau), ...a.scores },
      { method: 'vote', members: m, detail: 'NLL/ECE of the vote fractions', ...scoreEnsemble(members, labels, { rule: 'vote' }, bins) },
    );
  }
  const topK = chooseTopK(generated, labels, genVal, options.topKGrid, bins);
  methods.push({ method: 'sBEND top-k', members: topK.k, detail: `k by val of ${mMax}`, ...topK.scores });

  const genAcc = accuracies(gen);
  const origAcc = accuracies(orig);
  const deepAcc = accuracies(deep);
  return {
    counts: { generated: mMax, originals: originals.test.members.length, deepEnsemble: deepEnsemble.test.members.length },
    methods,
    curve: bendCurve(generated, labels, genVal, options),
    tauSweep: { members: mMax, ...chooseTau(generated, labels, genVal, options.tauGrid, bins).sweep },
    topKSweep: topK.sweep,
    diversity: {
      generated: diversityOf(generated, labels, genAcc.test),
      originals: diversityOf(originals, labels, origAcc.test),
      deepEnsemble: diversityOf(deepEnsemble, labels, deepAcc.test),
    },
    singles: { generated: genAcc, originals: origAcc, deepEnsemble: deepAcc },
  };
}
