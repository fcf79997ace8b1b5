/**
 * Loads the native backend's compiled addon (lib/backend/native: Node-API over OpenBLAS, built by
 * npm's install script when OpenBLAS is present). The same path serves lib/ run through tsx and
 * the compiled dist/: both sit two levels below the package root.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A conv2d's geometry as the addon takes it (ConvGeometry in native/src/kernels.h, same order). */
export type ConvGeometry = Int32Array;

/** The addon's functions (native/src/addon.cc). Tensors are Float32Array views; sizes are checked natively. */
export interface NativeAddon {
  /** out[i] = op(a[aIndex[i]]) · op(b[bIndex[i]]); dims = [batchA, batchB, m, k, n]. */
  batchMatMul(a: Float32Array, b: Float32Array, out: Float32Array, aIndex: Int32Array, bIndex: Int32Array,
    dims: Int32Array, transposeA: boolean, transposeB: boolean): void;
  conv2d(x: Float32Array, filter: Float32Array, y: Float32Array, geometry: ConvGeometry): void;
  conv2dBackpropInput(dy: Float32Array, filter: Float32Array, dx: Float32Array, geometry: ConvGeometry): void;
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dfilter: Float32Array, geometry: ConvGeometry): void;
  /** out[i] = act(out[i] + bias[i mod bias.length]); activation 0 = linear, 1 = relu. */
  biasActivation(out: Float32Array, bias: Float32Array | null, activation: 0 | 1): void;
  /**
   * out = a op b over `shape`, each operand read with its strides (0 on broadcast dims);
   * op 0 add, 1 sub, 2 mul, 3 div, 4 squared difference.
   */
  binary(op: number, a: Float32Array, b: Float32Array, out: Float32Array, shape: Int32Array, aStrides: Int32Array,
    bStrides: Int32Array): void;
  /** out = op(x); op 0 relu, 1 step (alpha where x ≤ 0), 2 square. */
  unary(op: number, x: Float32Array, out: Float32Array, alpha: number): void;
  /** x as [outer, size, inner] summed over size into out [outer, inner]; op 0 sum, 1 mean. */
  reduce(op: number, x: Float32Array, out: Float32Array, dims: Int32Array): void;
  /** The NHWC 2×2 max pool with stride 2 over even sizes (outC = inC in the geometry); NaN ignored. */
  maxPool2x2(x: Float32Array, y: Float32Array, geometry: ConvGeometry): void;
  /** The NHWC max pool's dx: each window's dy to its first maximum (outC = inC in the geometry). */
  maxPoolGrad(dy: Float32Array, x: Float32Array, dx: Float32Array, geometry: ConvGeometry): void;
  /**
   * LeakyReLU(x + shift) (shift [outer, size] one value per row, or null; slope 1: no LeakyReLU)
   * as [outer, size, inner] standardised over size: xhat, and rstd = 1/√(var + eps) [outer, inner].
   */
  standardize(x: Float32Array, shift: Float32Array | null, xhat: Float32Array, rstd: Float32Array, dims: Int32Array,
    eps: number, slope: number): void;
  /**
   * dx = rstd · (dy − mean(dy) − xhat · mean(dy · xhat)), means over size, times LeakyReLU's
   * slope mask of x + shift (x null: no LeakyReLU); dshift = dx summed over inner (null with shift).
   */
  standardizeGrad(dy: Float32Array, x: Float32Array | null, shift: Float32Array | null, xhat: Float32Array, rstd: Float32Array,
    dx: Float32Array, dshift: Float32Array | null, dims: Int32Array, slope: number): void;
  /**
   * Training batch norm of x [size, inner] (dims): y = act(xhat · gamma + beta) with ReLU or the
   * identity, mean and biased variance [inner], rstd = 1/√(variance + eps) [inner].
   */
  batchNorm(x: Float32Array, gamma: Float32Array, beta: Float32Array, y: Float32Array, mean: Float32Array, variance: Float32Array,
    rstd: Float32Array, dims: Int32Array, eps: number, relu: boolean): void;
  /** Its gradient into dx, dgamma, dbeta; y (for ReLU's mask) null without an activation. */
  batchNormGrad(dy: Float32Array, x: Float32Array, y: Float32Array | null, gamma: Float32Array, mean: Float32Array, rstd: Float32Array,
    dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array, dims: Int32Array): void;
  /**
   * Training batch norm with ReLU and a pooling (0: 2×2 max pool, h and w even; 1: the mean over
   * the h·w positions) of x [n, h, w, c] (dims): the pooled output [n, h/2, w/2, c] or [n, c],
   * mean, biased variance and rstd [c]; y is not written.
   */
  batchNormReluPool(x: Float32Array, gamma: Float32Array, beta: Float32Array, pooled: Float32Array, mean: Float32Array,
    variance: Float32Array, rstd: Float32Array, dims: Int32Array, eps: number, pooling: number): void;
  /** Its gradient from the pooled output's into dx, dgamma, dbeta (y recomputed from x). */
  batchNormReluPoolGrad(dyPooled: Float32Array, x: Float32Array, gamma: Float32Array, beta: Float32Array, mean: Float32Array,
    rstd: Float32Array, dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array, dims: Int32Array, pooling: number): void;
  /** pooled = the pooling (0: 2×2 max, 1: mean over h·w) of max(x · scale + shift, 0), x [n, h, w, c] (dims), scale and shift [c]. */
  affineReluPool(x: Float32Array, scale: Float32Array, shift: Float32Array, pooled: Float32Array, dims: Int32Array, pooling: number): void;
  /** The mean pooling's gradient for scale and shift [c] from the pooled output's [n, c]. */
  affineReluMeanGrad(dyMean: Float32Array, x: Float32Array, scale: Float32Array, shift: Float32Array, dscale: Float32Array,
    dshift: Float32Array, dims: Int32Array): void;
  /**
   * One Adam / AdamW step into pOut, mOut, vOut; scalars [decay, wd, b1, 1 − b1, b2, 1 − b2,
   * 1 − b1ᵗ, 1 − b2ᵗ, eps, lr] (native/src/pointwise.h).
   */
  adamUpdate(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, pOut: Float32Array, mOut: Float32Array,
    vOut: Float32Array, scalars: Float32Array, decoupled: boolean): void;
  /** out = avg · decay + p · rest, one EMA step (rest = 1 − decay; both rounded to float32). */
  emaUpdate(avg: Float32Array, p: Float32Array, out: Float32Array, decay: number, rest: number): void;
  /** One SGD-with-momentum step into pOut and bufOut; scalars [wd, momentum, lr] (native/src/pointwise.h). */
  sgdUpdate(p: Float32Array, g: Float32Array, buf: Float32Array, pOut: Float32Array, bufOut: Float32Array, scalars: Float32Array): void;
  /** out[m, n, c] = mean_p relu(x[n, p, c] · scale[m, c] + shift[m, c]); dims = [M, N, P, C]. */
  affineReluMean(x: Float32Array, scale: Float32Array, shift: Float32Array, out: Float32Array, dims: Int32Array): void;
  /** Threads the kernels run on (PARAMDIFF_NATIVE_THREADS, else the CPUs this process may use). */
  threads(): number;
  /** OpenBLAS's build line and the CPU kernel set it picked. */
  blasInfo(): { config: string; core: string };
}

/** Where npm's install script (lib/backend/native/install.cjs) puts the addon. */
export const NATIVE_ADDON_PATH = path.resolve(__dirname, '..', '..', 'lib', 'backend', 'native', 'build', 'Release',
  'paramdiff_native.node');

let loaded: NativeAddon | undefined;

/** The addon, loaded once; throws an error saying why it cannot be used. */
export function loadNativeAddon(): NativeAddon {
  if (loaded) return loaded;
  if (!fs.existsSync(NATIVE_ADDON_PATH)) {
    throw new Error(`addon not built (${NATIVE_ADDON_PATH} is missing: install OpenBLAS, e.g. apt-get install `
      + 'libopenblas-dev, then npm run build:native)');
  }
  loaded = require(NATIVE_ADDON_PATH) as NativeAddon;
  return loaded;
}

/** "OpenBLAS 0.3.21 for SkylakeX, 2 threads": what runs the native kernels. */
export function describeNativeAddon(addon: NativeAddon): string {
  const { config, core } = addon.blasInfo();
  const version = /^OpenBLAS\s+\S+/.exec(config)?.[0] ?? config;
  const threads = addon.threads();
  return `${version} for ${core}, ${threads} thread${threads === 1 ? '' : 's'}`;
}
