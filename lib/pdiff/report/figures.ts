/**
 * Plotly figures (plain JSON: data + layout) of a p-diff run, shared by the CLI's report.html
 * and the notebooks.
 */
import { lossFigure, type Figure } from '../../viz/figure';
import { pct, percents } from '../../viz/format';
import type { PdiffResults } from '../results';

/** Test-accuracy distributions: originals, generated, reconstructed and the noise baselines. */
export function accuracyDistributionFigure(results: PdiffResults): Figure {
  const names = ['originals', 'generated', 'reconstructed', ...Object.keys(results.populations).filter((k) => k.startsWith('noise'))];
  return {
    data: names.map((name) => ({
      type: 'box', name, y: percents(results.populations[name].test), boxpoints: 'all', jitter: 0.4, pointpos: 0, marker: { size: 3 },
    })),
    layout: {
      title: { text: `Test accuracy of each model (${results.dataset}, seed ${results.seed})` },
      yaxis: { title: { text: 'test accuracy (%)' } },
      showlegend: false,
      height: 420,
    },
  };
}

/** Novelty vs accuracy: max IoU of wrong predictions against the originals, per model. */
export function noveltyScatterFigure(results: PdiffResults): Figure {
  const names = ['originals', 'generated', ...Object.keys(results.populations).filter((k) => k.startsWith('noise'))];
  return {
    data: names.map((name) => ({
      type: 'scatter', mode: 'markers', name,
      x: results.populations[name].maxIoU, y: percents(results.populations[name].test), marker: { size: 5, opacity: 0.7 },
    })),
    layout: {
      title: { text: 'Similarity to the nearest original vs accuracy' },
      xaxis: { title: { text: 'max IoU of wrong test predictions vs originals (1 = same mistakes)' } },
      yaxis: { title: { text: 'test accuracy (%)' } },
      height: 420,
    },
  };
}

/** Training losses (MSE) of the autoencoder and the diffusion model. */
export function lossCurvesFigure(results: PdiffResults): Figure {
  return lossFigure({ autoencoder: results.training.autoencoderLoss, diffusion: results.training.diffusionLoss }, 'Training loss (MSE)');
}

/**
 * Test accuracy against function-space novelty (distance to the nearest training member), per
 * model: the generated models, the held-out ones, and the baselines whose Pareto front (the line)
 * a generator must pass to add anything beyond copies, averages and interpolations.
 */
export function noveltyFrontFigure(results: PdiffResults): Figure {
  const audit = results.audit;
  if (!audit) return { data: [], layout: { title: { text: 'No copying audit (no held-out members)' } } };
  const front = audit.front.front;
  return {
    data: [
      ...Object.entries(audit.points).map(([name, points]) => ({
        type: 'scatter', mode: 'markers', name, x: points.map((p) => p.novelty), y: percents(points.map((p) => p.accuracy)),
        marker: { size: name === 'generated' || name === 'held-out' ? 7 : 4, opacity: 0.7 },
      })),
      { type: 'scatter', mode: 'lines', name: 'baselines\' front', x: front.map((p) => p.novelty), y: percents(front.map((p) => p.accuracy)), line: { dash: 'dot', color: 'black' } },
    ],
    layout: {
      title: { text: `Is it memorising? Accuracy vs novelty (${pct(audit.front.beyondFraction, 0)}% of generated models beyond the baselines' front)` },
      xaxis: { title: { text: 'distance to the nearest training member (mean total variation on probe images)' }, type: 'log' },
      yaxis: { title: { text: 'test accuracy (%)' } },
      height: 460,
    },
  };
}
