/**
 * Everything BEND reports that follows from the populations' class probabilities (no tensors):
 * the results table with its costs, the paper's comparison, the accuracy-vs-M curve, the τ and
 * top-k sweeps, diversity against gain and the single-model accuracies.
 */
import { memberCount } from '../ensemble/outputs';
import type { ZooRecipe } from '../pdiff/config';
import type { BendConfig } from './config';
import { populationDiversity } from './diversity';
import { memberScores, methodRows, paperComparison, type BendOutputs, type PopulationCosts } from './methods';
import type { BendResults, EvalScores, MemberAccuracies } from './results';
import type { SplitLabels } from './rows';
import { bendCurve, chooseTau, chooseTopK } from './sweeps';

const accuracies = (scores: EvalScores[]): MemberAccuracies =>
  ({ val: scores.map((s) => s.val.accuracy), test: scores.map((s) => s.test.accuracy) });

export function scoreBend(
  outputs: BendOutputs, labels: SplitLabels, costs: PopulationCosts, recipe: ZooRecipe, options: Omit<BendConfig, 'pdiff'>,
): Pick<BendResults, 'counts' | 'methods' | 'paper' | 'curve' | 'tauSweep' | 'topKSweep' | 'diversity' | 'singles'> {
  const members = memberScores(outputs, labels, options.eceBins);
  const genVal = members.generated.map((s) => s.val.accuracy);
  const mMax = memberCount(outputs.generated);
  const methods = methodRows(outputs, members, labels, costs, recipe, options);
  return {
    counts: { generated: mMax, originals: memberCount(outputs.zoo), deepEnsemble: memberCount(outputs.deepEnsemble) },
    methods,
    paper: paperComparison(methods, mMax),
    curve: bendCurve(outputs.generated, outputs.zoo, labels, genVal, options),
    tauSweep: { members: mMax, ...chooseTau(outputs.generated, labels, genVal, options.tauGrid, options.eceBins).sweep },
    topKSweep: chooseTopK(outputs.generated, labels, genVal, options.topKGrid, options.eceBins).sweep,
    diversity: populationDiversity(outputs, labels.test),
    singles: { generated: accuracies(members.generated), originals: accuracies(members.zoo), deepEnsemble: accuracies(members.deepEnsemble) },
  };
}
