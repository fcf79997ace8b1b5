/**
 * Reproductions: the job plan of each paper and scale, jobs that resume and skip what is done,
 * results files with per-seed numbers and their aggregate, and their tables and charts (README
 * and notebooks). The queue and its workers (./queue.ts, ./worker.ts) are reached through the CLI.
 */
export { planJobs, mainPresets, isPresetRun, wholeVariantOf, PAPERS, SCALES, ABLATIONS, LEVERS, WHOLE, WHOLE_PRESETS, WHOLE_GRID_VARIANTS } from './plan';
export type { Job, Paper, Scale, Ablation, PlanOptions } from './plan';
export { runJob, readJobResults, jobResultsFile } from './jobs';
export { aggregateJobs } from './aggregate';
export type { ResultsFile, Aggregated, SeedRun } from './aggregate';
export { readResults, resultsFileName } from './results-files';
export { resultTable, markdownTable, tableObjects, provenanceLine, RESULT_KINDS } from './tables';
export type { ResultTable } from './tables';
export type { SeedsFigureOptions } from './figures';
export { seedsFigure, resultFigures } from './figures';
export { resultVerdicts, wholeVerdicts, pairedDifference, intervalText, direction } from './verdicts';
