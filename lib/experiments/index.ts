export { collectCheckpoints, defaultCollectConfig, resolveSubset, snapshotSteps, BASE_MODEL_FILE, ZOO_DIR } from './collect';
export type { CollectConfig, Collection } from './collect';
export { runPdiff } from './pdiff';
export { pdiffPreset, pdiffPresets } from './pdiff-config';
export type { PdiffConfig, PdiffDataset } from './pdiff-config';
export { loadPdiffData } from './pdiff-data';
export type { PdiffResults, Population, Distribution } from './pdiff-results';
export type { ProgressFn } from './progress';
export { trainPdiffPipeline } from './pdiff-pipeline';
export type { PdiffPipeline } from './pdiff-pipeline';
export { PopulationEvaluator } from './population-evaluator';
export type { Measured } from './population-evaluator';
export { runBend } from './bend';
export { bendPreset, defaultBendOptions } from './bend-config';
export type { BendConfig, DeepEnsembleConfig } from './bend-config';
export type { BendResults, BendCurve, MethodScore, SplitScores, CurveSeries, MemberDiversity, MemberAccuracies } from './bend-results';
export { scoreBend, scoreEnsemble, chooseTau, chooseTopK, bendCurve } from './bend-scores';
export type { BendOutputs, SplitOutputs, SplitLabels } from './bend-scores';
export { trainDeepEnsemble } from './deep-ensemble';
export type { DeepEnsemble } from './deep-ensemble';
export {
  collectionDir, runPdiffUnder, runVariants, snapshotCountVariants, noiseVariants, layerVariants, paperSnapshotCounts, convnetLayerSubsets,
} from './pdiff-ablations';
export type { PdiffVariant, VariantResult } from './pdiff-ablations';
export { exploreLatents, trajectoryTimesteps, defaultLatentExplorerConfig } from './latent-explorer';
export type { LatentExplorerConfig, LatentExploration, ProjectedPopulation, TrajectoryFrame } from './latent-explorer';
