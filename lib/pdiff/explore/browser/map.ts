/**
 * The 2-D map drawn with plotly.js: one trace per population, then the path and the denoising
 * trajectory (filled in later), and the conversions between map coordinates and page pixels.
 */
import type { MapPopulation } from '../data';
import { byId, page, type PlotElement } from './dom';

const COLORS: Record<string, string> = { originals: '#1f77b4', generated: '#ff7f0e', 'held-out': '#2ca02c' };
const NOISE_COLORS = ['#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];

export class PlotMap {
  readonly el: PlotElement;
  /** Trace indices of the straight path, the denoised path and the denoising trajectory. */
  readonly lines: { path: number; denoisedPath: number; trajectory: number };
  readonly ready: Promise<unknown>;

  private constructor(readonly populations: MapPopulation[], varianceRatio: number[]) {
    this.el = byId<PlotElement>('map');
    const n = populations.length;
    this.lines = { path: n, denoisedPath: n + 1, trajectory: n + 2 };
    let noise = 0;
    const traces: object[] = populations.map((p) => ({
      type: 'scatter', mode: 'markers', name: `${p.name} (${p.points.length})`,
      x: p.points.map((q) => q[0]), y: p.points.map((q) => q[1]),
      text: p.test.map((acc, i) => `${p.name} #${i}<br>test ${(100 * acc).toFixed(2)} %, val ${(100 * p.val[i]).toFixed(2)} %`),
      hoverinfo: 'text',
      marker: { size: p.name === 'originals' ? 10 : 7, color: COLORS[p.name] ?? NOISE_COLORS[noise++ % NOISE_COLORS.length], opacity: 0.85 },
    }));
    const line = (name: string, color: string, dash: string) =>
      ({ type: 'scatter', mode: 'lines+markers', name, x: [], y: [], hoverinfo: 'skip', line: { color, dash }, marker: { size: 5, color } });
    traces.push(line('straight path', '#d62728', 'solid'), line('denoised path', '#e377c2', 'dash'), line('denoising trajectory', '#17becf', 'dot'));
    const pc = (i: number) => `PC${i + 1} (${(100 * varianceRatio[i]).toFixed(1)} % of the latents' variance)`;
    const layout = {
      xaxis: { title: { text: pc(0) }, zeroline: false }, yaxis: { title: { text: pc(1) }, zeroline: false },
      dragmode: false, hovermode: 'closest', margin: { l: 60, r: 10, t: 10, b: 50 }, legend: { orientation: 'h', y: -0.12 },
    };
    this.ready = page.Plotly.newPlot(this.el, traces, layout, { displayModeBar: false, scrollZoom: false, doubleClick: false });
  }

  static async draw(populations: MapPopulation[], varianceRatio: number[]): Promise<PlotMap> {
    const map = new PlotMap(populations, varianceRatio);
    await map.ready;
    return map;
  }

  /** Page pixel (clientX, clientY) of map point (x, y). */
  toPixel(x: number, y: number): { clientX: number; clientY: number } {
    const { xaxis, yaxis } = this.el._fullLayout;
    const box = this.el.getBoundingClientRect();
    return { clientX: box.left + xaxis._offset + xaxis.l2p(x), clientY: box.top + yaxis._offset + yaxis.l2p(y) };
  }

  /** Map point under a page pixel, or null outside the plot area. */
  fromPixel(clientX: number, clientY: number): [number, number] | null {
    const { xaxis, yaxis } = this.el._fullLayout;
    const box = this.el.getBoundingClientRect();
    const px = clientX - box.left - xaxis._offset;
    const py = clientY - box.top - yaxis._offset;
    if (px < 0 || py < 0 || px > xaxis._length || py > yaxis._length) return null;
    return [xaxis.p2l(px), yaxis.p2l(py)];
  }

  /** The population point within `radius` px of a page pixel, nearest first. */
  snap(clientX: number, clientY: number, radius: number): { population: number; index: number } | null {
    let best: { population: number; index: number } | null = null;
    let bestD = radius * radius;
    for (let population = 0; population < this.populations.length; population++) {
      this.populations[population].points.forEach(([x, y], index) => {
        const q = this.toPixel(x, y);
        const d = (q.clientX - clientX) ** 2 + (q.clientY - clientY) ** 2;
        if (d <= bestD) [bestD, best] = [d, { population, index }];
      });
    }
    return best;
  }

  setLine(trace: number, points: [number, number][]): Promise<unknown> {
    return page.Plotly.restyle(this.el, { x: [points.map((p) => p[0])], y: [points.map((p) => p[1])] }, [trace]);
  }
}
