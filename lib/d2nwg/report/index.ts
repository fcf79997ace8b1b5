/** D2NWG's tables, figures and self-contained HTML report, for the CLI and the notebook. */
export {
  methodsTable, kindsTable, selectionTable, fineTuneTable, taskTable, generatorTable, timingTable, groupSummary, groupLabel,
  METHOD_LABELS, NOVELTY_LABELS,
} from './tables';
export type { TaskGroup } from './tables';
export { methodsFigure, noveltyFigure, fineTuneFigure, taskFigure, lossesFigure } from './figures';
export { renderReport } from './report';
