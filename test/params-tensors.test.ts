import * as tf from '@tensorflow/tfjs';
import { strict as assert } from 'node:assert';
import { assignParams, readParams } from '../lib/params/tensors';
import type { NamedArray } from '../lib/params/types';
import { InputError } from '../lib/util/errors';

/** A ConvNet-S-like parameter map with recognisable values. */
function makeVariables(): Map<string, tf.Variable> {
  return new Map<string, tf.Variable>([
    ['bn3/weight', tf.variable(tf.tensor1d([1, 2, 3]), true, 'bn3/weight')],
    ['fc/weight', tf.variable(tf.tensor2d([[1, 2], [3, 4], [5, 6]]), true, 'fc/weight')],
    ['fc/bias', tf.variable(tf.tensor1d([7, 8]), true, 'fc/bias')],
  ]);
}

function snapshot(vars: Map<string, tf.Variable>): Record<string, number[]> {
  return Object.fromEntries([...vars].map(([name, v]) => [name, Array.from(v.dataSync())]));
}

describe('params/tensors', () => {
  let vars: Map<string, tf.Variable>;
  beforeEach(() => {
    vars = makeVariables();
  });
  afterEach(() => vars.forEach((v) => v.dispose()));

  it('reads the selected parameters as copies, in the order asked', () => {
    const arrays = readParams(vars, ['fc/bias', 'fc/weight']);
    assert.deepEqual(arrays.map((a) => [a.name, a.shape, Array.from(a.data)]), [
      ['fc/bias', [2], [7, 8]],
      ['fc/weight', [3, 2], [1, 2, 3, 4, 5, 6]],
    ]);
    arrays[0].data[0] = 99;
    assert.equal(vars.get('fc/bias')!.dataSync()[0], 7);
    assert.throws(() => readParams(vars, ['fc/kernel']), /unknown parameter "fc\/kernel"; available: bn3\/weight, fc\/weight, fc\/bias/);
  });

  it('assigns values, and readParams returns exactly them, without leaking tensors', () => {
    const before = tf.memory().numTensors;
    const update: NamedArray[] = [
      { name: 'fc/bias', shape: [2], data: new Float32Array([-0.5, 0.25]) },
      { name: 'bn3/weight', shape: [3], data: new Float32Array([0.1, 0.2, 0.3]) },
    ];
    for (let i = 0; i < 5; i++) assignParams(vars, update);
    assert.equal(tf.memory().numTensors, before);
    const back = readParams(vars, ['fc/bias', 'bn3/weight']);
    back.forEach((a, i) => assert.deepEqual(a.data, update[i].data));
    assert.deepEqual(Array.from(vars.get('fc/weight')!.dataSync()), [1, 2, 3, 4, 5, 6]);
  });

  const badInputs: [string, NamedArray, RegExp][] = [
    ['an unknown name', { name: 'fc/kernel', shape: [2], data: new Float32Array(2) }, /unknown parameter "fc\/kernel"/],
    ['a wrong shape', { name: 'fc/weight', shape: [2, 3], data: new Float32Array(6) }, /"fc\/weight": expected shape \[3,2\], got \[2,3\]/],
    ['too few values', { name: 'fc/bias', shape: [2], data: new Float32Array(1) }, /"fc\/bias": shape \[2\] needs 2 values, got 1/],
    ['a NaN', { name: 'fc/bias', shape: [2], data: new Float32Array([0, NaN]) }, /"fc\/bias": value NaN at index 1/],
    ['an Infinity', { name: 'bn3/weight', shape: [3], data: new Float32Array([-Infinity, 0, 0]) }, /"bn3\/weight": value -Infinity/],
  ];
  for (const [what, bad, message] of badInputs) {
    it(`rejects ${what} before assigning anything`, () => {
      const before = snapshot(vars);
      const good = { name: 'bn3/weight', shape: [3], data: new Float32Array([9, 9, 9]) };
      assert.throws(() => assignParams(vars, [good, bad]), (e: Error) => e instanceof InputError && message.test(e.message));
      assert.deepEqual(snapshot(vars), before);
    });
  }
});
