/** Generic display: figures and tables in notebooks (tslab) and HTML pages, live training curves, progress lines, number formatting. */
export type { Figure } from './figure';
export { lossFigure } from './figure';
export type { Row } from './table';
export { rowsToHtml, rowsToText } from './table';
export { pct, pctText, percents, fixed } from './format';
export { plotlySource, figureHtml, reportPage } from './plotly-html';
export { NotebookDisplay, notebookDisplay, showFigure, showTable, htmlFallbackWriter } from './notebook';
export type { DisplayMessage, DisplayWriter, MimeBundle, TableLike, LiveOutput, FigureMode, NotebookDisplayOptions } from './notebook';
export { figuresToSvg } from './static-figure';
export { liveTraining, defaultLiveTrainingOptions } from './live';
export type { LiveTrainingOptions } from './live';
export { progressLine, formatDuration } from './progress';
export { consoleProgress } from './progress-reporter';
