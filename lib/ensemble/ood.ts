/**
 * Out-of-distribution detection from class probabilities (Hendrycks & Gimpel 2017, "A baseline for
 * detecting misclassified and out-of-distribution examples"): an image is flagged OOD when the
 * model is unsure of it, measured by
 * - the maximum softmax probability (MSP), max_c p(c | x): low = OOD;
 * - the predictive entropy, −Σ_c p(c | x) log p(c | x): high = OOD (for an ensemble, of the mean
 *   probabilities, Lakshminarayanan et al. 2017).
 * Each is scored by the AUROC of telling OOD images (positives) from in-distribution ones.
 */
import { mannWhitney } from '../eval/mann-whitney';

/**
 * Area under the ROC curve of a score that should be higher on `positives` than on `negatives`:
 * P(s⁺ > s⁻) + ½·P(s⁺ = s⁻) over all positive–negative pairs, exact with ties (the Mann–Whitney
 * U of the positives over n⁺·n⁻). 1: perfect; 0.5: chance (or every score tied).
 */
export function auroc(positives: readonly number[], negatives: readonly number[]): number {
  return mannWhitney(positives, negatives).u / (positives.length * negatives.length);
}

/** max_c p(c | x) of each row of [N, C] probabilities. */
export function maxProbability(probs: ArrayLike<number>, classes: number): number[] {
  const n = probs.length / classes;
  return Array.from({ length: n }, (_, i) => {
    let max = probs[i * classes];
    for (let c = 1; c < classes; c++) max = Math.max(max, probs[i * classes + c]);
    return max;
  });
}

/** −Σ_c p log p of each row of [N, C] probabilities, in nats (0 log 0 = 0). */
export function predictiveEntropy(probs: ArrayLike<number>, classes: number): number[] {
  const n = probs.length / classes;
  return Array.from({ length: n }, (_, i) => {
    let h = 0;
    for (let c = 0; c < classes; c++) {
      const p = probs[i * classes + c];
      if (p > 0) h -= p * Math.log(p);
    }
    return h;
  });
}

/** AUROC of detecting OOD images with each uncertainty score. */
export interface OodDetection {
  /** With −MSP as the score (the lower the confidence, the more OOD). */
  msp: number;
  /** With the predictive entropy as the score. */
  entropy: number;
}

/** How well one model's (or ensemble's) probabilities tell `ood` images from in-distribution ones. */
export function oodDetection(inDistribution: ArrayLike<number>, ood: ArrayLike<number>, classes: number): OodDetection {
  if (inDistribution.length % classes !== 0 || ood.length % classes !== 0) {
    throw new Error(`probabilities of ${inDistribution.length} and ${ood.length} values are not rows of ${classes} classes`);
  }
  const negate = (v: number[]) => v.map((x) => -x);
  return {
    msp: auroc(negate(maxProbability(ood, classes)), negate(maxProbability(inDistribution, classes))),
    entropy: auroc(predictiveEntropy(ood, classes), predictiveEntropy(inDistribution, classes)),
  };
}
