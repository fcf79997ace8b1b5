import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { D2nwgPipeline, embedConditions, taskCondition, taskFeatures } from '../lib/d2nwg';
import type { VectorSet } from '../lib/params/types';
import { InputError } from '../lib/util/errors';
import { blobConfig as config, blobSources as sources } from './helpers/task-sources';
import { tmpDirs } from './helpers/tmp-dirs';

const finite = (set: VectorSet) => set.data.every(Number.isFinite);

describe('D2NWG pipeline', () => {
  const dirs = tmpDirs('d2nwg-pipeline');
  let pipeline: D2nwgPipeline;
  let tensorsBefore: number;
  before(() => {
    tensorsBefore = tf.memory().numTensors;
    pipeline = new D2nwgPipeline(config, { outDir: dirs.make(), sources });
  });
  after(() => {
    pipeline.dispose();
    dirs.cleanup();
  });

  it('refuses to generate before fit', () => {
    assert.throws(() => pipeline.generateUnconditional(1, { seed: 0 }), (err: Error) => err instanceof InputError && /fit the pipeline first/.test(err.message));
  });

  it('after fit, generates finite heads of the zoo\'s layout for an unseen task\'s condition, the same for the same seed', () => {
    pipeline.fit();
    assert.equal(pipeline.fit(), pipeline, 'a second fit does nothing');
    const { zoo, encoder } = pipeline;
    const held = zoo.plan.heldOut[0];
    const condition = embedConditions(encoder, taskCondition(taskFeatures(zoo.features, held.spec), config.shots, 1)).rows; // [C, 2H]
    const before = tf.memory().numTensors;
    const heads = pipeline.generate(condition, 3, { seed: 7 });
    assert.deepEqual([heads.count, heads.dim], [3, zoo.heads.dim]);
    assert.ok(finite(heads));
    assert.deepEqual(pipeline.generate(condition, 3, { seed: 7 }).data, heads.data);
    assert.notDeepEqual(pipeline.generate(condition, 3, { seed: 8 }).data, heads.data);
    // The heads of one call are distinct draws.
    assert.notDeepEqual(heads.data.subarray(0, heads.dim), heads.data.subarray(heads.dim, 2 * heads.dim));
    const plain = pipeline.generateUnconditional(2, { seed: 7 });
    assert.deepEqual([plain.count, plain.dim], [2, zoo.heads.dim]);
    assert.ok(finite(plain));
    assert.equal(tf.memory().numTensors, before);
  });

  it('refuses a condition block that is not one condition vector per class', () => {
    const C = pipeline.input.plan.rowsPerVector;
    const dim = 2 * pipeline.encoder.embedSize;
    const block = (count: number, d: number): VectorSet => ({ count, dim: d, data: new Float32Array(count * d) });
    assert.throws(() => pipeline.generate(block(C - 1, dim), 1, { seed: 0 }), (err: Error) => err instanceof InputError && err.message.includes(`[${C}, ${dim}]`));
    assert.throws(() => pipeline.generate(block(C, dim + 1), 1, { seed: 0 }), InputError);
  });

  it('dispose frees every tensor it made', () => {
    pipeline.dispose();
    assert.equal(tf.memory().numTensors, tensorsBefore);
    assert.throws(() => pipeline.generateUnconditional(1, { seed: 0 }), /fit the pipeline first/);
  });
});
