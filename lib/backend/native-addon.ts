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
