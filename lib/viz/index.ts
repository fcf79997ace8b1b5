export { progressLine, formatDuration } from './progress';
export { consoleProgress } from './progress-reporter';
export { accuracyDistributionFigure, noveltyScatterFigure, lossCurvesFigure } from './figures';
export type { Figure } from './figures';
export { accuracyTable, timingTable, rowsToHtml, rowsToText } from './tables';
export type { Row } from './tables';
export { renderPdiffReport, plotlySource } from './report';
