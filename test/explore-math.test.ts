// The explorer page's own math, without a run: lifting map points to latents, the denoising
// timesteps, and the cpu kernels the page registers (against the tfjs-ops fallbacks they replace).
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { affineReluMean } from '../lib/nn/affine-relu-mean';
import { standardize } from '../lib/nn/standardize';
import { registerCpuKernels, unregisterCpuKernels } from '../lib/pdiff/explore/cpu-kernels';
import { denoiseTimesteps } from '../lib/pdiff/explore/explorer';
import { lift, project, residuals, type Anchors, type MapPlane } from '../lib/pdiff/explore/lift';
import { Rng } from '../lib/util/rng';
import { maxAbsDiff, onBackend } from './helpers/backends';

/** A plane with two orthonormal axes in D = 6 and K = 5 random latents as anchors. */
function setting(): { plane: MapPlane; anchors: Anchors } {
  const rng = new Rng(3);
  const dim = 6;
  const a = Float64Array.from({ length: dim }, () => rng.normal());
  const b = Float64Array.from({ length: dim }, () => rng.normal());
  const norm = (v: Float64Array) => v.map((x) => x / Math.hypot(...v));
  const u = norm(a);
  const dot = b.reduce((s, x, i) => s + x * u[i], 0);
  const plane = { mean: Float64Array.from({ length: dim }, () => rng.normal()), components: [u, norm(b.map((x, i) => x - dot * u[i]))] };
  const latents = Float32Array.from({ length: 5 * dim }, () => rng.normal());
  const points = Array.from({ length: 5 }, (_, k) => project(plane, latents.subarray(k * dim, (k + 1) * dim)));
  return { plane, anchors: { latents, points } };
}

describe('explore: lifting map points to latents', () => {
  const { plane, anchors } = setting();
  const r = residuals(plane, anchors);

  it('lifts each original\'s own point to exactly its latent', () => {
    anchors.points.forEach(([x, y], k) => assert.deepEqual(lift(plane, anchors, r, x, y), anchors.latents.slice(k * 6, (k + 1) * 6)));
  });

  it('lifts any point to a latent that projects back onto it', () => {
    for (const [x, y] of [[0.3, -1.2], [5, 5], [-0.01, 0.02]]) {
      const [px, py] = project(plane, lift(plane, anchors, r, x, y));
      assert.ok(Math.abs(px - x) < 1e-5 && Math.abs(py - y) < 1e-5, `(${x}, ${y}) came back as (${px}, ${py})`);
    }
  });

  it('is continuous at the originals', () => {
    const [x, y] = anchors.points[2];
    const near = lift(plane, anchors, r, x + 1e-6, y - 1e-6);
    assert.ok(maxAbsDiff(near, anchors.latents.slice(12, 18)) < 1e-4);
  });
});

describe('explore: denoising timesteps', () => {
  it('start at the noise level and descend, at most `steps` of them', () => {
    for (const [t, steps] of [[200, 10], [999, 25], [3, 10], [0, 5], [7, 1]]) {
      const visit = denoiseTimesteps(t, steps);
      assert.equal(visit[0], t);
      assert.ok(visit.length <= steps && visit.every((v, i) => i === 0 || v < visit[i - 1]), `${t}, ${steps}: ${visit}`);
    }
    assert.deepEqual(denoiseTimesteps(200, 4), [200, 150, 100, 50]);
  });
});

describe('explore: the page\'s cpu kernels', () => {
  it('give the tfjs-ops results of AffineReluMean and Standardize (with a shift and LeakyReLU too)', async () => {
    const rng = new Rng(5);
    const values = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
    const [x4, scale, shift, x3, rowShift] = [values(3 * 4 * 5 * 6), values(2 * 6), values(2 * 6), values(2 * 7 * 3), values(2 * 7)];
    const compute = () => tf.tidy(() => [
      affineReluMean(tf.tensor4d(x4, [3, 4, 5, 6]), tf.tensor2d(scale, [2, 6]), tf.tensor2d(shift, [2, 6])),
      standardize(tf.tensor3d(x3, [2, 7, 3]), 1e-5),
      standardize(tf.tensor3d(x3, [2, 7, 3]), 1e-5, { slope: 0.01, shift: tf.tensor3d(rowShift, [2, 7, 1]) }),
    ].map((t) => t.dataSync() as Float32Array));
    const ops = await onBackend('cpu', compute);
    const added = registerCpuKernels();
    try {
      assert.deepEqual(added.sort(), ['AffineReluMean', 'Standardize']);
      const kernels = await onBackend('cpu', compute);
      ['head', 'standardize', 'standardize after a shift and LeakyReLU'].forEach((what, k) => {
        assert.ok(maxAbsDiff(kernels[k], ops[k]) < 1e-5, `${what} differs by ${maxAbsDiff(kernels[k], ops[k])}`);
      });
    } finally {
      unregisterCpuKernels(added);
    }
  });
});
