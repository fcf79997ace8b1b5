/**
 * The few DOM and plotly.js pieces the page script uses, typed here: the project compiles without
 * the DOM library, and this keeps the page's surface small and visible.
 */

export interface PointerEventLike {
  clientX: number;
  clientY: number;
  /** Bit 0: the primary button is down. */
  buttons: number;
  /** Same clock as performance.now(). */
  timeStamp: number;
  preventDefault(): void;
}

export interface Element {
  textContent: string | null;
  innerHTML: string;
  value: string;
  checked: boolean;
  style: Record<string, string>;
  addEventListener(type: string, listener: (e: PointerEventLike) => void, capture?: boolean): void;
  getBoundingClientRect(): { left: number; top: number; width: number; height: number };
}

/** A plotly axis after drawing: linear value ↔ pixel inside the plot area, which starts `_offset` px into the div. */
export interface PlotAxis {
  _offset: number;
  _length: number;
  l2p(value: number): number;
  p2l(pixel: number): number;
}

export interface PlotElement extends Element {
  _fullLayout: { xaxis: PlotAxis; yaxis: PlotAxis };
}

export interface Plotly {
  newPlot(el: Element, data: object[], layout: object, config?: object): Promise<unknown>;
  restyle(el: Element, update: object, traces: number[]): Promise<unknown>;
}

interface Page {
  document: { getElementById(id: string): Element | null; querySelector(selector: string): Element | null };
  Plotly: Plotly;
  addEventListener(type: string, listener: (e: PointerEventLike) => void): void;
  /** What tests read: see main.ts. */
  explore?: unknown;
}

export const page = globalThis as unknown as Page;

export function byId<T extends Element = Element>(id: string): T {
  const el = page.document.getElementById(id);
  if (!el) throw new Error(`the page has no element #${id}`);
  return el as T;
}
