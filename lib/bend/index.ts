/**
 * BEND (arXiv 2403.15766): generated models of a p-diff generator (on any zoo recipe) as the
 * members of an ensemble (sBEND, aBEND, vote; alone and added to the zoo), the protocol (`run`)
 * against single models and equal-budget baselines (the zoo's own ensemble, weight average,
 * noise-added copies, a deep ensemble of full networks), with calibration, OOD detection,
 * diversity and cost, and the report. The definitions of sBEND and aBEND are ours (lib/ensemble).
 */
export { BendPipeline } from './pipeline';
export type { PopulationOutputs } from './pipeline';
export { run } from './run';
export { runWholeBend, wholeBendPreset } from './whole';
export type { WholeBendConfig, WholeBendOptions } from './whole';
export { borrowGenerator } from './borrow';
export type { RunOptions } from './run';
export { preset, defaultBendOptions, bendSeeds } from './config';
export type { BendConfig } from './config';
export { loadOodData, oodImagesFor, renormalizedSample } from './ood-data';
export { noiseCopies, zooBaselines } from './populations';
export type { ZooBaselines } from './populations';
export type {
  BendResults, BendCurve, MethodScore, MethodGroup, MethodCost, SplitScores, EvalScores, CurveSeries, DiversityGain, MemberAccuracies, PaperComparison,
} from './results';
export { scoreBend } from './scores';
export { scoreEnsemble, scoreProbabilities, perMember, singleRows } from './rows';
export type { SplitLabels } from './rows';
export { chooseTau, chooseTopK, bendCurve } from './sweeps';
export { methodRows, findMethod, paperComparison } from './methods';
export type { BendOutputs, PopulationCosts, MemberScores } from './methods';
export { diversityGain, populationDiversity } from './diversity';
export * as report from './report';
