import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { D2nwgPipeline, D2NWG_OUTPUTS, d2nwgSeeds, embedConditions, taskCondition, taskFeatures } from '../lib/d2nwg';
import { behaviourQueries } from '../lib/d2nwg/queries';
import { dataFingerprint } from '../lib/optim/train-state';
import { readSafetensors } from '../lib/zoo/safetensors';
import type { VectorSet } from '../lib/params/types';
import { InputError } from '../lib/util/errors';
import { blobConfig as config, blobSources as sources } from './helpers/task-sources';
import { tmpDirs } from './helpers/tmp-dirs';

const finite = (set: VectorSet) => set.data.every(Number.isFinite);

describe('D2NWG pipeline', function () {
  this.timeout(120_000);
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
    const heads = pipeline.generate(condition, 3, { seed: 7, guidance: 2 });
    assert.deepEqual([heads.count, heads.dim], [3, zoo.heads.dim]);
    assert.ok(finite(heads));
    assert.deepEqual(pipeline.generate(condition, 3, { seed: 7, guidance: 2 }).data, heads.data);
    assert.notDeepEqual(pipeline.generate(condition, 3, { seed: 8, guidance: 2 }).data, heads.data);
    assert.notDeepEqual(pipeline.generate(condition, 3, { seed: 7, guidance: 1 }).data, heads.data, 'the guidance scale given is the one used');
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
    assert.throws(() => pipeline.generate(block(C - 1, dim), 1, { seed: 0, guidance: 1 }), (err: Error) => err instanceof InputError && err.message.includes(`[${C}, ${dim}]`));
    assert.throws(() => pipeline.generate(block(C, dim + 1), 1, { seed: 0, guidance: 1 }), InputError);
  });

  it('the condition block of a task\'s shots is its encoder rows [C, 2H] (conditionOn \'embeddings\')', () => {
    const { zoo, encoder } = pipeline;
    const condition = taskCondition(taskFeatures(zoo.features, zoo.plan.heldOut[1].spec), config.shots, 3);
    assert.deepEqual(pipeline.conditionBlock(condition), embedConditions(encoder, condition).rows);
  });

  it('dispose frees every tensor it made', () => {
    pipeline.dispose();
    assert.equal(tf.memory().numTensors, tensorsBefore);
    assert.throws(() => pipeline.generateUnconditional(1, { seed: 0 }), /fit the pipeline first/);
  });
});

describe('D2NWG pipeline conditioned on class prototypes', function () {
  this.timeout(120_000);
  const dirs = tmpDirs('d2nwg-pipeline-prototypes');
  after(dirs.cleanup);

  it('row k\'s condition is class k\'s standardised mean shot, then the dataset embedding; heads follow the shots', () => {
    const pipeline = new D2nwgPipeline({ ...config, conditionOn: 'prototypes' }, { outDir: dirs.make(), sources }).fit();
    try {
      const { zoo, encoder } = pipeline;
      const C = pipeline.input.plan.rowsPerVector;
      const condition = taskCondition(taskFeatures(zoo.features, zoo.plan.heldOut[0].spec), config.shots, 3);
      const block = pipeline.conditionBlock(condition);
      const F = condition.features;
      const H = encoder.embedSize;
      assert.deepEqual([block.count, block.dim], [C, F + H]);
      const dataset = embedConditions(encoder, condition).datasets.data;
      for (let k = 0; k < C; k++) assert.deepEqual(block.data.subarray(k * (F + H) + F, (k + 1) * (F + H)), dataset);
      // Moving class 2's shots moves class 2's part only, in proportion: a standardisation.
      const moved = { ...condition, data: condition.data.map((v, i) => (Math.floor(i / (condition.shots * F)) === 2 ? v + 1 : v)) };
      const after = pipeline.conditionBlock(moved);
      for (let k = 0; k < C; k++) {
        const delta = Array.from({ length: F }, (_, f) => after.data[k * (F + H) + f] - block.data[k * (F + H) + f]);
        if (k === 2) assert.ok(delta.every((d) => d > 0), 'class 2 moves up in every feature');
        else assert.ok(delta.every((d) => d === 0), `class ${k} stays`);
      }
      const heads = pipeline.generate(block, 2, { seed: 1, guidance: 2 });
      assert.ok(heads.data.every(Number.isFinite));
      assert.notDeepEqual(pipeline.generate(after, 2, { seed: 1, guidance: 2 }).data, heads.data);
    } finally {
      pipeline.dispose();
    }
  });
});

describe('D2NWG pipeline with several conditions per zoo head', function () {
  this.timeout(120_000);
  const dirs = tmpDirs('d2nwg-pipeline-rounds');
  after(dirs.cleanup);

  it('aligns the encoder on the first condition of each head as with one, and trains only the conditional diffusion on all of them', () => {
    const one = new D2nwgPipeline(config, { outDir: dirs.make(), sources }).fit();
    const several = new D2nwgPipeline({ ...config, conditionsPerHead: 3 }, { outDir: dirs.make(), sources }).fit();
    try {
      const condition = taskCondition(taskFeatures(one.zoo.features, one.zoo.plan.heldOut[0].spec), config.shots, 3);
      assert.deepEqual(several.conditionBlock(condition), one.conditionBlock(condition), 'the same encoder');
      assert.deepEqual(several.losses.vae, one.losses.vae);
      assert.deepEqual(several.losses.unconditional, one.losses.unconditional);
      assert.notDeepEqual(several.losses.conditional, one.losses.conditional, 'the conditional diffusion saw other pairs');
      const heads = several.generate(several.conditionBlock(condition), 2, { seed: 1, guidance: 2 });
      assert.deepEqual([heads.count, heads.dim], [2, one.zoo.heads.dim]);
      assert.ok(finite(heads));
    } finally {
      one.dispose();
      several.dispose();
    }
  });
});

describe('D2NWG pipeline with the VAE\'s behavioural term', function () {
  this.timeout(120_000);
  const dirs = tmpDirs('d2nwg-pipeline-behaviour');
  after(dirs.cleanup);

  it('trains the VAE with it on a query set drawn from the training tasks\' training features, pinned in the VAE\'s state', () => {
    const behaviour = { weight: 1, queries: 16 };
    const dir = dirs.make();
    const before = tf.memory().numTensors;
    const pipeline = new D2nwgPipeline({ ...config, vaeTrain: { ...config.vaeTrain, behaviour } }, { outDir: dir, sources }).fit();
    try {
      const queries = behaviourQueries(pipeline.trainTasks, behaviour.queries, d2nwgSeeds(config.seed).vaeQueries);
      const pinned = JSON.parse(readSafetensors(path.join(dir, D2NWG_OUTPUTS.vaeState)).metadata.config) as { train: { behaviour: unknown }; queries: string };
      assert.deepEqual([pinned.train.behaviour, pinned.queries], [behaviour, dataFingerprint(queries.data)]);
      assert.ok(finite(pipeline.generateUnconditional(2, { seed: 0 })));
    } finally {
      pipeline.dispose();
    }
    assert.equal(tf.memory().numTensors, before);
  });
});
