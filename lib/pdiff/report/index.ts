/** p-diff's tables, figures and self-contained HTML report, for the CLI and the notebooks. */
export { accuracyTable, samplerTable, noveltyTable, ablationTable, latentSummaryTable, timingTable } from './tables';
export { accuracyDistributionFigure, noveltyScatterFigure, lossCurvesFigure } from './figures';
export { ablationFigure } from './ablation-figures';
export { latentMapFigure, interpolationFigure } from './latent-figures';
export { renderReport } from './report';
