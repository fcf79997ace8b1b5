/** Plotly figures of the latent explorer: the PCA map and the accuracy along an interpolation. */
import type { LatentExploration, ProjectedPopulation } from '../latent-explorer';
import type { Figure } from '../../viz/figure';
import { percents, pctText } from '../../viz/format';


function axisTitle(exploration: LatentExploration, axis: number): string {
  return `PC${axis + 1} (${(100 * exploration.pca.varianceRatio[axis]).toFixed(1)}% of the originals' variance)`;
}

function markers(name: string, p: ProjectedPopulation, marker: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'scatter', mode: 'markers', name,
    x: p.points.map((q) => q[0]), y: p.points.map((q) => q[1]),
    text: p.test.map((acc) => `test ${pctText(acc)}%`), marker,
  };
}

/**
 * Originals and generated latents on the originals' first two principal axes (colour: test
 * accuracy of the decoded model), the interpolation path, and the diffusion trajectories
 * from noise to x_0.
 */
export function latentMapFigure(exploration: LatentExploration): Figure {
  const { originals, generated, interpolation, trajectory } = exploration;
  const traced = trajectory[0]?.points.length ?? 0;
  const allTest = percents([...originals.test, ...generated.test]);
  const color = { colorscale: 'Viridis', cmin: Math.min(...allTest), cmax: Math.max(...allTest) };
  const trajectories = Array.from({ length: traced }, (_, s) => ({
    type: 'scatter', mode: 'lines+markers', name: 'diffusion trajectories', legendgroup: 'trajectories', showlegend: s === 0,
    x: trajectory.map((f) => f.points[s][0]), y: trajectory.map((f) => f.points[s][1]),
    text: trajectory.map((f) => (f.t === null ? 'x_0' : `t = ${f.t}`)),
    line: { color: 'rgba(120,120,120,0.6)', width: 1 }, marker: { size: 4, color: 'rgba(120,120,120,0.8)' },
  }));
  return {
    data: [
      ...trajectories,
      {
        type: 'scatter', mode: 'lines+markers', name: `interpolation #${interpolation.from} → #${interpolation.to}`,
        x: interpolation.points.map((q) => q[0]), y: interpolation.points.map((q) => q[1]),
        text: interpolation.alphas.map((a, i) => `α = ${a.toFixed(2)}, test ${pctText(interpolation.test[i])}%`),
        line: { color: 'orange', dash: 'dot' }, marker: { size: 5, color: 'orange' },
      },
      markers('originals', originals, { ...color, color: percents(originals.test), symbol: 'circle', size: 9, line: { width: 1, color: 'black' }, showscale: true, colorbar: { title: { text: 'test %' } } }),
      markers('generated', generated, { ...color, color: percents(generated.test), symbol: 'diamond', size: 7 }),
    ],
    layout: {
      title: { text: 'Latent space: PCA of the originals\' latents' },
      xaxis: { title: { text: axisTitle(exploration, 0) } },
      yaxis: { title: { text: axisTitle(exploration, 1) } },
      legend: { orientation: 'h', y: -0.2 },
      height: 560,
    },
  };
}

/** Test and val accuracy of the decoded models along the straight path between two originals' latents. */
export function interpolationFigure(exploration: LatentExploration): Figure {
  const { interpolation: path } = exploration;
  return {
    data: [
      { type: 'scatter', mode: 'lines+markers', name: 'test', x: path.alphas, y: percents(path.test) },
      { type: 'scatter', mode: 'lines+markers', name: 'val', x: path.alphas, y: percents(path.val), line: { dash: 'dot' } },
    ],
    layout: {
      title: { text: `Accuracy along the latent path from original #${path.from} (α = 0) to #${path.to} (α = 1)` },
      xaxis: { title: { text: 'α (mixing weight)' } },
      yaxis: { title: { text: 'accuracy (%)' } },
      height: 380,
    },
  };
}
