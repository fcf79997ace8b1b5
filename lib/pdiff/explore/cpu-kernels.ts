/**
 * Two of paramdiff's own ops as kernels of tfjs's cpu backend, for the page (forward only: the
 * page never trains). Each is one pass in plain loops, with sums in float64, where the tfjs-ops
 * fallbacks take several passes:
 * - `AffineReluMean` (lib/nn/affine-relu-mean.ts), the evaluation head: ~0.3–0.5 s → ~10 ms per
 *   model on 300 ConvNet-S probe images;
 * - `Standardize` (lib/nn/standardize.ts), the instance norms of the decoder and denoiser (with
 *   the denoiser's timestep embedding and LeakyReLU before them).
 */
import * as tf from '@tensorflow/tfjs';
import { AFFINE_RELU_MEAN } from '../../nn/affine-relu-mean';
import { STANDARDIZE, type StandardizeAttrs } from '../../nn/standardize';

type Inputs = Record<string, tf.TensorInfo>;
/** What the kernels use of the backend (tfjs types it as {}). */
type Backend = Pick<tf.KernelBackend, 'readSync' | 'write'>;

/** out[m, n, c] = mean over (h, w) of relu(x[n, h, w, c] · scale[m, c] + shift[m, c]). */
function affineReluMean(xs: Float32Array, sc: Float32Array, sh: Float32Array, [n, h, w, c]: number[], m: number): Float32Array {
  const hw = h * w;
  const out = new Float32Array(m * n * c); // [M, N, C]
  const sum = new Float64Array(c);
  for (let k = 0; k < m; k++) {
    for (let i = 0; i < n; i++) {
      sum.fill(0);
      for (let p = 0; p < hw; p++) {
        const base = (i * hw + p) * c;
        for (let j = 0; j < c; j++) {
          const v = xs[base + j] * sc[k * c + j] + sh[k * c + j];
          if (v > 0) sum[j] += v;
        }
      }
      for (let j = 0; j < c; j++) out[(k * n + i) * c + j] = sum[j] / hw;
    }
  }
  return out;
}

/**
 * v = LeakyReLU(x + shift) [O, S, I] → xhat = (v − mean_S) / √(var_S + eps) and rstd [O, I]
 * (biased variance); shift [O, S] or null, slope 1: no LeakyReLU. v in float32, as the ops.
 */
function standardize(x: Float32Array, shift: Float32Array | null, [o, s, i]: number[], eps: number, slope: number): [Float32Array, Float32Array] {
  const v = new Float32Array(x.length);
  for (let at = 0; at < x.length; at++) {
    const u = shift ? Math.fround(x[at] + shift[Math.floor(at / i)]) : x[at];
    v[at] = u > 0 || slope === 1 ? u : u * slope; // NaN stays NaN
  }
  const xhat = new Float32Array(x.length);
  const rstd = new Float32Array(o * i);
  for (let a = 0; a < o; a++) {
    for (let c = 0; c < i; c++) {
      let mean = 0;
      for (let b = 0; b < s; b++) mean += v[(a * s + b) * i + c];
      mean /= s;
      let variance = 0;
      for (let b = 0; b < s; b++) variance += (v[(a * s + b) * i + c] - mean) ** 2;
      const r = 1 / Math.sqrt(variance / s + eps);
      rstd[a * i + c] = r;
      for (let b = 0; b < s; b++) xhat[(a * s + b) * i + c] = (v[(a * s + b) * i + c] - mean) * r;
    }
  }
  return [xhat, rstd];
}

const KERNELS: tf.KernelConfig[] = [
  {
    kernelName: AFFINE_RELU_MEAN,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend: b }) => {
      const backend = b as Backend;
      const { x, scale, shift } = inputs as Inputs;
      const read = (t: tf.TensorInfo) => backend.readSync(t.dataId) as Float32Array;
      const shape = [scale.shape[0], x.shape[0], x.shape[3]];
      const out = affineReluMean(read(x), read(scale), read(shift), x.shape, scale.shape[0]);
      return { dataId: backend.write(out, shape, 'float32'), shape, dtype: 'float32' };
    },
  },
  {
    kernelName: STANDARDIZE,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend: b, attrs }) => {
      const backend = b as Backend;
      const { x, shift } = inputs as Inputs;
      const { eps, slope } = attrs as unknown as StandardizeAttrs;
      const read = (t: tf.TensorInfo) => backend.readSync(t.dataId) as Float32Array;
      const [xhat, rstd] = standardize(read(x), shift ? read(shift) : null, x.shape, eps, slope);
      const rstdShape = [x.shape[0], x.shape[2]];
      return [
        { dataId: backend.write(xhat, x.shape, 'float32'), shape: x.shape, dtype: 'float32' },
        { dataId: backend.write(rstd, rstdShape, 'float32'), shape: rstdShape, dtype: 'float32' },
      ];
    },
  },
];

/** Registers the kernels for 'cpu' (those not registered yet); returns the names it registered. */
export function registerCpuKernels(): string[] {
  const added = KERNELS.filter((k) => !tf.getKernel(k.kernelName, 'cpu'));
  for (const k of added) tf.registerKernel(k);
  return added.map((k) => k.kernelName);
}

/** Removes kernels `registerCpuKernels` added (tests: other code may train on cpu, which needs the gradient kernels). */
export function unregisterCpuKernels(names: string[]): void {
  for (const name of names) tf.unregisterKernel(name, 'cpu');
}
