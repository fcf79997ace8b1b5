/**
 * Figures and tables shown inline in a tslab notebook.
 *
 * A figure goes out as one display bundle: `application/vnd.plotly.v1+json` (the figure as an
 * object, for front ends with a plotly renderer), `text/html` (a div and a script that draws it
 * with plotly.js; in 'interactive' mode plotly.js itself goes out once per kernel, in its own
 * output before the first figure, so a notebook exported to HTML works offline), `image/svg+xml`
 * (a static image drawn by headless Chromium, also inside the HTML's div, where it stays wherever
 * no script runs; live figures have none) and `text/plain`. Bundles are written
 * with tslab's own display-data writer: its public `display.raw` sends one MIME type with the
 * content as a string, which plotly renderers ignore. When that writer cannot be reached (another
 * tslab version), `display.html` is the fallback.
 */
import { randomBytes } from 'node:crypto';
import type { Figure } from './figure';
import { figureHtml, figureTitle, plotlySource } from './plotly-html';
import { figuresToSvg } from './static-figure';

export type MimeBundle = Record<string, unknown>;

/** The content of a Jupyter display_data / update_display_data message. */
export interface DisplayMessage {
  data: MimeBundle;
  metadata: Record<string, unknown>;
  transient: { display_id?: string };
}

/** Sends a display message; `update` replaces the output with the same display_id. */
export type DisplayWriter = (message: DisplayMessage, update: boolean) => void;

/** What `showTable` needs of a table: an arquero table (`aq.from(rows)`) has both. */
export interface TableLike {
  toHTML(): string;
  toMarkdown(): string;
}

interface TslabDisplay {
  html(s: string): void;
}

interface TslabPublic {
  display: TslabDisplay;
  newDisplay(): TslabDisplay;
}

/**
 * The writer of the cell being executed: tslab's kernel sets `lastWriteDisplayData` in its
 * `dist/jupyter` module for every execute request, so it is read at each write.
 */
function tslabWriter(): DisplayWriter {
  const jupyter = loadOptional<{ lastWriteDisplayData?: DisplayWriter | null }>('tslab/dist/jupyter');
  if (jupyter && 'lastWriteDisplayData' in jupyter) {
    return (message, update) => {
      const write = jupyter.lastWriteDisplayData;
      if (!write) throw new Error('not running in a tslab kernel: nothing to display to');
      write(message, update);
    };
  }
  return htmlFallbackWriter(require('tslab') as TslabPublic);
}

function loadOptional<T>(id: string): T | undefined {
  try {
    return require(id) as T;
  } catch {
    return undefined;
  }
}

/** Sends only the HTML of each bundle through tslab's public API, one `newDisplay()` per display id. */
export function htmlFallbackWriter(tslab: TslabPublic): DisplayWriter {
  const displays = new Map<string, TslabDisplay>();
  return ({ data, transient }) => {
    const id = transient.display_id;
    let target = tslab.display;
    if (id) {
      target = displays.get(id) ?? tslab.newDisplay();
      displays.set(id, target);
    }
    target.html(String(data['text/html'] ?? data['text/plain']));
  };
}

/** How figures go out; see the module comment. */
export type FigureMode = 'interactive' | 'static';

export interface NotebookDisplayOptions {
  /**
   * 'interactive' (default): plotly.js is sent once per kernel (3.5 MB), so charts are interactive
   * in exported pages, offline. 'static': plotly.js is never sent, which keeps committed notebooks
   * small; charts show as their static images (interactive only where the front end brings its
   * own plotly renderer). `PARAMDIFF_FIGURES=static` selects it.
   */
  figures: FigureMode;
  /** Static SVGs of figures, or undefined where they cannot be drawn (default: headless Chromium). */
  drawStatic: (figures: Figure[]) => string[] | undefined;
}

function figureModeFromEnv(): FigureMode {
  const mode = process.env.PARAMDIFF_FIGURES ?? 'interactive';
  if (mode !== 'interactive' && mode !== 'static') throw new Error(`PARAMDIFF_FIGURES must be interactive or static, got ${mode}`);
  return mode;
}

/** An output that can be replaced in place (`update`), e.g. live training curves. */
export interface LiveOutput {
  /** `settled`: a figure that may stay for a while (a stage's end); in 'static' mode only those get an image. */
  figure(figure: Figure, settled?: boolean): void;
}

export class NotebookDisplay {
  private plotlySent = false;
  private readonly options: NotebookDisplayOptions;

  constructor(private readonly write: DisplayWriter = tslabWriter(), options: Partial<NotebookDisplayOptions> = {}) {
    this.options = { figures: options.figures ?? figureModeFromEnv(), drawStatic: options.drawStatic ?? figuresToSvg };
  }

  /** Shows a plotly figure inline. */
  figure(figure: Figure): void {
    this.sendFigure(figure, undefined, false);
  }

  /** Shows a table, with an optional caption above it. */
  table(table: TableLike, caption?: string): void {
    const html = `${caption ? `<p><b>${escapeHtml(caption)}</b></p>\n` : ''}${table.toHTML()}`;
    this.write({ data: { 'text/html': html, 'text/plain': `${caption ? `${caption}\n` : ''}${table.toMarkdown()}` }, metadata: {}, transient: {} }, false);
  }

  /** A new output whose figure each call replaces. */
  live(): LiveOutput {
    const id = randomBytes(8).toString('hex');
    let shown = false;
    return {
      figure: (figure, settled = false) => {
        // In 'static' mode only settled states go out: each carries its image, so the last one shown has one.
        if (this.options.figures === 'static' && !settled) return;
        this.sendFigure(figure, id, shown);
        shown = true;
      },
    };
  }

  private sendFigure(figure: Figure, liveId: string | undefined, update: boolean): void {
    const interactive = this.options.figures === 'interactive';
    if (interactive && !this.plotlySent) {
      this.write({ data: { 'text/html': `<script>${plotlySource()}</script>`, 'text/plain': '<plotly.js>' }, metadata: {}, transient: {} }, false);
      this.plotlySent = true;
    }
    // A live figure is redrawn every second: an image of each would cost more than the training;
    // in 'static' mode, where nothing else shows it, its settled states get one.
    const svg = liveId !== undefined && interactive ? undefined : this.options.drawStatic([figure])?.[0];
    if (!interactive && svg === undefined) {
      throw new Error('static figures (PARAMDIFF_FIGURES=static) need headless Chromium: set CHROMIUM or install chromium, and playwright-core');
    }
    const data: MimeBundle = {
      'application/vnd.plotly.v1+json': { data: figure.data, layout: figure.layout, config: { responsive: true } },
      'text/html': figureHtml(`paramdiff-${randomBytes(8).toString('hex')}`, figure, svg),
      ...(svg === undefined ? {} : { 'image/svg+xml': svg }),
      'text/plain': `<plotly figure: ${figureTitle(figure)}>`,
    };
    this.write({ data, metadata: {}, transient: liveId ? { display_id: liveId } : {} }, update);
  }
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

let shared: NotebookDisplay | undefined;

/** The display of this kernel, made on first use (so importing the library needs no tslab). */
export function notebookDisplay(): NotebookDisplay {
  shared ??= new NotebookDisplay();
  return shared;
}

/** Shows a plotly figure inline in the notebook. */
export const showFigure = (figure: Figure): void => notebookDisplay().figure(figure);

/** Shows a table (e.g. `aq.from(rows)`) inline in the notebook. */
export const showTable = (table: TableLike, caption?: string): void => notebookDisplay().table(table, caption);
