/** Plotly figures of the p-diff ablations: per setting, the test accuracy of the originals and of the generated models. */
import type { VariantResult } from '../ablations';
import type { Figure } from '../../viz/figure';

/** Grouped boxes (every model a point): originals and generated models for each setting of one ablation. */
export function ablationFigure(results: readonly VariantResult[], title: string): Figure {
  const box = (name: string, population: 'originals' | 'generated') => {
    const x: string[] = [];
    const y: number[] = [];
    for (const r of results) {
      for (const acc of r.results.populations[population].test) {
        x.push(r.setting);
        y.push(100 * acc);
      }
    }
    return { type: 'box', name, x, y, boxpoints: 'all', jitter: 0.4, pointpos: 0, marker: { size: 3 } };
  };
  return {
    data: [box('originals', 'originals'), box('p-diff (generated)', 'generated')],
    layout: {
      title: { text: title },
      boxmode: 'group',
      xaxis: { title: { text: 'setting' }, type: 'category' },
      yaxis: { title: { text: 'test accuracy (%)' } },
      height: 420,
    },
  };
}
