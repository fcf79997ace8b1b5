// sgdUpdate, one SGD-with-momentum step as a single op: the native kernel against the tfjs ops it
// replaces (run on the cpu backend), over several steps, with and without weight decay.
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { SGD_UPDATE, sgdUpdate, type SgdUpdateAttrs } from '../lib/optim/sgd-update';
import { Rng } from '../lib/util/rng';
import { maxAbsDiff, onBackend } from './helpers/backends';
import { skipWithoutNative } from './helpers/native-parity';

/** p and buf after `steps` updates with fresh random gradients, as plain arrays. */
function run(attrs: SgdUpdateAttrs, steps: number, size: number): Float32Array[] {
  const rng = new Rng(7);
  let state = [tf.tensor1d(rng.normalArray(size)), tf.zeros([size])];
  for (let step = 1; step <= steps; step++) {
    const g = tf.tensor1d(rng.normalArray(size));
    const next = sgdUpdate(state[0], g, state[1], attrs);
    tf.dispose([g, ...state]);
    state = next;
  }
  const values = state.map((t) => t.dataSync() as Float32Array);
  tf.dispose(state);
  return values;
}

describe('sgdUpdate native kernel', function () {
  before(function () {
    skipWithoutNative(this, 'native sgdUpdate tests');
  });

  it('is registered on native and agrees with the tfjs ops to the last bit, with and without weight decay', async () => {
    assert.ok(tf.getKernel(SGD_UPDATE, 'native'), 'the native backend has no SgdUpdate kernel');
    const cases: SgdUpdateAttrs[] = [
      { lr: 0.05, momentum: 0.9, weightDecay: 5e-4 }, { lr: 0.005, momentum: 0.9, weightDecay: 0 }, { lr: 0.1, momentum: 0.5, weightDecay: 0.01 },
    ];
    for (const attrs of cases) {
      const size = 70_001; // more than one task of the native pool
      const onCpu = await onBackend('cpu', () => run(attrs, 3, size));
      const onNative = await onBackend('native', () => run(attrs, 3, size));
      ['p', 'buf'].forEach((name, i) => assert.equal(maxAbsDiff(onCpu[i], onNative[i]), 0, `${name} with ${JSON.stringify(attrs)}`));
    }
  });
});
