/**
 * The explorer page: the map, the readout of the chosen point (probe accuracy, nearest original in
 * function space, latency), the path tool and "denoise from here". Everything runs in the page on
 * tfjs's cpu backend (with ../cpu-kernels). Tests read `window.explore` (set at the end of `main`).
 */
import * as tf from '@tensorflow/tfjs';
import { fromFloats, type ExploreData } from '../data';
import { registerCpuKernels } from '../cpu-kernels';
import { Explorer } from '../explorer';
import { lift, project, residuals } from '../lift';
import { byId, page, type PointerEventLike } from './dom';
import { PlotMap } from './map';

/** A point being looked at: its latent, where it is on the map, what it is. */
interface Chosen {
  latent: Float32Array;
  point: [number, number];
  label: string;
}

/** One readout update; latencies from the input event to the updated readout. */
export interface Update {
  label: string;
  point: [number, number];
  correct: number;
  nearest: number;
  tv: number;
  computeMs: number;
  totalMs: number;
}

const SNAP_PX = 6;
const PATH_POINTS = 21;

async function main(): Promise<void> {
  const data = JSON.parse(byId('explore-data').textContent ?? '') as ExploreData;
  await tf.setBackend('cpu');
  registerCpuKernels();
  const explorer = new Explorer(data);
  const dim = explorer.latentDim;
  const n = explorer.probeCount;
  const latents = data.populations.map((p) => fromFloats(p.latents));
  const anchors = { latents: latents[0], points: data.populations[0].points };
  const residual = residuals(data.pca, anchors);
  const map = await PlotMap.draw(data.populations, data.pca.varianceRatio);
  const updates: Update[] = [];
  const pct = (correct: number) => `${((100 * correct) / n).toFixed(1)} %`;
  let current: Chosen | undefined;
  let lastVector: Float32Array = new Float32Array(0);

  const show = (chosen: Chosen, started: number) => {
    const t0 = performance.now();
    const vectors = explorer.decode(chosen.latent, 1);
    const { correct: [correct], probs: [probs] } = explorer.score(vectors);
    const near = explorer.nearest(probs);
    const computeMs = performance.now() - t0;
    [current, lastVector] = [chosen, vectors.data];
    const [x, y] = chosen.point;
    byId('accuracy').textContent = pct(correct);
    byId('source').textContent = `${chosen.label} · ${correct}/${n} correct · map (${x.toFixed(3)}, ${y.toFixed(3)})`;
    byId('nearest').textContent = `original #${near.index} (own probe accuracy ${pct(explorer.originals.correct[near.index])}), ` +
      `mean total-variation distance ${near.tv.toFixed(4)}`;
    const pixel = map.toPixel(x, y);
    const box = byId('map-box').getBoundingClientRect();
    Object.assign(byId('cursor').style, { display: 'block', left: `${pixel.clientX - box.left}px`, top: `${pixel.clientY - box.top}px` });
    const totalMs = performance.now() - started;
    updates.push({ label: chosen.label, point: chosen.point, correct, nearest: near.index, tv: near.tv, computeMs, totalMs });
    byId('latency').textContent = `update ${totalMs.toFixed(1)} ms after the input (decode + score ${computeMs.toFixed(1)} ms)`;
  };

  /** A marker within SNAP_PX keeps its own latent; anywhere else the point is lifted. */
  const pick = (e: PointerEventLike): Chosen | null => {
    const hit = map.snap(e.clientX, e.clientY, SNAP_PX);
    if (hit) {
      const p = data.populations[hit.population];
      return { latent: latents[hit.population].slice(hit.index * dim, (hit.index + 1) * dim), point: p.points[hit.index], label: `${p.name} #${hit.index}` };
    }
    const point = map.fromPixel(e.clientX, e.clientY);
    return point && { latent: lift(data.pca, anchors, residual, point[0], point[1]), point, label: 'lifted point' };
  };

  const settings = () => {
    const int = (id: string, fallback: number) => (Number.isInteger(Number(byId(id).value)) ? Number(byId(id).value) : fallback);
    return { t: int('noise', 1), steps: Math.max(1, int('steps', 10)), seed: int('seed', 0) };
  };
  const showNoise = () => {
    const { t } = settings();
    byId('noise-value').textContent = `t = ${t} (√ᾱ_t = ${Math.sqrt(explorer.schedule.alphasCumprod[t]).toFixed(3)})`;
  };

  let pathStart: Chosen | null = null;
  const runPath = (a: Chosen, b: Chosen) => {
    const t0 = performance.now();
    const alphas = Array.from({ length: PATH_POINTS }, (_, i) => i / (PATH_POINTS - 1));
    const z = new Float32Array(PATH_POINTS * dim);
    alphas.forEach((alpha, i) => { for (let d = 0; d < dim; d++) z[i * dim + d] = (1 - alpha) * a.latent[d] + alpha * b.latent[d]; });
    const straight = explorer.score(explorer.decode(z, PATH_POINTS)).correct;
    const { t, steps, seed } = settings();
    const frames = explorer.denoise(z, PATH_POINTS, t, steps, seed);
    const end = frames[frames.length - 1];
    const denoised = explorer.score(explorer.decode(end, PATH_POINTS)).correct;
    void map.setLine(map.lines.path, [a.point, b.point]);
    void map.setLine(map.lines.denoisedPath, alphas.map((_, i) => project(data.pca, end.subarray(i * dim, (i + 1) * dim))));
    const curve = (name: string, correct: number[], color: string) =>
      ({ type: 'scatter', mode: 'lines+markers', name, x: alphas, y: correct.map((c) => (100 * c) / n), line: { color } });
    void page.Plotly.newPlot(byId('path-chart'), [curve('straight path', straight, '#d62728'), curve(`denoised from t = ${t}`, denoised, '#e377c2')], {
      title: { text: `${a.label} → ${b.label} (${(performance.now() - t0).toFixed(0)} ms for ${2 * PATH_POINTS} models)`, font: { size: 13 } },
      xaxis: { title: { text: 'α' } }, yaxis: { title: { text: 'probe accuracy (%)' } }, margin: { l: 60, r: 10, t: 40, b: 40 },
    }, { displayModeBar: false });
  };

  let pressed = false;
  const tool = () => page.document.querySelector('input[name=tool]:checked')?.value ?? 'probe';
  map.el.addEventListener('mousedown', (e) => {
    const chosen = pick(e);
    if (!chosen) return;
    e.preventDefault();
    if (tool() === 'path') {
      if (pathStart) runPath(pathStart, chosen);
      else void map.setLine(map.lines.path, [chosen.point]);
      pathStart = pathStart ? null : chosen;
    } else {
      pressed = true;
    }
    show(chosen, e.timeStamp);
  }, true);
  page.addEventListener('mousemove', (e) => {
    if (!pressed || !(e.buttons & 1)) return void (pressed = false);
    const chosen = pick(e);
    if (chosen) show(chosen, e.timeStamp);
  });
  page.addEventListener('mouseup', () => { pressed = false; });

  byId('noise').addEventListener('input', showNoise);
  byId('denoise').addEventListener('click', (e) => {
    if (!current) return;
    const { t, steps, seed } = settings();
    const t0 = performance.now();
    const frames = explorer.denoise(current.latent, 1, t, steps, seed);
    const points = frames.map((f) => project(data.pca, f));
    void map.setLine(map.lines.trajectory, [current.point, ...points]);
    byId('denoise-info').textContent = `noised to t = ${t}, ${frames.length - 1} DDIM steps back to x_0 in ${(performance.now() - t0).toFixed(1)} ms`;
    show({ latent: frames[frames.length - 1], point: points[points.length - 1], label: `denoised from ${current.label} at t = ${t}` }, e.timeStamp);
  });
  byId('clear').addEventListener('click', () => {
    pathStart = null;
    for (const trace of Object.values(map.lines)) void map.setLine(trace, []);
    byId('path-chart').innerHTML = '';
  });

  showNoise();
  show({ latent: latents[0].slice(0, dim), point: data.populations[0].points[0], label: 'originals #0' }, performance.now());
  page.explore = {
    ready: true, updates, probeCount: n, reference: data.reference,
    pixelOf: (population: string, index: number) => {
      const p = data.populations.find((q) => q.name === population);
      if (!p) throw new Error(`no population ${population}`);
      return map.toPixel(...p.points[index]);
    },
    lastVector: () => [...lastVector],
  };
}

main().catch((err: Error) => {
  page.explore = { error: err.message };
  byId('accuracy').textContent = `error: ${err.message}`;
  throw err;
});
