/**
 * Plotly figures (plain JSON: data + layout) of a p-diff run, shared by the CLI's report.html
 * and the notebooks.
 */
import { lossFigure, type Figure } from '../../viz/figure';
import { percents } from '../../viz/format';
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
