import { strict as assert } from 'node:assert';
import { brierScore, calibration, combine, expectedCalibrationError, memberOutputs, negativeLogLikelihood, PROBABILITY_FLOOR } from '../lib/ensemble';

const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

// Four examples, two classes: confidence 0.9 right, 0.9 wrong, 0.7 right, 0.7 right.
const probs = Float32Array.from([0.9, 0.1, /**/ 0.9, 0.1, /**/ 0.3, 0.7, /**/ 0.7, 0.3]);
const labels = Int32Array.from([0, 1, 1, 0]);

describe('calibration of crafted probabilities', () => {
  it('NLL is the mean −log p(label)', () => {
    close(negativeLogLikelihood(probs, labels, 2), -(Math.log(0.9) + Math.log(0.1) + 2 * Math.log(0.7)) / 4);
  });

  it('NLL floors a zero probability of the label instead of returning Infinity', () => {
    close(negativeLogLikelihood([1, 0], [1], 2), -Math.log(PROBABILITY_FLOOR), 1e-9);
  });

  it('Brier score is the mean over examples of Σ_c (p_c − 1[c = y])²', () => {
    // (0.01 + 0.01) + (0.81 + 0.81) + (0.09 + 0.09) + (0.09 + 0.09), over 4 examples.
    close(brierScore(probs, labels, 2), 0.5);
    close(calibration(probs, labels, 2).brier, 0.5);
    // Three classes: all mass on a wrong class costs the maximum 2, a perfect prediction 0, uniform (2/3)² + 2·(1/3)².
    close(brierScore([1, 0, 0], [2], 3), 2, 1e-12);
    close(brierScore([0, 0, 1], [2], 3), 0, 1e-12);
    close(brierScore([1 / 3, 1 / 3, 1 / 3], [0], 3), (2 / 3) ** 2 + 2 * (1 / 3) ** 2, 1e-12);
  });

  it('ECE with 15 bins: Σ |bin| / N · |accuracy − confidence|', () => {
    // Bin of 0.9: accuracy 1/2, confidence 0.9; bin of 0.7: accuracy 1, confidence 0.7.
    close(expectedCalibrationError(probs, labels, 2), (2 / 4) * 0.4 + (2 / 4) * 0.3);
    close(calibration(probs, labels, 2).ece, 0.35);
  });

  it('ECE with one bin is |accuracy − mean confidence|; a perfectly calibrated case is 0', () => {
    close(expectedCalibrationError(probs, labels, 2, 1), Math.abs(0.75 - 0.8));
    // Confidence 0.75, right on 3 of 4.
    const calibrated = Float32Array.from([0.75, 0.25, 0.75, 0.25, 0.75, 0.25, 0.75, 0.25]);
    close(expectedCalibrationError(calibrated, [0, 0, 0, 1], 2), 0);
  });

  it('bins are upper-inclusive: a confidence on a boundary goes to the lower bin', () => {
    // Confidences 0.5 and 0.75 with 4 bins: (0.25, 0.5] and (0.5, 0.75]; both right.
    const p = Float32Array.from([0.5, 0.5, 0.75, 0.25]);
    close(expectedCalibrationError(p, [0, 0], 2, 4), 0.5 * 0.5 + 0.5 * 0.25);
    close(expectedCalibrationError(p, [0, 0], 2, 2), Math.abs(1 - 0.625));
  });

  it('accuracy uses the lowest-index argmax, and an ensemble can be better calibrated than its members', () => {
    assert.equal(calibration(Float32Array.from([0.5, 0.5]), [0], 2).accuracy, 1);
    const a = Float32Array.from([1, 0, 1, 0]);
    const b = Float32Array.from([0, 1, 1, 0]);
    const mean = combine(memberOutputs(2, [a, b]), { rule: 'sbend' });
    const y = [1, 0];
    assert.ok(calibration(mean, y, 2).nll < calibration(a, y, 2).nll);
    close(calibration(mean, y, 2).nll, -(Math.log(0.5) + Math.log(1)) / 2, 1e-12);
  });
});
