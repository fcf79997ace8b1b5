// Parity of the native backend with the cpu backend: a function of some tensors, its value and
// the gradients of Σ w ⊙ f (w fixed random) computed on both and compared.
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { loadBackend } from '../../lib/backend';
import { Rng } from '../../lib/util/rng';
import { maxAbsDiff, onBackend } from './backends';

/** Registers the native backend (once the root hook has chosen one); why it cannot, if it cannot. */
function nativeUnavailable(): string | undefined {
  try {
    loadBackend('native');
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** For a suite's before hook: skips the suite, saying why, when the native backend cannot load. */
export function skipWithoutNative(suite: Mocha.Context, what: string): void {
  const unavailable = nativeUnavailable();
  if (unavailable) {
    console.log(`    ${what} skipped: ${unavailable}`);
    suite.skip();
  }
}

export type Build = () => { params: tf.Tensor[]; f: (...p: tf.Tensor[]) => tf.Tensor };

function evaluate(build: Build, seed: number, withGrads: boolean): Float32Array[] {
  return tf.tidy(() => {
    const { params, f } = build();
    const y = f(...params);
    const w = tf.tensor(new Rng(seed).normalArray(y.size), y.shape);
    const grads = withGrads ? tf.grads((...p: tf.Tensor[]) => f(...p).mul(w).sum())(params) : [];
    return [y, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

/** Asserts that cpu and native agree within `tolerance` on the value and (withGrads) every gradient. */
export async function compareWithCpu(label: string, build: Build, seed: number, withGrads = true, tolerance = 1e-3): Promise<void> {
  const onCpu = await onBackend('cpu', () => evaluate(build, seed, withGrads));
  const onNative = await onBackend('native', () => evaluate(build, seed, withGrads));
  onCpu.forEach((expected, i) => {
    const diff = maxAbsDiff(expected, onNative[i]);
    assert.ok(diff <= tolerance, `${label}: ${i === 0 ? 'value' : `gradient ${i - 1}`} differs by ${diff}`);
  });
}
