/**
 * BEND's choices on val and its accuracy-vs-M curve: aBEND's τ, the top-k variant's k, and sBEND,
 * aBEND, vote and zoo + sBEND at each ensemble size. Every choice uses val; test is only reported.
 * Val also ranks and weights the members, so val favours small τ and small k a little; the sweeps
 * in the results show test at every τ and k.
 */
import { concatOf, firstOf, pickOf, type EvalOutputs } from '../ensemble/outputs';
import { selectMembers } from '../ensemble/select';
import { argmaxFirst } from '../eval/stats';
import type { BendConfig } from './config';
import type { BendCurve } from './results';
import { scoreEnsemble, type SplitLabels } from './rows';

type BendOptions = Omit<BendConfig, 'pdiff'>;

/** aBEND at every τ of the grid (largest first); the chosen τ has the best val accuracy, the larger τ on ties. */
export function chooseTau(outputs: EvalOutputs, labels: SplitLabels, valAccuracy: readonly number[], grid: readonly number[], bins: number) {
  if (grid.length === 0) throw new Error('aBEND needs a τ grid');
  const tau = [...grid].sort((a, b) => b - a);
  const scores = tau.map((t) => scoreEnsemble(outputs, labels, { rule: 'abend', tau: t, valAccuracy }, bins));
  const best = argmaxFirst(scores.map((s) => s.val.accuracy));
  return { tau: tau[best], scores: scores[best], sweep: { tau, val: scores.map((s) => s.val.accuracy), test: scores.map((s) => s.test.accuracy) } };
}

/** sBEND over the top-k members by val at every k of the grid; the chosen k has the best val accuracy, the smaller k on ties. */
export function chooseTopK(outputs: EvalOutputs, labels: SplitLabels, valAccuracy: readonly number[], grid: readonly number[], bins: number) {
  const k = [...grid].filter((v) => v <= valAccuracy.length).sort((a, b) => a - b);
  if (k.length === 0) throw new Error(`no k of the top-k grid [${grid.join(', ')}] fits ${valAccuracy.length} members`);
  const scores = k.map((v) => scoreEnsemble(pickOf(outputs, selectMembers(valAccuracy, { kind: 'top-k', k: v })), labels, { rule: 'sbend' }, bins));
  const best = argmaxFirst(scores.map((s) => s.val.accuracy));
  return { k: k[best], scores: scores[best], sweep: { k, val: scores.map((s) => s.val.accuracy), test: scores.map((s) => s.test.accuracy) } };
}

/** sBEND, aBEND (τ on val per size), vote and zoo + sBEND with the first M generated members, for each M of `sizes`. */
export function bendCurve(
  generated: EvalOutputs, zoo: EvalOutputs, labels: SplitLabels, valAccuracy: readonly number[], options: BendOptions,
): BendCurve {
  const curve: BendCurve = {
    sizes: options.ensembleSizes, sbend: { val: [], test: [] }, abend: { val: [], test: [], tau: [] }, vote: { val: [], test: [] }, zooPlusSbend: { val: [], test: [] },
  };
  const push = (series: { val: number[]; test: number[] }, s: { val: { accuracy: number }; test: { accuracy: number } }) => {
    series.val.push(s.val.accuracy);
    series.test.push(s.test.accuracy);
  };
  for (const m of options.ensembleSizes) {
    const members = firstOf(generated, m);
    push(curve.sbend, scoreEnsemble(members, labels, { rule: 'sbend' }, options.eceBins));
    push(curve.vote, scoreEnsemble(members, labels, { rule: 'vote' }, options.eceBins));
    push(curve.zooPlusSbend, scoreEnsemble(concatOf(zoo, members), labels, { rule: 'sbend' }, options.eceBins));
    const a = chooseTau(members, labels, valAccuracy.slice(0, m), options.tauGrid, options.eceBins);
    push(curve.abend, a.scores);
    curve.abend.tau.push(a.tau);
  }
  return curve;
}
