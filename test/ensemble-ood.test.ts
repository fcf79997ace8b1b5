import { strict as assert } from 'node:assert';
import { auroc, maxProbability, oodDetection, predictiveEntropy } from '../lib/ensemble';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

describe('OOD detection: AUROC with ties, MSP and entropy', () => {
  it('AUROC counts each positive–negative pair: 1 if the positive scores higher, ½ if tied', () => {
    // Pairs: 0.9 beats all 3 (3); each 0.5 beats 0.2 and 0.1 and ties 0.5 (2.5 each); 0.1 ties 0.1 (0.5): 8.5 of 12.
    close(auroc([0.9, 0.5, 0.5, 0.1], [0.5, 0.2, 0.1]), 8.5 / 12);
    close(auroc([2, 3], [0, 1]), 1);
    close(auroc([0, 1], [2, 3]), 0);
    close(auroc([1, 1, 1], [1, 1]), 0.5);
  });

  it('AUROC does not depend on the order of the values', () => {
    close(auroc([0.1, 0.5, 0.9, 0.5], [0.1, 0.5, 0.2]), 8.5 / 12);
  });

  it('MSP is the row max; entropy is −Σ p log p in nats with 0 log 0 = 0', () => {
    assert.deepEqual(maxProbability(Float32Array.from([0.2, 0.8, 0.5, 0.5]), 2).map((v) => Number(v.toFixed(6))), [0.8, 0.5]);
    const h = predictiveEntropy([0.5, 0.5, 0, 1, 0, 0, 0.25, 0.25, 0.5], 3);
    close(h[0], Math.log(2));
    close(h[1], 0);
    close(h[2], -(0.5 * Math.log(0.25) + 0.5 * Math.log(0.5)));
  });

  it('OOD images are the positives: low confidence and high entropy flag them', () => {
    // In-distribution MSP 0.9, 0.8; OOD 0.5, 0.8. −MSP: OOD −0.5 beats both (2), OOD −0.8 beats −0.9 and ties −0.8 (1.5): 3.5 of 4.
    const inDist = Float32Array.from([0.9, 0.1, 0.2, 0.8]);
    const ood = Float32Array.from([0.5, 0.5, 0.8, 0.2]);
    const d = oodDetection(inDist, ood, 2);
    close(d.msp, 0.875);
    close(d.entropy, 0.875); // for two classes entropy is a decreasing function of the MSP
    // Swapping the roles turns the detector around.
    close(oodDetection(ood, inDist, 2).msp, 1 - 0.875);
  });

  it('with three classes MSP and entropy can disagree', () => {
    // In: [0.5, 0.5, 0] (MSP 0.5, H = ln 2 ≈ 0.69). OOD: [0.6, 0.2, 0.2] (MSP 0.6, H ≈ 0.95):
    // more confident by MSP, more uncertain by entropy.
    const d = oodDetection([0.5, 0.5, 0], [0.6, 0.2, 0.2], 3);
    close(d.msp, 0);
    close(d.entropy, 1);
  });
});
