import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { Ema, emaDecayAt } from '../lib/diffusion';
import { InputError } from '../lib/util/errors';

const value = (v: tf.Variable) => v.dataSync()[0];
/** Variables made inside tidy, so the initial tensors do not linger. */
const variables = (entries: [string, () => tf.Tensor][]) => new Map(entries.map(([k, f]) => [k, tf.tidy(() => tf.variable(f()))]));
const set = (v: tf.Variable, values: number[] | number) => tf.tidy(() => v.assign(tf.tensor(values)));

describe('diffusion/ema', () => {
  it('warm-up decay min(decay, (1 + n) / (10 + n))', () => {
    assert.equal(emaDecayAt(0.999, 0), 0.1);
    assert.equal(emaDecayAt(0.999, 8), 0.5);
    assert.equal(emaDecayAt(0.999, 10_000), 0.999);
    assert.equal(emaDecayAt(0.5, 100), 0.5);
  });

  it('averages scalars by the EMA recursion with warm-up', () => {
    const start = tf.memory().numTensors;
    const params = variables([['w', () => tf.scalar(0)]]);
    const ema = new Ema(params, 0.9);
    const w = params.get('w')!;
    let expected = 0;
    for (let n = 0; n < 40; n++) {
      const target = n % 3; // a moving parameter: 0, 1, 2, 0, ...
      set(w, target);
      ema.update(params);
      const d = Math.min(0.9, (1 + n) / (10 + n));
      expected = d * expected + (1 - d) * target;
      assert.ok(Math.abs(value(ema.averages.get('w')!) - expected) < 1e-6, `update ${n}`);
    }
    assert.equal(ema.updates, 40);
    tf.dispose([...params.values()]);
    ema.dispose();
    assert.equal(tf.memory().numTensors, start);
  });

  it('withAveraged swaps the averages in and the trained values back, also on a throw, without leaks', () => {
    const start = tf.memory().numTensors;
    const params = variables([['a', () => tf.tensor1d([1, 2])], ['b', () => tf.scalar(5)]]);
    const ema = new Ema(params, 0.5);
    set(params.get('a')!, [3, 4]);
    set(params.get('b')!, 7);
    ema.update(params); // d = 0.1: a = [2.8, 3.8], b = 6.8
    const before = tf.memory().numTensors;
    const seen = ema.withAveraged(params, () => [...params.get('a')!.dataSync(), value(params.get('b')!)]);
    seen.forEach((v, i) => assert.ok(Math.abs(v - [2.8, 3.8, 6.8][i]) < 1e-6, `${seen}`));
    assert.deepEqual([...params.get('a')!.dataSync()], [3, 4]);
    assert.equal(value(params.get('b')!), 7);
    assert.throws(() => ema.withAveraged(params, () => { throw new Error('inside'); }), /inside/);
    assert.deepEqual([...params.get('a')!.dataSync()], [3, 4]);
    assert.equal(tf.memory().numTensors, before);
    ema.copyTo(params);
    assert.ok(Math.abs(value(params.get('b')!) - 6.8) < 1e-6);
    assert.throws(() => ema.withAveraged(new Map(), () => 0), InputError);
    assert.throws(() => new Ema(params, 1), InputError);
    ema.dispose();
    tf.dispose([...params.values()]);
    assert.equal(tf.memory().numTensors, start);
  });
});
