/** p-diff's tables, figures and self-contained HTML report, for the CLI and the notebooks. */
export { accuracyTable, samplerTable, noveltyTable, ablationTable, latentSummaryTable, timingTable, auditTable, copyingTestTable } from './tables';
export { accuracyDistributionFigure, noveltyScatterFigure, lossCurvesFigure, noveltyFrontFigure } from './figures';
export { ablationFigure } from './ablation-figures';
export { latentMapFigure, interpolationFigure } from './latent-figures';
export { auditSummaryTable, copyingVerdict } from './audit-summary';
export { renderReport } from './report';
