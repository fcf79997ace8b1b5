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
