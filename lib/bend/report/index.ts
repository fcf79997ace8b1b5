/** BEND's tables, figures, verdict lines and self-contained HTML report, for the CLI and the notebooks. */
export { methodsTable, paperTable, budgetTable, calibrationTable, curveTable, diversityTable, diversityEntries, costTable } from './tables';
export { accuracyFigure, tauFigure, memberFigure, diversityGainFigure } from './figures';
export { verdict, paperVerdict, zooVerdict, diversityVerdict, oodVerdict } from './verdict';
export { renderReport, renderText } from './report';
