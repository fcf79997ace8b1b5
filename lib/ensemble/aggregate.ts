/**
 * BEND's aggregation rules over M base classifiers (design doc, "Recipe: BEND"):
 * - 'sbend': soft voting, the mean of the members' softmax outputs;
 * - 'abend': the mean weighted by p(m) ∝ exp(acc_val(m) / τ) (τ → ∞ gives sBEND, τ → 0 the
 *   val-best member; the paper's exact formula was not available, this is the documented reading);
 * - 'vote': hard majority voting, each member's predicted class counts 1/M.
 * Each rule gives [N, C] scores whose row argmax (lowest class index on ties) is the prediction.
 */
import { argmaxRows, type MemberOutputs } from './outputs';

export type AggregationRule = 'sbend' | 'abend' | 'vote';

export type Aggregation =
  | { rule: 'sbend' }
  /** `valAccuracy[m]` is member m's val accuracy in [0, 1]; τ ≥ 0, Infinity allowed. */
  | { rule: 'abend'; tau: number; valAccuracy: readonly number[] }
  | { rule: 'vote' };

/**
 * aBEND's unnormalised weights exp((acc_m − max acc) / τ) (the max subtracted so small τ cannot
 * overflow). τ = ∞ gives 1 for every member; τ = 0 is the limit τ → 0: 1 for the members tied at
 * the best val accuracy, 0 elsewhere.
 */
function abendScores(valAccuracy: readonly number[], tau: number): number[] {
  if (valAccuracy.length === 0) throw new Error('aBEND needs at least one member');
  if (!(tau >= 0)) throw new Error(`aBEND's temperature must be ≥ 0, got ${tau}`);
  const best = Math.max(...valAccuracy);
  return tau === 0
    ? valAccuracy.map((a) => (a === best ? 1 : 0))
    : valAccuracy.map((a) => Math.exp((a - best) / tau));
}

/** aBEND's member weights p(m) = exp(acc_m / τ) / Σ_j exp(acc_j / τ), with the limits τ = ∞ (equal) and τ = 0 (the val-best). */
export function abendWeights(valAccuracy: readonly number[], tau: number): number[] {
  const raw = abendScores(valAccuracy, tau);
  const sum = raw.reduce((s, w) => s + w, 0);
  return raw.map((w) => w / sum);
}

/** Unnormalised member weights of a rule: 1 each for sBEND and vote. */
function rawWeights(aggregation: Aggregation, count: number): number[] {
  if (aggregation.rule !== 'abend') return new Array<number>(count).fill(1);
  if (aggregation.valAccuracy.length !== count) {
    throw new Error(`aBEND got ${aggregation.valAccuracy.length} val accuracies for ${count} members`);
  }
  return abendScores(aggregation.valAccuracy, aggregation.tau);
}

/**
 * The ensemble's [N, C] scores: for 'sbend' and 'abend' the (weighted) mean class probabilities,
 * for 'vote' the fraction of members voting for each class. Weighted sums are divided by the
 * total weight once at the end, so equal sums (a tie) stay exactly equal.
 */
export function combine(outputs: MemberOutputs, aggregation: Aggregation): Float64Array {
  const { classes, examples, members } = outputs;
  const weights = rawWeights(aggregation, members.length);
  const out = new Float64Array(examples * classes);
  members.forEach((probs, m) => {
    const w = weights[m];
    if (w === 0) return;
    if (aggregation.rule === 'vote') {
      argmaxRows(probs, classes).forEach((c, i) => { out[i * classes + c] += w; });
    } else {
      for (let j = 0; j < out.length; j++) out[j] += w * probs[j];
    }
  });
  const total = weights.reduce((s, w) => s + w, 0);
  for (let j = 0; j < out.length; j++) out[j] /= total;
  return out;
}

/** The ensemble's predicted class per example; ties go to the lowest class index. */
export function ensemblePredictions(outputs: MemberOutputs, aggregation: Aggregation): Int32Array {
  return argmaxRows(combine(outputs, aggregation), outputs.classes);
}
