/**
 * The scores behind every row of BEND's results table, from members' class probabilities (no
 * tensors): an aggregation's calibration on val and test and its OOD detection, each member alone,
 * and the single-model rows of a population (best by test, by val, mean, median).
 */
import { combine, type Aggregation } from '../ensemble/aggregate';
import { calibration, type Calibration } from '../ensemble/calibration';
import { oodDetection, type OodDetection } from '../ensemble/ood';
import type { EvalOutputs } from '../ensemble/outputs';
import { argmaxFirst, mean, median } from '../eval/stats';
import type { EvalScores, MethodCost, MethodScore } from './results';

/** The labels of the val and test splits. */
export interface SplitLabels {
  val: Int32Array;
  test: Int32Array;
}

/** Calibration of [N, C] probabilities on val and test, and how well they tell the OOD images from the test images. */
export function scoreProbabilities(
  probs: { val: ArrayLike<number>; test: ArrayLike<number>; ood: ArrayLike<number> }, labels: SplitLabels, classes: number, bins: number,
): EvalScores {
  return {
    val: calibration(probs.val, labels.val, classes, bins),
    test: calibration(probs.test, labels.test, classes, bins),
    ood: oodDetection(probs.test, probs.ood, classes),
  };
}

/** Accuracy, NLL, ECE, Brier and OOD AUROC of an aggregation of `outputs`. */
export function scoreEnsemble(outputs: EvalOutputs, labels: SplitLabels, aggregation: Aggregation, bins: number): EvalScores {
  const probs = { val: combine(outputs.val, aggregation), test: combine(outputs.test, aggregation), ood: combine(outputs.ood, aggregation) };
  return scoreProbabilities(probs, labels, outputs.test.classes, bins);
}

/** Each member alone. */
export function perMember(outputs: EvalOutputs, labels: SplitLabels, bins: number): EvalScores[] {
  return outputs.test.members.map((_, m) => scoreProbabilities(
    { val: outputs.val.members[m], test: outputs.test.members[m], ood: outputs.ood.members[m] }, labels, outputs.test.classes, bins,
  ));
}

/** Every number of the scores reduced over members by `f` (each field on its own). */
function reduceScores(scores: EvalScores[], f: (values: number[]) => number): EvalScores {
  const cal = (part: 'val' | 'test'): Calibration => {
    const of = (key: keyof Calibration) => f(scores.map((s) => s[part][key]));
    return { accuracy: of('accuracy'), nll: of('nll'), ece: of('ece'), brier: of('brier') };
  };
  const ood = (key: keyof OodDetection) => f(scores.map((s) => s.ood[key]));
  return { val: cal('val'), test: cal('test'), ood: { msp: ood('msp'), entropy: ood('entropy') } };
}

/**
 * Rows for single models of a population: the best by test (an oracle), the best by val, and the
 * mean and median single model (each number the mean or median over the members on its own).
 */
export function singleRows(name: string, scores: EvalScores[], cost: MethodCost): MethodScore[] {
  const byTest = argmaxFirst(scores.map((s) => s.test.accuracy));
  const byVal = argmaxFirst(scores.map((s) => s.val.accuracy));
  const count = scores.length;
  const row = (kind: string, detail: string, s: EvalScores): MethodScore =>
    ({ method: `${name}: ${kind} single`, group: 'single', members: 1, detail, ...s, cost });
  return [
    row('best', `by test (oracle) of ${count}`, scores[byTest]),
    row('val-selected', `by val of ${count}`, scores[byVal]),
    row('mean', `mean over ${count}`, reduceScores(scores, mean)),
    row('median', `median over ${count}`, reduceScores(scores, median)),
  ];
}

/** A cost of `extra` seconds on top of a zoo of `zoo` seconds. */
export const costOf = (zoo: number, extra: number): MethodCost => ({ total: zoo + extra, zoo, extra });
