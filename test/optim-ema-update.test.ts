// emaUpdate, one EMA step as a single op: the native kernel against the tfjs ops it replaces (run
// on the cpu backend) over several steps, and on the active backend against those ops there.
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { loadNativeAddon } from '../lib/backend/native-addon';
import { EMA_UPDATE, emaUpdate } from '../lib/optim/ema-update';
import { Rng } from '../lib/util/rng';
import { maxAbsDiff, onBackend } from './helpers/backends';
import { skipWithoutNative } from './helpers/native-parity';

const DECAYS = [0.1, 0.5, 0.999, 0.9999];

/** The average after one update per decay with fresh random parameters, by `update`. */
function run(update: (avg: tf.Tensor, p: tf.Tensor, d: number) => tf.Tensor, size: number): Float32Array {
  const rng = new Rng(7);
  let avg: tf.Tensor = tf.tensor1d(rng.normalArray(size));
  for (const d of DECAYS) {
    const p = tf.tensor1d(rng.normalArray(size));
    const next = update(avg, p, d);
    tf.dispose([p, avg]);
    avg = next;
  }
  const values = avg.dataSync() as Float32Array;
  avg.dispose();
  return values;
}

const ops = (avg: tf.Tensor, p: tf.Tensor, d: number) => tf.tidy(() => avg.mul(d).add(p.mul(1 - d)));

describe('emaUpdate', () => {
  it('is the tfjs ops avg·d + p·(1 − d) on the active backend, to the last bit, without leaking tensors', () => {
    const start = tf.memory().numTensors;
    assert.equal(maxAbsDiff(run(emaUpdate, 1000), run(ops, 1000)), 0);
    assert.equal(tf.memory().numTensors, start);
  });

  describe('native kernel', function () {
    before(function () {
      skipWithoutNative(this, 'native emaUpdate tests');
    });

    it('is registered on native and agrees with the tfjs ops on cpu to the last bit', async () => {
      assert.ok(tf.getKernel(EMA_UPDATE, 'native'), 'the native backend has no EmaUpdate kernel');
      const size = 70_001; // more than one task of the native pool
      const onCpu = await onBackend('cpu', () => run(ops, size));
      const onNative = await onBackend('native', () => run(emaUpdate, size));
      assert.equal(maxAbsDiff(onCpu, onNative), 0);
    });

    it('the addon refuses operands of other lengths', () => {
      const addon = loadNativeAddon();
      assert.throws(() => addon.emaUpdate(new Float32Array(4), new Float32Array(3), new Float32Array(4), 0.9, 0.1), /p has 3 elements, expected 4/);
      assert.throws(() => addon.emaUpdate(new Float32Array(4), new Float32Array(4), new Float32Array(4), 0.9, 'a' as unknown as number),
        /rest must be a number/);
    });
  });
});
