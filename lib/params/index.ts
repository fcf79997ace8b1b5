export * from './types';
export { selectParamNames } from './select';
export {
  flatten,
  unflatten,
  flattenMany,
  stackVectors,
  checkCompatible,
  describeIncompatibility,
  checkManifest,
  type NamedShape,
} from './flatten';
export { readParams, assignParams } from './tensors';
export { rowOf, rowsOf, firstRows, pickRows } from './rows';
export {
  fitNormStats,
  normalize,
  denormalize,
  checkNormStats,
  normModes,
  type NormMode,
  type NormStats,
} from './normalize';
export { fitStandardizer, type Standardizer } from './normalize';
export {
  planVectorize,
  vectorize,
  devectorize,
  vectorizeSet,
  devectorizeSet,
  defaultVectorizeConfig,
  vectorizeModes,
  type VectorizeMode,
  type VectorizeConfig,
  type VectorizePlan,
  type VectorPiece,
} from './vectorize';
export { freshInit } from './reinit';
export { linearAssignment, assignmentCost, type AssignmentSense } from './assignment';
export {
  mlpPermutationSpec,
  convnetPermutationSpec,
  permutationSpecFor,
  permutationSizes,
  type PermutationSpec,
  type PermutedAxis,
} from './permutation-spec';
export {
  applyPermutation,
  identityPermutations,
  invertPermutation,
  type Permutations,
} from './permutation';
export {
  weightMatching,
  alignTo,
  defaultWeightMatchingOptions,
  type WeightMatchingOptions,
  type WeightMatchingResult,
} from './weight-matching';
export { readNetwork, assignNetwork, type NetworkArrays } from './network';
export { alignZoo, defaultAlignZooOptions, type AlignZooOptions, type AlignedZoo } from './align-zoo';
export { mergeMany, defaultMergeManyOptions, type MergeManyOptions, type MergedMembers } from './merge-many';
export { recalibrateBatchNorm } from './recalibrate-bn';
