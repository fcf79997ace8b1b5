/**
 * Calibration of [N, C] class probabilities (one model's or an ensemble's):
 * - NLL: mean −log p(y_i | x_i), with p floored at `PROBABILITY_FLOOR` so one confident mistake
 *   in float32 cannot make it infinite;
 * - ECE (Guo et al. 2017, "On calibration of modern neural networks", eq. 3): with the confidence
 *   max_c p(c | x_i) binned into B equal-width bins (b/B, (b+1)/B],
 *   ECE = Σ_b (|bin_b| / N) · |accuracy(bin_b) − mean confidence(bin_b)|.
 * - Brier score (Brier 1950, the multi-class form): mean over examples of Σ_c (p_c − 1[c = y])²,
 *   in [0, 2]; a proper scoring rule like NLL, but bounded, so one confident mistake costs at most 2.
 * The prediction is the argmax, lowest class index on ties (as everywhere in lib/ensemble).
 */
import { argmaxRows } from './outputs';

export const PROBABILITY_FLOOR = 1e-12;
export const DEFAULT_ECE_BINS = 15;

export interface Calibration {
  accuracy: number;
  nll: number;
  ece: number;
  brier: number;
}

function checkShape(probs: ArrayLike<number>, labels: ArrayLike<number>, classes: number): void {
  if (probs.length !== labels.length * classes) {
    throw new Error(`${probs.length} probabilities for ${labels.length} labels of ${classes} classes`);
  }
}

export function negativeLogLikelihood(probs: ArrayLike<number>, labels: ArrayLike<number>, classes: number): number {
  checkShape(probs, labels, classes);
  let sum = 0;
  for (let i = 0; i < labels.length; i++) sum -= Math.log(Math.max(probs[i * classes + labels[i]], PROBABILITY_FLOOR));
  return labels.length ? sum / labels.length : 0;
}

export function brierScore(probs: ArrayLike<number>, labels: ArrayLike<number>, classes: number): number {
  checkShape(probs, labels, classes);
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    for (let c = 0; c < classes; c++) sum += (probs[i * classes + c] - (c === labels[i] ? 1 : 0)) ** 2;
  }
  return labels.length ? sum / labels.length : 0;
}

export function expectedCalibrationError(
  probs: ArrayLike<number>, labels: ArrayLike<number>, classes: number, bins = DEFAULT_ECE_BINS,
): number {
  checkShape(probs, labels, classes);
  if (!(Number.isInteger(bins) && bins >= 1)) throw new Error(`ECE needs a positive whole number of bins, got ${bins}`);
  const predictions = argmaxRows(probs, classes);
  const count = new Float64Array(bins);
  const correct = new Float64Array(bins);
  const confidence = new Float64Array(bins);
  for (let i = 0; i < labels.length; i++) {
    const conf = probs[i * classes + predictions[i]];
    // Upper-inclusive bins: conf in (b/B, (b+1)/B] goes to bin b; conf = 0 (impossible for an argmax) to bin 0.
    const b = Math.min(bins - 1, Math.max(0, Math.ceil(conf * bins) - 1));
    count[b]++;
    confidence[b] += conf;
    if (predictions[i] === labels[i]) correct[b]++;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    if (count[b] > 0) ece += Math.abs(correct[b] - confidence[b]) / labels.length;
  }
  return ece;
}

export function calibration(probs: ArrayLike<number>, labels: ArrayLike<number>, classes: number, bins = DEFAULT_ECE_BINS): Calibration {
  checkShape(probs, labels, classes);
  const predictions = argmaxRows(probs, classes);
  let right = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === labels[i]) right++;
  return {
    accuracy: labels.length ? right / labels.length : 0,
    nll: negativeLogLikelihood(probs, labels, classes),
    ece: expectedCalibrationError(probs, labels, classes, bins),
    brier: brierScore(probs, labels, classes),
  };
}
