/**
 * Diversity against ensemble gain: for each set of members, their pairwise diversity on test
 * (disagreement, Q-statistic, wrong-set IoU) beside what their sBEND ensemble gains over their
 * mean single member in test accuracy and NLL. Ensembles gain where members' errors differ.
 */
import { combine } from '../ensemble/aggregate';
import { calibration } from '../ensemble/calibration';
import { pairwiseDiversity } from '../ensemble/diversity';
import { argmaxRows, concatOf, type EvalOutputs } from '../ensemble/outputs';
import { mean } from '../eval/stats';
import type { BendResults, DiversityGain } from './results';
import type { BendOutputs } from './methods';

/** Diversity and sBEND gain of `outputs`' members on the test split (at least 2 members). */
export function diversityGain(label: string, outputs: EvalOutputs, testLabels: Int32Array): DiversityGain {
  const { classes, members } = outputs.test;
  const diversity = pairwiseDiversity(members.map((p) => argmaxRows(p, classes)), testLabels);
  const singles = members.map((p) => calibration(p, testLabels, classes));
  const ensemble = calibration(combine(outputs.test, { rule: 'sbend' }), testLabels, classes);
  const meanTestAccuracy = mean(singles.map((s) => s.accuracy));
  const meanTestNll = mean(singles.map((s) => s.nll));
  return {
    label, ...diversity, meanTestAccuracy, ensembleTestAccuracy: ensemble.accuracy, accuracyGain: ensemble.accuracy - meanTestAccuracy,
    meanTestNll, ensembleTestNll: ensemble.nll, nllGain: meanTestNll - ensemble.nll,
  };
}

/** Every population's diversity and gain: generated, zoo, zoo + generated, the noise copies, the deep ensemble. */
export function populationDiversity(outputs: BendOutputs, testLabels: Int32Array): BendResults['diversity'] {
  return {
    generated: diversityGain('generated', outputs.generated, testLabels),
    originals: diversityGain('zoo', outputs.zoo, testLabels),
    deepEnsemble: diversityGain('deep ensemble (full networks)', outputs.deepEnsemble, testLabels),
    zooPlusGenerated: diversityGain('zoo + generated', concatOf(outputs.zoo, outputs.generated), testLabels),
    noise: outputs.noise.map(({ sigma, outputs: copies }) => diversityGain(`noise copies σ=${sigma}`, copies, testLabels)),
  };
}
