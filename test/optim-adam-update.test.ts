// adamUpdate, one Adam / AdamW step as a single op: the native kernel against the tfjs ops it
// replaces (run on the cpu backend), over several steps and every weight-decay kind.
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { ADAM_UPDATE, adamUpdate, type AdamUpdateAttrs } from '../lib/optim/adam-update';
import { Rng } from '../lib/util/rng';
import { maxAbsDiff, onBackend } from './helpers/backends';
import { skipWithoutNative } from './helpers/native-parity';

/** p, m, v after `steps` updates with fresh random gradients, as plain arrays. */
function run(attrs: Omit<AdamUpdateAttrs, 'step'>, steps: number, size: number): Float32Array[] {
  const rng = new Rng(5);
  let state = [tf.tensor1d(rng.normalArray(size)), tf.zeros([size]), tf.zeros([size])];
  for (let step = 1; step <= steps; step++) {
    const g = tf.tensor1d(rng.normalArray(size));
    const next = adamUpdate(state[0], g, state[1], state[2], { ...attrs, step });
    tf.dispose([g, ...state]);
    state = next;
  }
  const values = state.map((t) => t.dataSync() as Float32Array);
  tf.dispose(state);
  return values;
}

describe('adamUpdate native kernel', function () {
  before(function () {
    skipWithoutNative(this, 'native adamUpdate tests');
  });

  it('is registered on native and agrees with the tfjs ops to the last bit, AdamW and Adam', async () => {
    assert.ok(tf.getKernel(ADAM_UPDATE, 'native'), 'the native backend has no AdamUpdate kernel');
    const base = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
    const cases: Omit<AdamUpdateAttrs, 'step'>[] = [
      { ...base, weightDecay: 2e-6, decoupled: true }, { ...base, weightDecay: 0.01, decoupled: false },
      { ...base, weightDecay: 0, decoupled: false }, { ...base, lr: 0.05, weightDecay: 0.1, decoupled: true },
    ];
    for (const attrs of cases) {
      const size = 70_001; // more than one task of the native pool
      const onCpu = await onBackend('cpu', () => run(attrs, 3, size));
      const onNative = await onBackend('native', () => run(attrs, 3, size));
      ['p', 'm', 'v'].forEach((name, i) => assert.equal(maxAbsDiff(onCpu[i], onNative[i]), 0, `${name} with ${JSON.stringify(attrs)}`));
    }
  });
});
