/**
 * p-diff (Neural Network Diffusion, arXiv 2402.13144): the pipeline object (collect → fit →
 * generate → load) on any task model, the paper's protocol (`run`), its ablations and the latent
 * explorer, and the report.
 */
export { PDiffPipeline } from './pipeline';
export type { PDiffPipelineOptions, CollectOptions, GenerateOptions, ResumeMode } from './pipeline';
export { run } from './run';
export type { RunOptions } from './run';
export { preset, presets, pdiffSeeds, defaultSamplerComparison, isIndependentZoo, defaultRecipesGrid, seedsZooOf, ZOO_RECIPES } from './config';
export type { PdiffConfig, PdiffDataset, SamplerVariant } from './config';
export { loadData } from './data';
export type { PdiffResults, Population, Distribution, SamplerRun } from './results';
export { PDIFF_OUTPUTS, claimDir } from './run-dir';
export {
  collectionDir, runUnder, runVariants, snapshotCountVariants, noiseVariants, layerVariants, paperSnapshotCounts, convnetLayerSubsets,
} from './ablations';
export type { PdiffVariant, VariantResult, VariantOptions } from './ablations';
export { exploreLatents, trajectoryTimesteps, defaultLatentExplorerConfig } from './latent-explorer';
export type { LatentExplorerConfig, LatentExploration, ProjectedPopulation, TrajectoryFrame } from './latent-explorer';
export * as report from './report';
export * as explore from './explore';
export * as whole from './whole';
