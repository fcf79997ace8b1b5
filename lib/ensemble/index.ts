export {
  memberOutputs, pickMembers, firstMembers, concatMembers, softmaxRows, argmaxRows, mapParts, firstOf, pickOf, concatOf, memberCount,
} from './outputs';
export type { MemberOutputs, SplitOutputs, EvalOutputs } from './outputs';
export { abendWeights, combine, ensemblePredictions } from './aggregate';
export type { Aggregation, AggregationRule } from './aggregate';
export { selectMembers } from './select';
export type { MemberSelection } from './select';
export { pairCounts, disagreement, yuleQ, wrongIoU, pairwiseDiversity } from './diversity';
export type { PairCounts, Diversity } from './diversity';
export { calibration, negativeLogLikelihood, expectedCalibrationError, brierScore, PROBABILITY_FLOOR, DEFAULT_ECE_BINS } from './calibration';
export type { Calibration } from './calibration';
export { auroc, maxProbability, predictiveEntropy, oodDetection } from './ood';
export type { OodDetection } from './ood';
export { trainDeepEnsemble } from './deep-ensemble';
export type { DeepEnsemble, DeepEnsembleConfig, DeepEnsembleOptions } from './deep-ensemble';
export { trainMembersInProcesses, defaultMemberParallelism } from './member-processes';
export type { MemberParallelism } from './member-processes';
