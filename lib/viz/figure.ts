/** A plotly figure as plain JSON (data + layout), shared by the HTML reports and the notebooks. */
export interface Figure {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
}

/** Loss curves by name against their own steps, log scale. */
export function lossFigure(curves: Record<string, { step: number; loss: number }[]>, title: string): Figure {
  return {
    data: Object.entries(curves).map(([name, points]) =>
      ({ type: 'scatter', mode: 'lines', name, x: points.map((p) => p.step), y: points.map((p) => p.loss) })),
    layout: { title: { text: title }, xaxis: { title: { text: 'step' } }, yaxis: { type: 'log', title: { text: 'loss' } }, height: 360 },
  };
}
