/**
 * The 'native' tfjs backend: a tfjs-backend-wasm instance of its own (its own wasm module and
 * heap) that runs every wasm kernel registered so far — tfjs's and the ones paramdiff adds —
 * except the heavy ones (products, convolutions and their gradients), which the OpenBLAS addon
 * computes on its heap (native-kernels.ts), and the memory-bound ones the addon runs on all
 * cores (native-pointwise.ts); it also has kernels for paramdiff's own ops (native-ops.ts) and for
 * the conv2d of M models at once (native-model-conv.ts).
 * Register it after all wasm kernels are registered.
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './native-addon';
import { nativeKernels } from './native-kernels';
import { modelConvKernels } from './native-model-conv';
import { nativeOpKernels } from './native-ops';
import { pointwiseKernels } from './native-pointwise';

export const NATIVE_BACKEND = 'native';

/** Above wasm's priority 2, so that an engine left to choose on its own prefers native. */
const NATIVE_PRIORITY = 3;

/**
 * Registers the 'native' backend (idempotent). The wasm backend must be registered, and its
 * kernels complete: they are copied as they are now.
 */
export function registerNativeBackend(addon: NativeAddon): void {
  if (tf.findBackendFactory(NATIVE_BACKEND)) return;
  const wasmFactory = tf.findBackendFactory('wasm');
  if (!wasmFactory) throw new Error('the wasm backend must be registered before the native one');
  // The wasm kernels bind their wasm functions in setupFunc, which the engine runs for the active
  // backend instance on every setBackend: copied with it, they bind to the native instance's module.
  for (const config of tf.getKernelsForBackend('wasm')) {
    tf.registerKernel({ ...config, backendName: NATIVE_BACKEND });
  }
  for (const [kernelName, kernel] of [...nativeKernels(addon), ...pointwiseKernels(addon)]) {
    const wasmKernel = tf.getKernel(kernelName, 'wasm');
    if (!wasmKernel) throw new Error(`the wasm backend has no ${kernelName} kernel to fall back on`);
    tf.unregisterKernel(kernelName, NATIVE_BACKEND);
    tf.registerKernel({
      kernelName,
      backendName: NATIVE_BACKEND,
      setupFunc: wasmKernel.setupFunc, // the fallback needs its wasm bindings
      kernelFunc: (args) => kernel(args, wasmKernel.kernelFunc),
    });
  }
  for (const config of [...nativeOpKernels(addon, NATIVE_BACKEND), ...modelConvKernels(addon, NATIVE_BACKEND)]) tf.registerKernel(config);
  tf.registerBackend(NATIVE_BACKEND, wasmFactory, NATIVE_PRIORITY);
}
