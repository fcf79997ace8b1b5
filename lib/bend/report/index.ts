/** BEND's tables, figures and self-contained HTML report, for the CLI and the notebooks. */
export { methodsTable, curveTable, diversityTable, costTable } from './tables';
export { accuracyFigure, tauFigure, memberFigure } from './figures';
export { renderReport } from './report';
