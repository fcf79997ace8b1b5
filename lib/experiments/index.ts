export { collectCheckpoints, defaultCollectConfig, resolveSubset, snapshotSteps, BASE_MODEL_FILE, ZOO_DIR } from './collect';
export type { CollectConfig, Collection } from './collect';
export { runPdiff } from './pdiff';
export { pdiffPreset, pdiffPresets } from './pdiff-config';
export type { PdiffConfig, PdiffDataset } from './pdiff-config';
export { loadPdiffData } from './pdiff-data';
export type { PdiffResults, Population, Distribution } from './pdiff-results';
export type { ProgressFn } from './progress';
