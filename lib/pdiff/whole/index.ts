/**
 * Whole-network generation (issue 15, after DeepWeightFlow): a zoo of independently trained
 * networks, weight matching to one reference, a generator (flow matching or DDPM on the weights or
 * their dual-PCA coefficients, or p-diff's autoencoder + latent DDPM), BN statistics recomputed
 * after generation, the copying audit, and the ablations.
 */
export { runWhole, WHOLE_ZOO_DIR, ALIGNED_DIR, WHOLE_OUTPUTS } from './run';
export type { WholeRunOptions } from './run';
export { wholePreset, wholePresets, wholeSeeds, WHOLE_GENERATORS } from './config';
export type { WholeConfig, WholeGenerator, WholeAlignment, BnRecalibration, GeneratorSpace } from './config';
export type { WholeResults, AccuracyStats } from './results';
export { accuracyStats } from './results';
export { runWholeAblations, wholeVariant, variantInapplicable, ablationTable } from './ablations';
export { wholeSummary, wholeCells, WHOLE_COLUMNS } from './summary';
export type { WholeColumn } from './summary';
export type { WholeVariant, WholeAblationOptions, WholeAblationRun } from './ablations';
export { fitGenerator, latentPdiffConfig, FLOW_STATE_FILE, DDPM_STATE_FILE, LATENT_DIR } from './generator';
export type { WeightGenerator } from './generator';
export { WholeEvaluator } from './evaluate';
export type { Networks, NetworkMeasures, WholeEvaluatorOptions } from './evaluate';
export { GENERATED_TORCH_FILE, writeGeneratedNetworks } from './generated-file';
export { alignWholeZoo, alignRows } from './align';
export type { AlignedWholeZoo, AlignOptions } from './align';
export { auditWhole } from './audit';
export { fitDualPca, pcaEncode, pcaDecode } from './dual-pca';
export type { DualPca } from './dual-pca';
export { summaryTable, renderWholeReport } from './report';
